from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class MatchingConfig(AppConfig):
    name = "tongxin.matching"
    label = "matching"
    verbose_name = gettext_lazy("服务匹配")

    def ready(self) -> None:
        from tongxin.core import sensitivity as personal_fields

        from . import sensitivity

        personal_fields.register(sensitivity.CLASSIFICATION)
        from tongxin.people.own_data import register_sections

        from .own_data import LINKED, sections

        register_sections(LINKED, sections)

        from tongxin.people import contributions

        from .policies import claimer_may_reveal

        # The claimer of an open need may see the resident's phone, through the one reveal.
        contributions.register(reveal_grant=claimer_may_reveal)

        from tongxin.core import schedule

        from .services import needs_sweep

        # Early morning: stale claims go back to the pool, rounds that ended expire.
        schedule.register(
            "matching_sweep",
            needs_sweep,
            label=gettext_lazy("处理超期认领与到期需求"),
            hour=0,
            minute=20,
        )

        from tongxin.notices.raising import register_raiser

        from .log_raising import NEED_RAISER

        # A daily-log entry (民情日志) can raise a need: notices sit below matching, so the
        # entry's page offers what matching registers here.
        register_raiser(NEED_RAISER)
