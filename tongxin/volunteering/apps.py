from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class VolunteeringConfig(AppConfig):
    name = "tongxin.volunteering"
    label = "volunteering"
    verbose_name = gettext_lazy("志愿服务与积分")

    def ready(self) -> None:
        from tongxin.core import sensitivity as personal_fields

        from . import sensitivity

        personal_fields.register(sensitivity.CLASSIFICATION)
        from tongxin.people.own_data import register_sections

        from .own_data import LINKED, sections

        register_sections(LINKED, sections)

        from tongxin.core import schedule

        from .services import points_expire

        # Just after local midnight: points lapse at the end of their last valid day.
        schedule.register(
            "points_expire", points_expire, label=gettext_lazy("处理到期积分"), hour=0, minute=5
        )
