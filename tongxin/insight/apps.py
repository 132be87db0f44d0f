from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class InsightConfig(AppConfig):
    name = "tongxin.insight"
    label = "insight"
    verbose_name = gettext_lazy("民情研判")

    def ready(self) -> None:
        from tongxin.core import schedule

        from .services import alert_spikes

        # Monday morning: last week's topics against their own baseline, per community.
        schedule.register(
            "insight_spikes",
            alert_spikes,
            label=gettext_lazy("民情热点突增提醒"),
            day_of_week="mon",
            hour=7,
            minute=30,
        )
