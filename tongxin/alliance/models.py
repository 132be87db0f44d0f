"""The co-building alliance (共驻共建): alliances, their member units, yearly agreements and
their commitment items, adopted suggestions, in-service members and their pledges, and the
yearly scorecards with their objections.

What a commitment has *done* is never stored: ``alliance.progress`` computes it from the
records of matching, volunteering and cases. A scorecard stores the computed result (the
engine's JSON, ``core.scoring``) so that a published card stays what was published.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from tongxin.core.actors import Actor
from tongxin.core.models import TimeStampedModel
from tongxin.core.scoping import Scope, ScopedQuerySet, paths_q
from tongxin.orgs.models import Organisation, OrgKind
from tongxin.people.models import Person
from tongxin.places.models import Place

# The organisation kinds that may join an alliance as a member unit.
UNIT_KINDS = (
    OrgKind.CO_BUILDING_UNIT,
    OrgKind.DEPARTMENT,
    OrgKind.ENTERPRISE,
    OrgKind.SOCIAL_ORG,
    OrgKind.PROPERTY_COMPANY,
    OrgKind.STREET_OFFICE,
)


class AllianceLevel(models.TextChoices):
    STREET = "street", gettext_lazy("街道")
    COMMUNITY = "community", gettext_lazy("社区")


def _alliance_q(scope: Scope, prefix: str, unit_field: str) -> Q:
    """Managers of the alliance's place (staff posts at a community or above covering it) see
    it whole; a unit's people (its liaison, its leaders' posts) see their own unit only."""
    return paths_q(f"{prefix}place_path", scope.manager_paths) | Q(
        **{f"{unit_field}__in": scope.org_ids}
    )


class AllianceQuerySet(ScopedQuerySet):
    def narrow(self, user: Actor | None, scope: Scope) -> AllianceQuerySet:
        """The alliances a manager covers, and those the user's units belong to."""
        if scope.is_empty:
            return self.none()
        return self.filter(
            paths_q("place_path", scope.manager_paths) | Q(memberships__unit_id__in=scope.org_ids)
        ).distinct()


