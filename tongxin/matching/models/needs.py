"""Needs (点单) and their events; the resource list (资源清单)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from tongxin.core.actors import Actor, person_of
from tongxin.core.models import AppendOnlyModel, AppendOnlyScopedManager, TimeStampedModel
from tongxin.core.scoping import Scope, ScopedManager, ScopedQuerySet, paths_q
from tongxin.orgs.models import Organisation
from tongxin.people.models import Household, Person
from tongxin.places.models import Place
from tongxin.volunteering.models import LedgerTransaction

from .common import home_community_paths

# ---------------------------------------------------------------------------- needs


class NeedKind(models.TextChoices):
    SERVICE = "service", gettext_lazy("生活服务")
    GOODS = "goods", gettext_lazy("物资")
    HOME_HELP = "home_help", gettext_lazy("上门帮扶")
    TUTORING = "tutoring", gettext_lazy("学业辅导")
    REPAIR = "repair", gettext_lazy("维修")
    COMPANIONSHIP = "companionship", gettext_lazy("陪伴")
    OTHER = "other", gettext_lazy("其他")


class Urgency(models.TextChoices):
    LOW = "low", gettext_lazy("不急")
    NORMAL = "normal", gettext_lazy("一般")
    URGENT = "urgent", gettext_lazy("紧急")


class NeedState(models.TextChoices):
    POSTED = "posted", gettext_lazy("已提交")
    VERIFIED = "verified", gettext_lazy("已核实")
    LISTED = "listed", gettext_lazy("待认领")
    CLAIMED = "claimed", gettext_lazy("已认领")
    IN_PROGRESS = "in_progress", gettext_lazy("服务中")
    DONE = "done", gettext_lazy("已完成")
    RATED = "rated", gettext_lazy("已评价")
    CLOSED = "closed", gettext_lazy("已销号")
    WITHDRAWN = "withdrawn", gettext_lazy("已撤回")
    EXPIRED = "expired", gettext_lazy("已过期")
    # Taken into a project (项目清单): off the claiming list while the project holds it.
    IN_PROJECT = "in_project", gettext_lazy("纳入项目")


class VerifyMethod(models.TextChoices):
    PHONE = "phone", gettext_lazy("电话核实")
    VISIT = "visit", gettext_lazy("入户核实")


# Kinds whose claimer takes the need's skills words from ``volunteering.models.SKILLS``.
KIND_SKILLS = {  # i18n-data
    NeedKind.TUTORING: ("教育辅导",),
    NeedKind.REPAIR: ("维修",),
    NeedKind.HOME_HELP: ("助老助残", "保洁", "医疗护理"),
    NeedKind.COMPANIONSHIP: ("助老助残", "心理疏导"),
    NeedKind.SERVICE: ("电脑手机", "法律咨询", "驾驶"),
}


class NeedQuerySet(ScopedQuerySet):
    """The needs a user may see: staff over the need's place (a grid worker their grid, the
    community's staff the community), the resident it is for and their household, whoever
    posted it, its claimer; and, as a public card, the listed needs of the user's own
    community (``selectors.need_face`` decides what such a card shows)."""

    def narrow(self, user: Actor | None, scope: Scope) -> NeedQuerySet:
        if user is None or not user.is_authenticated:
            return self.none()
        q = (
            paths_q("place_path", scope.case_paths)
            | Q(person_id__in=scope.person_ids)
            | Q(posted_by_id=user.pk)
            | paths_q("community__path", scope.manager_paths)
            # A unit's claim: the people holding a post in the unit carry it out.
            | Q(claimed_by_org_id__in=scope.org_ids)
        )
        person = person_of(user)
        if person is not None:
            q |= Q(claimed_by_person_id=person.pk)
            q |= Q(state=NeedState.LISTED, community__path__in=home_community_paths(user, scope))
        return self.filter(q)


class Need(TimeStampedModel):
    """One need (点单) of a resident or household. ``place`` is their dwelling: private,
    shown only to the parties (never to someone browsing the list before claiming).

    A claim is a person (a member, a volunteer) or a unit (``claimed_by_org``); it carries a
    contact-by date, after which a claim not started goes back to the pool
    (``services.needs_sweep``). ``round`` counts the listing rounds; a need that expired and
    was listed again has ``priority``."""

    community = models.ForeignKey(
        Place, verbose_name=gettext_lazy("社区"), on_delete=models.PROTECT, related_name="+"
    )
    place = models.ForeignKey(
        Place, verbose_name=gettext_lazy("服务地点"), on_delete=models.PROTECT, related_name="+"
    )
    place_path = models.CharField(max_length=255, editable=False, db_index=True)
    person = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("需求人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    household = models.ForeignKey(
        Household,
        verbose_name=gettext_lazy("户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("提交人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(gettext_lazy("类别"), max_length=16, choices=NeedKind.choices)
    description = models.CharField(gettext_lazy("需求内容"), max_length=500)
    urgency = models.CharField(
        gettext_lazy("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    wanted_on = models.DateField(gettext_lazy("期望日期"), null=True, blank=True)
    # The daily-log entry (民情日志) the need was raised from, on a visit or a call.
    from_log_entry = models.ForeignKey(
        "notices.LogEntry",
        verbose_name=gettext_lazy("来源民情日志"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    estimated_value = models.PositiveIntegerField(gettext_lazy("估值(元)"), null=True, blank=True)
    state = models.CharField(
        gettext_lazy("状态"), max_length=16, choices=NeedState.choices, default=NeedState.POSTED
    )
    verify_method = models.CharField(
        gettext_lazy("核实方式"), max_length=8, choices=VerifyMethod.choices, blank=True
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("核实人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    round = models.PositiveSmallIntegerField(gettext_lazy("轮次"), default=1)
    priority = models.BooleanField(gettext_lazy("优先"), default=False)
    listed_until = models.DateField(gettext_lazy("本轮截止"), null=True, blank=True)
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
    minutes = models.PositiveIntegerField(gettext_lazy("服务时长(分钟)"), default=0)
    proof = models.CharField(gettext_lazy("服务记录"), max_length=300, blank=True)
    points = models.PositiveIntegerField(gettext_lazy("所得积分"), default=0)
    award_tx = models.ForeignKey(
        LedgerTransaction,
        verbose_name=gettext_lazy("积分记账"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rating = models.PositiveSmallIntegerField(gettext_lazy("评分"), null=True, blank=True)
    rating_comment = models.CharField(gettext_lazy("评价"), max_length=300, blank=True)

    objects = models.Manager.from_queryset(NeedQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("需求")
        verbose_name_plural = gettext_lazy("需求")
        indexes = [models.Index(fields=["community", "state"], name="need_community_state")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="need_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(claimed_by_person__isnull=True) | Q(claimed_by_org__isnull=True),
                name="need_one_claimer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Staff over the place and the household (the user-specific rest is in ``narrow``)."""
        return paths_q("place_path", scope.case_paths) | Q(person_id__in=scope.person_ids)

    @property
    def claimer_label(self) -> str:
        if self.claimed_by_org_id and self.claimed_by_org:
            return str(self.claimed_by_org.name)
        if self.claimed_by_person_id and self.claimed_by_person:
            return str(self.claimed_by_person.name)
        return ""


