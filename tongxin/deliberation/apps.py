from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class DeliberationConfig(AppConfig):
    name = "tongxin.deliberation"
    label = "deliberation"
    verbose_name = gettext_lazy("议事与表决")

    def ready(self) -> None:
        from tongxin.core import sensitivity as personal_fields

        from . import sensitivity

        personal_fields.register(sensitivity.CLASSIFICATION)
        from tongxin.people.own_data import register_sections

        from .own_data import LINKED, sections

        register_sections(LINKED, sections)

        from tongxin.core import schedule

        from .services.sweep import votes_sweep

        # Every five minutes: votes past their closing time are closed and their results
        # stored (published at once, well within Beijing's one working day); electors who
        # have not voted are reminded once before the close.
        schedule.register(
            "deliberation_votes",
            votes_sweep,
            label=gettext_lazy("结束到期表决并提醒未投票的表决人"),
            minute="*/5",
        )

        from tongxin.notices.raising import register_raiser

        from .log_raising import TOPIC_RAISER

        # A daily-log entry (民情日志) can raise a topic (议题): notices sit below deliberation,
        # so the entry's page offers what deliberation registers here.
        register_raiser(TOPIC_RAISER)

        from tongxin.meetings.rooms import register_room

        # An online meeting (微会议) is held in deliberation's room: the meeting's page links
        # there.
        register_room("micro", "deliberation:micro")