class Alliance(TimeStampedModel):
    """A 城市党建联盟 / 大党委 at street or community level: its place, the organisation that
    convenes its joint meetings (the 大党委, whose meetings count as the alliance's), its
    leaders (public: 照片上墙) and its scoring formula (``core.scoring``)."""

    name = models.CharField(gettext_lazy("名称"), max_length=100)
    level = models.CharField(gettext_lazy("层级"), max_length=16, choices=AllianceLevel.choices)
    place = models.ForeignKey(
        Place, verbose_name=gettext_lazy("所在地"), on_delete=models.PROTECT, related_name="+"
    )
    place_path = models.CharField(max_length=255, editable=False, db_index=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("牵头组织"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    leaders = models.CharField(gettext_lazy("联盟负责人"), max_length=200, blank=True)
    formula = models.JSONField(gettext_lazy("评分办法"), default=dict, blank=True)
    member_formula = models.JSONField(gettext_lazy("在职党员评分办法"), default=dict, blank=True)
    hours_target = models.PositiveIntegerField(
        gettext_lazy("在职党员年度服务目标(小时)"), default=50
    )

    objects = models.Manager.from_queryset(AllianceQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("共建联盟")
        verbose_name_plural = gettext_lazy("共建联盟")
        ordering = ["place_path", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.place_path = self.place.path
        super().save(*args, **kwargs)


class MembershipQuerySet(ScopedQuerySet):
    def narrow(self, user: Actor | None, scope: Scope) -> MembershipQuerySet:
        if scope.is_empty:
            return self.none()
        return self.filter(_alliance_q(scope, "alliance__", "unit_id"))


class Membership(TimeStampedModel):
    """A unit's membership of an alliance: the unit (an organisation of a unit kind), its
    party organisation, its leaders (public) and the dates. The liaison is a ``Post`` of role
    联络员 in the unit; part-time 大党委 members are posts of role 兼职委员."""

    alliance = models.ForeignKey(
        Alliance,
        verbose_name=gettext_lazy("联盟"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    unit = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("成员单位"),
        on_delete=models.PROTECT,
        related_name="alliance_memberships",
    )
    party_org = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("单位党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    leaders = models.CharField(gettext_lazy("单位负责人"), max_length=200, blank=True)
    joined_on = models.DateField(gettext_lazy("加入日期"))
    left_on = models.DateField(gettext_lazy("退出日期"), null=True, blank=True)

    objects = models.Manager.from_queryset(MembershipQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("成员单位")
        verbose_name_plural = gettext_lazy("成员单位")
        ordering = ["alliance_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "unit"], name="alliance_unit_once"),
        ]

    def __str__(self) -> str:
        return f"{self.alliance} · {self.unit}"


class CommitmentKind(models.TextChoices):
    RESOURCES = "resources", gettext_lazy("提供资源")
    ACTIVITIES = "activities", gettext_lazy("开展共建活动")
    PROJECTS = "projects", gettext_lazy("实事项目")
    WISHES = "wishes", gettext_lazy("认领微心愿")
    HOURS = "hours", gettext_lazy("在职党员服务时长")
    PROBLEMS = "problems", gettext_lazy("解决问题")


class ViaMembershipQuerySet(ScopedQuerySet):
    """Rows of a membership (agreements, suggestions, scorecards, and through them commitments
    and objections): seen as the membership is. ``via`` is the lookup path to it."""

    via = "membership__"

    def narrow(self, user: Actor | None, scope: Scope) -> ViaMembershipQuerySet:
        if scope.is_empty:
            return self.none()
        return self.filter(_alliance_q(scope, f"{self.via}alliance__", f"{self.via}unit_id"))


class CommitmentQuerySet(ViaMembershipQuerySet):
    via = "agreement__membership__"


class ObjectionQuerySet(ScopedQuerySet):
    """An objection is seen as its card is: a unit's through the membership, an in-service
    member's as the member is."""

    def narrow(self, user: Actor | None, scope: Scope) -> ObjectionQuerySet:
        if scope.is_empty:
            return self.none()
        return self.filter(
            _alliance_q(
                scope, "scorecard__membership__alliance__", "scorecard__membership__unit_id"
            )
            | Q(member_card__member__unit_id__in=scope.org_ids)
            | paths_q("member_card__member__person__place_path", scope.person_paths)
            | Q(member_card__member__person_id__in=scope.person_ids)
        )


class Agreement(TimeStampedModel):
    """A unit's 共建承诺协议书 for one year; signed when ``signed_on`` is set."""

    membership = models.ForeignKey(
        Membership,
        verbose_name=gettext_lazy("成员单位"),
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    year = models.PositiveSmallIntegerField(gettext_lazy("年度"))
    signed_on = models.DateField(gettext_lazy("签订日期"), null=True, blank=True)
    note = models.TextField(gettext_lazy("其他约定"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = models.Manager.from_queryset(ViaMembershipQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("共建承诺协议书")
        verbose_name_plural = gettext_lazy("共建承诺协议书")
        ordering = ["-year", "membership_id"]
        constraints = [
            models.UniqueConstraint(fields=["membership", "year"], name="agreement_once_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.membership.unit} {self.year}"


class Commitment(models.Model):
    """One item of an agreement: what kind of thing, in words, and the target (a count, or
    hours for ``hours``). Its progress is computed, never typed (``alliance.progress``)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="commitments")
    kind = models.CharField(gettext_lazy("类别"), max_length=16, choices=CommitmentKind.choices)
    text = models.CharField(gettext_lazy("承诺内容"), max_length=200)
    target = models.DecimalField(
        gettext_lazy("目标数量"), max_digits=9, decimal_places=1, default=Decimal(1)
    )

    objects = models.Manager.from_queryset(CommitmentQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("承诺事项")
        verbose_name_plural = gettext_lazy("承诺事项")
        ordering = ["agreement_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(target__gt=0), name="commitment_target_positive"),
        ]

    def __str__(self) -> str:
        return self.text


class Suggestion(TimeStampedModel):
    """A unit's suggestion to its alliance (at a plenary, through its liaison); adopted ones
    earn points on the scorecard."""

    membership = models.ForeignKey(
        Membership,
        verbose_name=gettext_lazy("成员单位"),
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    text = models.CharField(gettext_lazy("建议内容"), max_length=300)
    made_on = models.DateField(gettext_lazy("提出日期"))
    adopted_on = models.DateField(gettext_lazy("采纳日期"), null=True, blank=True)

    objects = models.Manager.from_queryset(ViaMembershipQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("意见建议")
        verbose_name_plural = gettext_lazy("意见建议")
        ordering = ["-made_on", "id"]

    def __str__(self) -> str:
        return self.text


class InServiceQuerySet(ScopedQuerySet):
    def narrow(self, user: Actor | None, scope: Scope) -> InServiceQuerySet:
        """The employer unit sees its own members; staff see those registered in their area;
        a member sees themself."""
        if scope.is_empty:
            return self.none()
        return self.filter(
            Q(unit_id__in=scope.org_ids)
            | paths_q("person__place_path", scope.person_paths)
            | Q(person_id__in=scope.person_ids)
        )


class InServiceMember(TimeStampedModel):
    """An in-service party member (在职党员) linked to the member unit that employs them, so
    that the unit sees its own members' 报到 and hours. The 报到 itself is the member's
    ``people.PartyMembership`` (registered community and date)."""

    unit = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("工作单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    person = models.ForeignKey(
        Person, verbose_name=gettext_lazy("党员"), on_delete=models.CASCADE, related_name="+"
    )
    since = models.DateField(gettext_lazy("起始日期"), null=True, blank=True)

    objects = models.Manager.from_queryset(InServiceQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("在职党员")
        verbose_name_plural = gettext_lazy("在职党员")
        ordering = ["unit_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "person"], name="in_service_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.unit}"


class PledgeState(models.TextChoices):
    PLEDGED = "pledged", gettext_lazy("已承诺")
    DELIVERED = "delivered", gettext_lazy("已践诺")
    UNMET = "unmet", gettext_lazy("未兑现")


class PledgeQuerySet(ScopedQuerySet):
    def narrow(self, user: Actor | None, scope: Scope) -> PledgeQuerySet:
        if scope.is_empty:
            return self.none()
        return self.filter(
            Q(member__unit_id__in=scope.org_ids)
            | paths_q("member__person__place_path", scope.person_paths)
            | Q(member__person_id__in=scope.person_ids)
        )


class Pledge(TimeStampedModel):
    """One item of an in-service member's public pledge (公开承诺践诺): pledged at the start of
    the year, delivered during it, evaluated at its end; an unmet one carries its reason."""

    member = models.ForeignKey(
        InServiceMember,
        verbose_name=gettext_lazy("在职党员"),
        on_delete=models.CASCADE,
        related_name="pledges",
    )
    year = models.PositiveSmallIntegerField(gettext_lazy("年度"))
    text = models.CharField(gettext_lazy("承诺内容"), max_length=200)
    state = models.CharField(
        gettext_lazy("状态"),
        max_length=16,
        choices=PledgeState.choices,
        default=PledgeState.PLEDGED,
    )
    delivered_on = models.DateField(gettext_lazy("践诺日期"), null=True, blank=True)
    explanation = models.CharField(gettext_lazy("未兑现说明"), max_length=300, blank=True)

    objects = models.Manager.from_queryset(PledgeQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("承诺事项(党员)")
        verbose_name_plural = gettext_lazy("承诺事项(党员)")
        ordering = ["member_id", "year", "id"]

    def __str__(self) -> str:
        return self.text


class CardState(models.TextChoices):
    DRAFT = "draft", gettext_lazy("草稿")
    PUBLISHED = "published", gettext_lazy("公示中")
    FINAL = "final", gettext_lazy("已确定")


class CardFields(TimeStampedModel):
    """What every stored scorecard holds: the engine's result (``result``) with its total and
    grade, and where it stands in the publication cycle. Drafts are recomputed; a published
    card waits out its window (``publish_until``) for objections, then becomes final and is
    never recomputed."""

    year = models.PositiveSmallIntegerField(gettext_lazy("年度"))
    total = models.DecimalField(gettext_lazy("总分"), max_digits=7, decimal_places=2)
    grade = models.CharField(gettext_lazy("等次"), max_length=16)
    result = models.JSONField(gettext_lazy("计分明细"), default=dict)
    state = models.CharField(
        gettext_lazy("状态"), max_length=16, choices=CardState.choices, default=CardState.DRAFT
    )
    computed_at = models.DateTimeField(gettext_lazy("计算时间"))
    publish_until = models.DateField(gettext_lazy("公示截止"), null=True, blank=True)

    class Meta:
        abstract = True


class Scorecard(CardFields):
    """A unit's computed scorecard for a year."""

    membership = models.ForeignKey(
        Membership,
        verbose_name=gettext_lazy("成员单位"),
        on_delete=models.PROTECT,
        related_name="scorecards",
    )

    objects = models.Manager.from_queryset(ViaMembershipQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("成员单位成绩单")
        verbose_name_plural = gettext_lazy("成员单位成绩单")
        ordering = ["-year", "-total", "id"]
        constraints = [
            models.UniqueConstraint(fields=["membership", "year"], name="scorecard_once_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.membership.unit} {self.year} {self.total}"


class MemberCardQuerySet(ScopedQuerySet):
    def narrow(self, user: Actor | None, scope: Scope) -> MemberCardQuerySet:
        """As the in-service member is seen: the employer unit, the staff of the area the
        member lives in, the member themself."""
        if scope.is_empty:
            return self.none()
        return self.filter(
            Q(member__unit_id__in=scope.org_ids)
            | paths_q("member__person__place_path", scope.person_paths)
            | Q(member__person_id__in=scope.person_ids)
        )


class MemberScorecard(CardFields):
    """An in-service member's computed scorecard for a year, by the formula of the alliance
    their employer belongs to (``alliance``): service hours against the yearly target, the
    pledges kept, the 报到."""

    member = models.ForeignKey(
        InServiceMember,
        verbose_name=gettext_lazy("在职党员"),
        on_delete=models.CASCADE,
        related_name="scorecards",
    )
    alliance = models.ForeignKey(
        Alliance, verbose_name=gettext_lazy("联盟"), on_delete=models.PROTECT, related_name="+"
    )

    objects = models.Manager.from_queryset(MemberCardQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("在职党员成绩单")
        verbose_name_plural = gettext_lazy("在职党员成绩单")
        ordering = ["-year", "-total", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="member_card_once_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.year} {self.total}"


class Objection(TimeStampedModel):
    """An objection to a published scorecard, with its reason, and the answer given."""

    scorecard = models.ForeignKey(
        Scorecard, null=True, blank=True, on_delete=models.CASCADE, related_name="objections"
    )
    member_card = models.ForeignKey(
        MemberScorecard,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="objections",
    )
    reason = models.CharField(gettext_lazy("异议理由"), max_length=500)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answer = models.CharField(gettext_lazy("答复"), max_length=500, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(gettext_lazy("答复时间"), null=True, blank=True)

    objects = models.Manager.from_queryset(ObjectionQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("异议")
        verbose_name_plural = gettext_lazy("异议")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scorecard__isnull=False, member_card__isnull=True)
                | Q(scorecard__isnull=True, member_card__isnull=False),
                name="objection_to_one_card",
            ),
        ]

    def __str__(self) -> str:
        return self.reason