class NeedEvent(AppendOnlyModel):
    """One act on a need, as it happened: never changed."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="events")
    act = models.CharField(gettext_lazy("操作"), max_length=16)
    from_state = models.CharField(gettext_lazy("原状态"), max_length=16)
    to_state = models.CharField(gettext_lazy("新状态"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(gettext_lazy("备注"), max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(gettext_lazy("时间"))

    objects: ClassVar[AppendOnlyScopedManager[NeedEvent]] = AppendOnlyScopedManager()

    class Meta:
        verbose_name = gettext_lazy("需求记录")
        verbose_name_plural = gettext_lazy("需求记录")
        ordering = ["at", "id"]

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return paths_q("need__place_path", scope.case_paths) | Q(
            need__person_id__in=scope.person_ids
        )


# ---------------------------------------------------------------------------- resources


class ResourceKind(models.TextChoices):
    MEMBER = "member", gettext_lazy("党员")
    IN_SERVICE = "in_service", gettext_lazy("在职党员(双报到)")
    TEAM = "team", gettext_lazy("志愿服务队")
    UNIT = "unit", gettext_lazy("共建单位")
    STUDIO = "studio", gettext_lazy("专业工作室")


class Resource(TimeStampedModel):
    """One offer of the resource list (资源清单): a person or a unit, the kinds of need it
    serves, its skills and its capacity (hours a month)."""

    community = models.ForeignKey(
        Place, verbose_name=gettext_lazy("社区"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(gettext_lazy("类型"), max_length=16, choices=ResourceKind.choices)
    person = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("居民"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person_path = models.CharField(max_length=255, blank=True, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    employer = models.CharField(gettext_lazy("工作单位"), max_length=100, blank=True)
    need_kinds = models.JSONField(gettext_lazy("服务类别"), default=list, blank=True)
    skills = models.JSONField(gettext_lazy("技能"), default=list, blank=True)
    hours_per_month = models.PositiveIntegerField(gettext_lazy("每月可服务小时"), default=4)
    area = models.ForeignKey(
        Place,
        verbose_name=gettext_lazy("服务范围"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(gettext_lazy("有效"), default=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("资源")
        verbose_name_plural = gettext_lazy("资源")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, organisation__isnull=True)
                | Q(person__isnull=True, organisation__isnull=False),
                name="resource_person_or_unit",
            )
        ]

    def __str__(self) -> str:
        return self.label

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """The community's managers and staff over it; a person their own offers."""
        return (
            paths_q("community__path", scope.case_paths)
            | paths_q("community__path", scope.manager_paths)
            | Q(person_id__in=scope.person_ids)
        )

    @property
    def label(self) -> str:
        if self.organisation_id and self.organisation:
            return str(self.organisation.name)
        return str(self.person.name) if self.person_id and self.person else ""
