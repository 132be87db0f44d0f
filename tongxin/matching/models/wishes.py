"""微心愿: campaigns and wishes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from tongxin.core.actors import Actor, person_of
from tongxin.core.models import TimeStampedModel
from tongxin.core.scoping import Scope, ScopedQuerySet, paths_q
from tongxin.orgs.models import Organisation
from tongxin.people.models import Person
from tongxin.places.models import Place

from .common import home_community_paths
from .needs import VerifyMethod

# ---------------------------------------------------------------------------- 微心愿


class WishDisplay(models.TextChoices):
    GIVEN_NAME = "given_name", gettext_lazy("只显示名")
    NOTHING = "nothing", gettext_lazy("不显示身份")


class CampaignState(models.TextChoices):
    COLLECTING = "collecting", gettext_lazy("征集中")
    RUNNING = "running", gettext_lazy("认领中")
    CLOSED = "closed", gettext_lazy("已结束")


class CampaignQuerySet(ScopedQuerySet):
    """A campaign is the community's, not personal: seen by the people who live there and the
    staff who may browse it."""

    def narrow(self, user: Actor | None, scope: Scope) -> CampaignQuerySet:
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(community__path__in=home_community_paths(user, scope))
            | paths_q("community__path", scope.place_paths)
        )


class WishCampaign(TimeStampedModel):
    """A wish campaign (六一, 春节…) of one community: what a card may show of the wisher
    (``display``), the most a physical wish may be worth, the claims one claimer may hold."""

    community = models.ForeignKey(
        Place, verbose_name=gettext_lazy("社区"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(gettext_lazy("活动名称"), max_length=100)
    display = models.CharField(
        gettext_lazy("心愿卡显示"),
        max_length=16,
        choices=WishDisplay.choices,
        default=WishDisplay.GIVEN_NAME,
    )
    state = models.CharField(
        gettext_lazy("状态"),
        max_length=16,
        choices=CampaignState.choices,
        default=CampaignState.COLLECTING,
    )
    max_value = models.PositiveIntegerField(gettext_lazy("单个心愿上限(元)"), default=300)
    claims_per_claimer = models.PositiveSmallIntegerField(gettext_lazy("每人限认领"), default=3)
    ends_on = models.DateField(gettext_lazy("截止日期"), null=True, blank=True)

    objects = models.Manager.from_queryset(CampaignQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("微心愿活动")
        verbose_name_plural = gettext_lazy("微心愿活动")

    def __str__(self) -> str:
        return self.title

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return paths_q("community__path", scope.place_paths)


class WishState(models.TextChoices):
    COLLECTED = "collected", gettext_lazy("已征集")
    PUBLISHED = "published", gettext_lazy("待认领")
    CLAIMED = "claimed", gettext_lazy("已认领")
    FULFILLED = "fulfilled", gettext_lazy("已圆梦")
    WITHDRAWN = "withdrawn", gettext_lazy("已撤回")


class ReceiptBy(models.TextChoices):
    WISHER = "wisher", gettext_lazy("本人")
    PROXY = "proxy", gettext_lazy("代收人")


# The wish wall shows these, as cards: open wishes, and those already claimed or fulfilled
# (so that a claimer who came second is told so, not that the wish vanished).
PUBLIC_WISH_STATES = (WishState.PUBLISHED, WishState.CLAIMED, WishState.FULFILLED)


class WishQuerySet(ScopedQuerySet):
    """Staff over the wisher's place and the campaign's managers see the wish; the wisher
    and their household see their own; a claimer theirs; everyone of the community sees the
    wall's cards (``selectors.wish_card`` shows only what the campaign allows)."""

    def narrow(self, user: Actor | None, scope: Scope) -> WishQuerySet:
        if user is None or not user.is_authenticated:
            return self.none()
        q = (
            paths_q("person_path", scope.case_paths)
            | Q(person_id__in=scope.person_ids)
            | paths_q("campaign__community__path", scope.manager_paths)
        )
        person = person_of(user)
        if person is not None:
            q |= Q(claimed_by_person_id=person.pk)
            q |= Q(
                state__in=PUBLIC_WISH_STATES,
                campaign__community__path__in=home_community_paths(user, scope),
            )
        return self.filter(q)


class Wish(TimeStampedModel):
    """One 微心愿 of a resident: verified before it is published, claimed by one person (or
    unit, through a person acting for it), fulfilled with a handover receipt confirmed by the
    wisher or a proxy; no photo of the wisher is asked for."""

    campaign = models.ForeignKey(
        WishCampaign,
        verbose_name=gettext_lazy("活动"),
        on_delete=models.PROTECT,
        related_name="wishes",
    )
    person = models.ForeignKey(
        Person, verbose_name=gettext_lazy("心愿人"), on_delete=models.PROTECT, related_name="+"
    )
    person_path = models.CharField(max_length=255, editable=False, db_index=True)
    given_name = models.CharField(gettext_lazy("称呼"), max_length=20, blank=True)
    text = models.CharField(gettext_lazy("心愿"), max_length=200)
    value = models.PositiveIntegerField(gettext_lazy("价值(元)"), default=0)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("征集人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    verify_method = models.CharField(
        gettext_lazy("核实方式"), max_length=8, choices=VerifyMethod.choices, blank=True
    )
    state = models.CharField(
        gettext_lazy("状态"), max_length=16, choices=WishState.choices, default=WishState.COLLECTED
    )
    claimed_by_person = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("认领人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    claimed_by_org = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("认领单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    claimed_at = models.DateTimeField(gettext_lazy("认领时间"), null=True, blank=True)
    contact_by = models.DateField(gettext_lazy("联系期限"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(gettext_lazy("圆梦时间"), null=True, blank=True)
    receipt_by = models.CharField(
        gettext_lazy("签收"), max_length=8, choices=ReceiptBy.choices, blank=True
    )
    receipt_name = models.CharField(gettext_lazy("签收人"), max_length=50, blank=True)
    thanks = models.CharField(gettext_lazy("感谢语"), max_length=200, blank=True)

    objects = models.Manager.from_queryset(WishQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("微心愿")
        verbose_name_plural = gettext_lazy("微心愿")
        indexes = [models.Index(fields=["campaign", "state"], name="wish_campaign_state")]

    def __str__(self) -> str:
        return f"{self.campaign} #{self.pk}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return paths_q("person_path", scope.case_paths) | Q(person_id__in=scope.person_ids)


def claimer_of(obj: Any) -> Person | None:
    """The claiming person of a need or a wish (None for a unit's claim)."""
    return obj.claimed_by_person if obj.claimed_by_person_id else None
