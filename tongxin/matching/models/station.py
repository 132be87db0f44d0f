"""邻里互助站: stations, stock, donations in, families and goods out; the 互助基金's records."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from tongxin.core.actors import Actor
from tongxin.core.models import AppendOnlyModel, AppendOnlyScopedManager, TimeStampedModel
from tongxin.core.scoping import Scope, ScopedManager, ScopedQuerySet, paths_q
from tongxin.people.models import Household
from tongxin.places.models import Place
from tongxin.volunteering.models import LedgerTransaction

from .common import home_community_paths

# ---------------------------------------------------------------------------- 邻里互助站


class StationQuerySet(ScopedQuerySet):
    """A station and its stock are the community's, not personal: seen by its people and the
    staff who may browse it."""

    def narrow(self, user: Actor | None, scope: Scope) -> StationQuerySet:
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(community__path__in=home_community_paths(user, scope))
            | paths_q("community__path", scope.place_paths)
        )


class Station(TimeStampedModel):
    """A 邻里互助站: donated daily goods in, free to the registered families out."""

    community = models.ForeignKey(
        Place, verbose_name=gettext_lazy("社区"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(gettext_lazy("名称"), max_length=60)
    address = models.CharField(gettext_lazy("地点"), max_length=200, blank=True)
    is_active = models.BooleanField(gettext_lazy("开放"), default=True)

    objects = models.Manager.from_queryset(StationQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("邻里互助站")
        verbose_name_plural = gettext_lazy("邻里互助站")

    def __str__(self) -> str:
        return self.name


class StockItem(models.Model):
    """What a station holds of one item, kept in step with its donations and distributions
    inside the same transaction (the movements are the history; this is the figure)."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="stock")
    item = models.CharField(gettext_lazy("物品"), max_length=60)
    quantity = models.PositiveIntegerField(gettext_lazy("数量"), default=0)

    class Meta:
        verbose_name = gettext_lazy("库存")
        verbose_name_plural = gettext_lazy("库存")
        constraints = [
            models.UniqueConstraint(fields=["station", "item"], name="stock_one_row_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}"


class GoodsCategory(models.TextChoices):
    FOOD = "food", gettext_lazy("食品")
    MEDICINE = "medicine", gettext_lazy("药品")
    DAILY = "daily", gettext_lazy("日用品")
    CLOTHING = "clothing", gettext_lazy("衣物")
    STATIONERY = "stationery", gettext_lazy("文具")
    OTHER = "other", gettext_lazy("其他")


class Condition(models.TextChoices):
    NEW = "new", gettext_lazy("全新")
    GOOD = "good", gettext_lazy("完好")
    USED = "used", gettext_lazy("旧物")


class Donation(AppendOnlyModel):
    """Goods received (accepted by the rules; refused goods are not taken in)."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="donations")
    donor_name = models.CharField(gettext_lazy("捐赠人"), max_length=60)
    category = models.CharField(gettext_lazy("类别"), max_length=16, choices=GoodsCategory.choices)
    item = models.CharField(gettext_lazy("物品"), max_length=60)
    quantity = models.PositiveIntegerField(gettext_lazy("数量"))
    condition = models.CharField(gettext_lazy("成色"), max_length=8, choices=Condition.choices)
    best_before = models.DateField(gettext_lazy("保质期至"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("经手人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(gettext_lazy("时间"), db_index=True)

    objects: ClassVar[AppendOnlyScopedManager[Donation]] = AppendOnlyScopedManager()

    class Meta:
        verbose_name = gettext_lazy("捐赠物品")
        verbose_name_plural = gettext_lazy("捐赠物品")

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return paths_q("station__community__path", scope.manager_paths)


class StationFamily(TimeStampedModel):
    """A family registered with a station to receive goods (困难家庭 who asked to register)."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="families")
    household = models.ForeignKey(
        Household, verbose_name=gettext_lazy("户"), on_delete=models.PROTECT, related_name="+"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(gettext_lazy("备注"), max_length=200, blank=True)
    is_active = models.BooleanField(gettext_lazy("有效"), default=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("登记家庭")
        verbose_name_plural = gettext_lazy("登记家庭")
        constraints = [
            models.UniqueConstraint(fields=["station", "household"], name="station_family_once")
        ]

    def __str__(self) -> str:
        return f"{self.station} · {self.household_id}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return paths_q("station__community__path", scope.manager_paths)


class Distribution(AppendOnlyModel):
    """Goods given out: who (a registered family), what, when, by whom."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="distributions")
    family = models.ForeignKey(StationFamily, on_delete=models.PROTECT, related_name="received")
    item = models.CharField(gettext_lazy("物品"), max_length=60)
    quantity = models.PositiveIntegerField(gettext_lazy("数量"))
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("发放人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(gettext_lazy("时间"), db_index=True)

    objects: ClassVar[AppendOnlyScopedManager[Distribution]] = AppendOnlyScopedManager()

    class Meta:
        verbose_name = gettext_lazy("物品发放")
        verbose_name_plural = gettext_lazy("物品发放")

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return paths_q("station__community__path", scope.manager_paths)


class FundKind(models.TextChoices):
    DONATION = "donation", gettext_lazy("捐款")
    HELP = "help", gettext_lazy("帮扶支出")


class FundRecord(AppendOnlyModel):
    """One movement of the 互助基金, beside its ledger transaction (which holds the money):
    who gave, or which household was helped and why."""

    community = models.ForeignKey(
        Place, verbose_name=gettext_lazy("社区"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(gettext_lazy("类型"), max_length=16, choices=FundKind.choices)
    amount = models.PositiveBigIntegerField(gettext_lazy("金额(分)"))
    donor_name = models.CharField(gettext_lazy("捐赠人"), max_length=60, blank=True)
    household = models.ForeignKey(
        Household,
        verbose_name=gettext_lazy("帮扶户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(gettext_lazy("事由"), max_length=200)
    tx = models.ForeignKey(
        LedgerTransaction,
        verbose_name=gettext_lazy("记账"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("经手人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(gettext_lazy("时间"), db_index=True)

    objects: ClassVar[AppendOnlyScopedManager[FundRecord]] = AppendOnlyScopedManager()

    class Meta:
        verbose_name = gettext_lazy("互助基金收支")
        verbose_name_plural = gettext_lazy("互助基金收支")

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return paths_q("community__path", scope.manager_paths)
