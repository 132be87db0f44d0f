"""What the trends remember: the spike alerts already sent (one per community, topic and
week), so that the weekly job never sends one twice."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy

from tongxin.core import clock
from tongxin.places.models import Place


class TrendAlert(models.Model):
    """A topic's weekly count in a community rose well above its own baseline; the
    community's secretary was told."""

    community = models.ForeignKey(
        Place, verbose_name=gettext_lazy("社区"), on_delete=models.CASCADE, related_name="+"
    )
    topic = models.CharField(gettext_lazy("话题"), max_length=40)
    week = models.DateField(gettext_lazy("周（周一）"))
    count = models.PositiveIntegerField(gettext_lazy("本周条数"))
    baseline = models.FloatField(gettext_lazy("基线（周均）"))
    created_at = models.DateTimeField(gettext_lazy("提醒时间"), default=clock.now)

    class Meta:
        verbose_name = gettext_lazy("热点突增提醒")
        verbose_name_plural = gettext_lazy("热点突增提醒")
        ordering = ["-week", "community_id", "topic"]
        constraints = [
            models.UniqueConstraint(fields=["community", "topic", "week"], name="trend_alert_once")
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.topic} {self.week}"
