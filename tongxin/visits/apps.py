from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class VisitsConfig(AppConfig):
    name = "tongxin.visits"
    label = "visits"
    verbose_name = gettext_lazy("走访与结对")

    def ready(self) -> None:
        from tongxin.core import config_cache
        from tongxin.core import sensitivity as personal_fields

        from . import sensitivity
        from .models import CadenceRule
        from .rules import RULES_ENTRY, load_rules

        config_cache.entry(RULES_ENTRY, load_rules, CadenceRule)
        personal_fields.register(sensitivity.CLASSIFICATION)

        from tongxin.people.own_data import register_sections

        from .own_data import LINKED, sections

        register_sections(LINKED, sections)

        from tongxin.core import schedule

        from .tasks import visits_escalate, visits_plan

        # Each night the periods that begin are planned (and held tasks follow their posts);
        # every quarter of an hour overdue visits and unanswered knocks move up the chain.
        schedule.register(
            "visits_plan", visits_plan, label=gettext_lazy("生成走访任务"), hour=0, minute=15
        )
        schedule.register(
            "visits_escalate",
            visits_escalate,
            label=gettext_lazy("走访超期与敲门未应答升级"),
            minute="*/15",
        )

        from . import triggers

        triggers.connect()
