from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CasesConfig(AppConfig):
    name = "tongxin.cases"
    label = "cases"
    verbose_name = gettext_lazy("民情诉求")

    def ready(self) -> None:
        from tongxin.core import sensitivity as personal_fields

        from . import sensitivity

        personal_fields.register(sensitivity.CLASSIFICATION)
        from tongxin.core import vault

        from .models import REPORTER_PHONE_CONTEXT

        vault.register_sealed("cases.Case", "reporter_phone_cipher", context=REPORTER_PHONE_CONTEXT)

        from tongxin.people.own_data import register_sections

        from .own_data import LINKED, sections

        register_sections(LINKED, sections)

        from . import config

        config.register()  # the configuration tables, cached per process

        from .suggest import services as suggest

        suggest.register()  # which version of the category model each community uses

        from tongxin.core import schedule

        from .services import case_sweep_clocks

        schedule.register(
            "case_clocks",
            case_sweep_clocks,
            label=gettext_lazy("案件时限巡检"),
            hour=2,
            minute=30,
        )
        schedule.register(
            "suggest_retrain",
            suggest.retrain_due,
            label=gettext_lazy("按已结案诉求重新训练分类模型"),
            day_of_week="sun",
            hour=3,
            minute=40,
        )
