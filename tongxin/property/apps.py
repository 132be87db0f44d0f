from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PropertyConfig(AppConfig):
    name = "tongxin.property"
    label = "property"
    verbose_name = gettext_lazy("红色物业")

    def ready(self) -> None:
        from tongxin.people.own_data import register_sections

        from .own_data import LINKED, sections

        register_sections(LINKED, sections)
        from tongxin.core import schedule
        from tongxin.core import sensitivity as personal_fields

        from . import sensitivity, tasks

        personal_fields.register(sensitivity.CLASSIFICATION)
        schedule.register(
            "property_credit_sweep",
            tasks.credit_sweep,
            label=gettext_lazy("物业信用：到期入账与来源采集"),
            hour=2,
            minute=20,
        )
        schedule.register(
            "property_survey_draw",
            tasks.survey_draw,
            label=gettext_lazy("物业满意度：抽取本月调查住户"),
            hour=3,
            minute=5,
        )
