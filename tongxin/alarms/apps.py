from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AlarmsConfig(AppConfig):
    name = "tongxin.alarms"
    label = "alarms"
    verbose_name = gettext_lazy("爱心铃")

    def ready(self) -> None:
        from tongxin.people.own_data import register_sections

        from .own_data import LINKED, sections

        register_sections(LINKED, sections)
        from tongxin.core import schedule
        from tongxin.core import sensitivity as personal_fields
        from tongxin.people import contributions

        from . import sensitivity

        personal_fields.register(sensitivity.CLASSIFICATION)

        from .policies import responder_may_reveal
        from .tasks import alarms_prune_log, alarms_sweep

        # Every minute: alarms whose moment passed (a lost task) and devices gone silent.
        schedule.register(
            "alarms_sweep", alarms_sweep, label=gettext_lazy("爱心铃升级与离线检查"), minute="*"
        )
        # Nightly: the device log's heartbeats and statuses past their retention.
        schedule.register(
            "alarms_prune_log",
            alarms_prune_log,
            label=gettext_lazy("爱心铃设备消息清理"),
            hour=3,
            minute=40,
        )
        # Whoever an active alarm paged may see the resident's and the family's phones,
        # through people's one audited reveal.
        contributions.register(reveal_grant=responder_may_reveal)
