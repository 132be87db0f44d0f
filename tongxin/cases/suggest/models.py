"""The trained versions of the category model, per community (imported by ``cases.models``,
so the rows belong to the cases app)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy

from tongxin.core.config_cache import ConfigManager
from tongxin.places.models import Place


class SuggestModel(models.Model):
    """One trained version of a community's category model, with its measured accuracy.

    ``source``: ``closed_cases`` — trained on the shipped corpus plus the community's closed
    cases (the category a worker finally chose is the label); ``fallback`` — no weights: the
    community uses the shipped model (``data/model.npz``) and the scheduled retraining leaves
    it alone. The newest active row of a community is the one its suggestions use."""

    class Source(models.TextChoices):
        CLOSED_CASES = "closed_cases", gettext_lazy("本社区已结案诉求")
        FALLBACK = "fallback", gettext_lazy("使用内置模型")

    community = models.ForeignKey(
        Place, verbose_name=gettext_lazy("社区"), on_delete=models.CASCADE, related_name="+"
    )
    version = models.PositiveIntegerField(gettext_lazy("版本"))
    source = models.CharField(gettext_lazy("来源"), max_length=16, choices=Source.choices)
    data = models.BinaryField(gettext_lazy("模型文件"), blank=True, default=b"")
    texts = models.PositiveIntegerField(gettext_lazy("训练文本数"), default=0)
    cases = models.PositiveIntegerField(gettext_lazy("其中本社区诉求"), default=0)
    last_case_id = models.PositiveBigIntegerField(gettext_lazy("最后一条诉求"), default=0)
    # {"heldout": {top1, top3, leaf1, leaf3, by_top…}, "local": {…} (a fifth of the
    # community's cases kept out of training), "shipped": the shipped model's on the same}
    accuracy = models.JSONField(gettext_lazy("准确率"), default=dict, blank=True)
    is_active = models.BooleanField(gettext_lazy("启用"), default=True)
    note = models.CharField(gettext_lazy("说明"), max_length=200, blank=True)
    trained_at = models.DateTimeField(gettext_lazy("训练时间"))

    objects = ConfigManager()

    class Meta:
        app_label = "cases"
        verbose_name = gettext_lazy("分类模型版本")
        verbose_name_plural = gettext_lazy("分类模型版本")
        ordering = ["community_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["community", "version"], name="suggest_model_version")
        ]

    def __str__(self) -> str:
        return f"{self.community_id} v{self.version}"
