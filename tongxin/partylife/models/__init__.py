"""Party life (三会一课, 主题党日, 组织生活会, 民主评议), study (微学习), the yearly appraisal and
the branch and member scorecards (评星定级).

Meetings themselves are ``meetings.Meeting`` rows (the one meeting mechanism): this app adds
the cadence each level of party organisation owes (``LifeRequirement``, configuration), what a
party-life record carries beyond the meeting (topic, presenter, recorder, the superior's
review: ``LifeRecord``), and its own records (study, appraisal, scorecards).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from tongxin.core import clock
from tongxin.core.actors import Actor, person_of
from tongxin.core.models import TimeStampedModel
from tongxin.core.scoping import Scope, ScopedQuerySet, paths_q
from tongxin.meetings.models import (
    NON_OFFICER_ROLES,
    Cadence,
    Meeting,
    MeetingKind,
    officer_orgs,
)
from tongxin.orgs.models import Organisation, OrgKind
from tongxin.people.models import Person


def officer_paths(user: Actor | None) -> list[str]:
    """The paths of the organisations ``user`` is an officer of (their subtrees are theirs)."""
    return [p for _o, p, role in officer_orgs(user) if role not in NON_OFFICER_ROLES]


class LifeRequirement(models.Model):
    """How often an organisation of a level (``org_kind``) must hold a kind of meeting:
    at least ``min_count`` held in each period of ``cadence`` (configuration, seeded by a
    data migration, edited in the admin)."""

    org_kind = models.CharField(
        gettext_lazy("组织层级"), max_length=32, choices=OrgKind.choices, db_index=True
    )
    kind = models.ForeignKey(
        MeetingKind, verbose_name=gettext_lazy("会议类型"), on_delete=models.PROTECT
    )
    cadence = models.CharField(gettext_lazy("周期"), max_length=16, choices=Cadence.choices)
    min_count = models.PositiveSmallIntegerField(gettext_lazy("每周期至少次数"), default=1)
    by_secretary = models.PositiveSmallIntegerField(
        gettext_lazy("其中书记主讲次数（每年）"), default=0
    )
    order = models.PositiveSmallIntegerField(gettext_lazy("排序"), default=0)
    fixed_day = models.PositiveSmallIntegerField(
        gettext_lazy("每月固定日"),
        null=True,
        blank=True,
        help_text=gettext_lazy("月度活动（主题党日）的固定日期；各组织可另行设定"),
    )

    class Meta:
        verbose_name = gettext_lazy("组织生活要求")
        verbose_name_plural = gettext_lazy("组织生活要求")
        ordering = ["org_kind", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org_kind", "kind"], name="liferequirement_once"),
            models.CheckConstraint(condition=~Q(cadence=""), name="liferequirement_cadence"),
            models.CheckConstraint(
                condition=Q(fixed_day__isnull=True) | Q(fixed_day__gte=1, fixed_day__lte=31),
                name="liferequirement_fixed_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_org_kind_display()} {self.kind} {self.get_cadence_display()}"


class LifeFixedDay(TimeStampedModel):
    """The day of the month an organisation fixes for a monthly kind (its 主题党日), in place
    of its level's default (``LifeRequirement.fixed_day``). A day past a short month's end
    falls on its last day."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=gettext_lazy("党组织"), on_delete=models.CASCADE
    )
    kind = models.ForeignKey(
        MeetingKind, verbose_name=gettext_lazy("会议类型"), on_delete=models.PROTECT
    )
    day = models.PositiveSmallIntegerField(gettext_lazy("每月固定日"))

    class Meta:
        verbose_name = gettext_lazy("组织生活固定日")
        verbose_name_plural = gettext_lazy("组织生活固定日")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind"], name="lifefixedday_once"),
            models.CheckConstraint(condition=Q(day__gte=1, day__lte=31), name="lifefixedday_day"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.kind} {self.day}"


def visible_orgs(user: Actor | None) -> Any:
    return Organisation.objects.visible_to(user).values("pk")


class ViaOrgQuerySet(ScopedQuerySet):
    """Rows of a party organisation: seen by the officers over it whose view covers it (a
    grid worker on the committee sees the branches of their own grid)."""

    org_field = "organisation__path"
    org_key = "organisation"

    def narrow(self, user: Actor | None, scope: Scope) -> ViaOrgQuerySet:
        paths = officer_paths(user)
        if not paths:
            return self.none()
        return self.filter(paths_q(self.org_field, paths)).filter(
            **{f"{self.org_key}__in": visible_orgs(user)}
        )


class ReviewState(models.TextChoices):
    PENDING = "pending", gettext_lazy("待审核")
    ACCEPTED = "accepted", gettext_lazy("已通过")
    RETURNED = "returned", gettext_lazy("退回修改")


class LifeRecordQuerySet(ViaOrgQuerySet):
    org_field = "meeting__org_path"
    org_key = "meeting__organisation"


class LifeRecord(TimeStampedModel):
    """What a party-life meeting records beyond the meeting: the topic, who presented (the
    lecturer of a 党课) and who kept the record, and the superior organisation's review
    (accepted, or returned for correction with the reason)."""

    meeting = models.OneToOneField(
        Meeting,
        on_delete=models.CASCADE,
        related_name="life_record",
        verbose_name=gettext_lazy("会议"),
    )
    topic = models.CharField(gettext_lazy("主题"), max_length=200)
    presenter = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("主持人/主讲人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorder = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    materials: models.ManyToManyField[StudyMaterial, Any] = models.ManyToManyField(
        "StudyMaterial", verbose_name=gettext_lazy("学习材料"), blank=True, related_name="+"
    )
    review_state = models.CharField(
        gettext_lazy("审核状态"),
        max_length=12,
        choices=ReviewState.choices,
        default=ReviewState.PENDING,
    )
    review_note = models.CharField(gettext_lazy("审核意见"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(gettext_lazy("审核时间"), null=True, blank=True)

    objects = models.Manager.from_queryset(LifeRecordQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("组织生活记录")
        verbose_name_plural = gettext_lazy("组织生活记录")
        ordering = ["-meeting__starts_at", "id"]

    def __str__(self) -> str:
        return self.topic


# ------------------------------------------------------------------------ 微学习


class StudyMaterial(TimeStampedModel):
    """A study material (微学习) published by a party organisation to its members. A member
    has studied it once their time on its page reaches ``min_seconds``."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=gettext_lazy("发布组织"), on_delete=models.PROTECT
    )
    title = models.CharField(gettext_lazy("标题"), max_length=120)
    body = models.TextField(gettext_lazy("内容"), max_length=20000)
    published_on = models.DateField(gettext_lazy("发布日期"), default=clock.today)
    min_seconds = models.PositiveIntegerField(gettext_lazy("最少学习时长（秒）"), default=60)

    objects = models.Manager.from_queryset(ViaOrgQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("学习材料")
        verbose_name_plural = gettext_lazy("学习材料")
        ordering = ["-published_on", "-id"]

    def __str__(self) -> str:
        return self.title


class ViaPersonQuerySet(ScopedQuerySet):
    """A member's own rows: seen by the member and by the officers over their organisation."""

    def narrow(self, user: Actor | None, scope: Scope) -> ViaPersonQuerySet:
        me = person_of(user)
        q = Q(person_id=me.pk) if me is not None else Q(pk__in=[])
        paths = officer_paths(user)
        if paths:
            q |= paths_q("person__party_membership__organisation__path", paths) & Q(
                person__in=Person.objects.visible_to(user).values("pk")
            )
        return self.filter(q)


class StudyRead(models.Model):
    """A member's reading of a material: the seconds spent on its page (added up over
    visits, each visit's time bounded by the server's clock) and when it counted as studied."""

    material = models.ForeignKey(StudyMaterial, on_delete=models.CASCADE, related_name="reads")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField(gettext_lazy("打开时间"), default=clock.now)
    seconds = models.PositiveIntegerField(gettext_lazy("学习时长（秒）"), default=0)
    studied_at = models.DateTimeField(gettext_lazy("完成时间"), null=True, blank=True)

    objects = models.Manager.from_queryset(ViaPersonQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("学习记录")
        verbose_name_plural = gettext_lazy("学习记录")
        constraints = [
            models.UniqueConstraint(fields=["material", "person"], name="studyread_once"),
        ]

    def __str__(self) -> str:
        return f"{self.material_id}:{self.person_id}"


# ------------------------------------------------------------------------ 民主评议


class AppraisalGrade(models.TextChoices):
    EXCELLENT = "excellent", gettext_lazy("优秀")
    QUALIFIED = "qualified", gettext_lazy("合格")
    BASIC = "basic", gettext_lazy("基本合格")
    UNQUALIFIED = "unqualified", gettext_lazy("不合格")


class AppraisalState(models.TextChoices):
    OPEN = "open", gettext_lazy("评议中")
    GRADED = "graded", gettext_lazy("已定等次")


class Appraisal(TimeStampedModel):
    """A branch's yearly 民主评议 (democratic appraisal): self-appraisals, the members' secret
    mutual appraisal, then the branch's grading with ``优秀`` capped (at most a third)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=gettext_lazy("党支部"), on_delete=models.PROTECT
    )
    year = models.PositiveSmallIntegerField(gettext_lazy("年度"))
    state = models.CharField(
        gettext_lazy("状态"), max_length=12, choices=AppraisalState.choices, default="open"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = models.Manager.from_queryset(ViaOrgQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("民主评议")
        verbose_name_plural = gettext_lazy("民主评议")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="appraisal_once"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}"


class SelfAppraisal(TimeStampedModel):
    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="selves")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(gettext_lazy("自我评价"), max_length=2000)

    objects = models.Manager.from_queryset(ViaPersonQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("自我评价")
        verbose_name_plural = gettext_lazy("自我评价")
        constraints = [
            models.UniqueConstraint(fields=["appraisal", "person"], name="selfappraisal_once"),
        ]


class MutualVoteQuerySet(ScopedQuerySet):
    """Secret: a vote is seen by nobody, not even its voter through a list (the tallies are
    read by the selectors, never the ballots)."""

    def narrow(self, user: Actor | None, scope: Scope) -> MutualVoteQuerySet:
        return self.none()


class MutualVote(models.Model):
    """One member's secret grade of another in the mutual appraisal. The voter is kept only
    as a one-way key (``ballot``) so that nobody votes twice, never as a person."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="votes")
    ballot = models.CharField(max_length=64, editable=False)
    subject = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    grade = models.CharField(max_length=12, choices=AppraisalGrade.choices)

    objects = models.Manager.from_queryset(MutualVoteQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("互评票")
        verbose_name_plural = gettext_lazy("互评票")
        constraints = [
            models.UniqueConstraint(
                fields=["appraisal", "ballot", "subject"], name="mutualvote_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appraisal_id}:{self.grade}"


class AppraisalResult(TimeStampedModel):
    """The grade the branch gave a full member (probationary members take part, ungraded)."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="results")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    grade = models.CharField(gettext_lazy("等次"), max_length=12, choices=AppraisalGrade.choices)

    objects = models.Manager.from_queryset(ViaPersonQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("评议等次")
        verbose_name_plural = gettext_lazy("评议等次")
        constraints = [
            models.UniqueConstraint(fields=["appraisal", "person"], name="appraisalresult_once"),
        ]


# ------------------------------------------------------------------------ scorecards


class CardKind(models.TextChoices):
    BRANCH = "branch", gettext_lazy("党支部")
    MEMBER = "member", gettext_lazy("党员")


class CardFormula(models.Model):
    """The rule set of a kind of scorecard (the engine's formula as JSON); without a row the
    default of ``defaults`` applies."""

    kind = models.CharField(
        gettext_lazy("成绩单类型"), max_length=16, choices=CardKind.choices, unique=True
    )
    formula = models.JSONField(gettext_lazy("评分办法"))

    class Meta:
        verbose_name = gettext_lazy("评分办法")
        verbose_name_plural = gettext_lazy("评分办法")

    def __str__(self) -> str:
        return self.get_kind_display()


class CardState(models.TextChoices):
    DRAFT = "draft", gettext_lazy("草稿")
    PUBLISHED = "published", gettext_lazy("公示中")
    FINAL = "final", gettext_lazy("已确定")


class PartyCardQuerySet(ScopedQuerySet):
    """A branch card is seen by the officers over the branch; a member's card by the member
    and by the officers over their organisation."""

    def narrow(self, user: Actor | None, scope: Scope) -> PartyCardQuerySet:
        me = person_of(user)
        q = Q(person_id=me.pk) if me is not None else Q(pk__in=[])
        paths = officer_paths(user)
        if paths:
            q |= (
                paths_q("organisation__path", paths)
                & Q(organisation__in=visible_orgs(user))
                & (
                    Q(person__isnull=True)
                    | Q(person__in=Person.objects.visible_to(user).values("pk"))
                )
            )
        return self.filter(q)


class PartyCard(TimeStampedModel):
    """A stored scorecard of a branch (``organisation``) or a member (``person``, with the
    organisation they belonged to) for a year: the engine's result, the stars after the
    population caps. Drafts are recomputed; a published card waits out its window for
    objections, then becomes final."""

    kind = models.CharField(gettext_lazy("类型"), max_length=16, choices=CardKind.choices)
    organisation = models.ForeignKey(
        Organisation, verbose_name=gettext_lazy("党组织"), on_delete=models.PROTECT
    )
    person = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("党员"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(gettext_lazy("年度"))
    total = models.DecimalField(gettext_lazy("总分"), max_digits=7, decimal_places=2)
    stars = models.PositiveSmallIntegerField(gettext_lazy("星级"))
    result = models.JSONField(gettext_lazy("计分明细"), default=dict)
    state = models.CharField(
        gettext_lazy("状态"), max_length=16, choices=CardState.choices, default=CardState.DRAFT
    )
    computed_at = models.DateTimeField(gettext_lazy("计算时间"))
    publish_until = models.DateField(gettext_lazy("公示截止"), null=True, blank=True)

    objects = models.Manager.from_queryset(PartyCardQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("党建成绩单")
        verbose_name_plural = gettext_lazy("党建成绩单")
        ordering = ["-year", "-total", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "organisation", "year"],
                condition=Q(person__isnull=True),
                name="partycard_branch_once",
            ),
            models.UniqueConstraint(
                fields=["kind", "person", "year"],
                condition=Q(person__isnull=False),
                name="partycard_member_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person or self.organisation} {self.year} {self.total}"


class CardObjectionQuerySet(ScopedQuerySet):
    """An objection to a card: the card's member and the officers over its organisation; to a
    nomination list (评先评优 公示): who raised it and the officers over the list's
    organisation."""

    def narrow(self, user: Actor | None, scope: Scope) -> CardObjectionQuerySet:
        me = person_of(user)
        q = Q(card__person_id=me.pk) if me is not None else Q(pk__in=[])
        if user is not None and getattr(user, "pk", None) is not None:
            q |= Q(nomination_list__isnull=False, raised_by_id=user.pk)
        paths = officer_paths(user)
        if paths:
            q |= paths_q("card__organisation__path", paths) & Q(
                card__organisation__in=visible_orgs(user)
            )
            q |= paths_q("nomination_list__organisation__path", paths) & Q(
                nomination_list__organisation__in=visible_orgs(user)
            )
        return self.filter(q)


class CardObjection(TimeStampedModel):
    """An objection raised in a publicity window (公示), with its reason, and the answer: to
    a published card, or to a published nomination list (``nomination_list``) — one
    mechanism for both (``publicity``)."""

    card = models.ForeignKey(
        PartyCard, null=True, blank=True, on_delete=models.CASCADE, related_name="objections"
    )
    nomination_list = models.ForeignKey(
        "NominationList",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="objections",
        verbose_name=gettext_lazy("推荐名单"),
    )
    reason = models.CharField(gettext_lazy("异议理由"), max_length=500)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answer = models.CharField(gettext_lazy("答复"), max_length=500, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(gettext_lazy("答复时间"), null=True, blank=True)

    objects = models.Manager.from_queryset(CardObjectionQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("成绩单异议")
        verbose_name_plural = gettext_lazy("成绩单异议")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(card__isnull=False, nomination_list__isnull=True)
                | Q(card__isnull=True, nomination_list__isnull=False),
                name="cardobjection_one_subject",
            ),
        ]


# ------------------------------------------------------------------------ 党员中心户 1+10+N


class CentreLinkKind(models.TextChoices):
    MEMBER = "member", gettext_lazy("联系党员")
    HOUSEHOLD = "household", gettext_lazy("服务群众户")


class CentreLinkQuerySet(ScopedQuerySet):
    """A centre household's links: seen by the centre household itself, by a linked member
    (their own link), and by the officers over the centre's organisation whose view covers
    the linked person or household."""

    def narrow(self, user: Actor | None, scope: Scope) -> CentreLinkQuerySet:
        me = person_of(user)
        q = Q(pk__in=[])
        if me is not None:
            q = Q(centre__person_id=me.pk) | Q(person_id=me.pk)
        paths = officer_paths(user)
        if paths:
            from tongxin.people.models import Household

            # the centre's organisation: its post's, else its holder's (a home's post)
            q |= (
                paths_q("centre__organisation__path", paths)
                | paths_q("centre__person__party_membership__organisation__path", paths)
            ) & (
                Q(person__in=Person.objects.visible_to(user).values("pk"))
                | Q(household__in=Household.objects.visible_to(user).values("pk"))
            )
        return self.filter(q)


class CentreLink(TimeStampedModel):
    """One link of a 党员中心户 (1+10+N): the centre household (a ``centre_household`` post)
    links about ten party members and serves N households of the masses. A link ends
    (``until``) rather than being deleted, so a year's duty stays on record."""

    centre = models.ForeignKey(
        "orgs.Post",
        verbose_name=gettext_lazy("党员中心户"),
        on_delete=models.CASCADE,
        related_name="centre_links",
    )
    kind = models.CharField(gettext_lazy("类型"), max_length=12, choices=CentreLinkKind.choices)
    person = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("联系党员"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    household = models.ForeignKey(
        "people.Household",
        verbose_name=gettext_lazy("服务户"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    since = models.DateField(gettext_lazy("起始日期"), default=clock.today)
    until = models.DateField(gettext_lazy("结束日期"), null=True, blank=True)

    objects = models.Manager.from_queryset(CentreLinkQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("中心户联系")
        verbose_name_plural = gettext_lazy("中心户联系")
        ordering = ["centre", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="member", person__isnull=False, household__isnull=True))
                | (Q(kind="household", household__isnull=False, person__isnull=True)),
                name="centrelink_target",
            ),
            models.UniqueConstraint(
                fields=["centre", "person"],
                condition=Q(until__isnull=True, person__isnull=False),
                name="centrelink_person_once",
            ),
            models.UniqueConstraint(
                fields=["centre", "household"],
                condition=Q(until__isnull=True, household__isnull=False),
                name="centrelink_household_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.centre_id}:{self.kind}:{self.person_id or self.household_id}"


# 评先评优 (defined after the scorecards, which its lists link to as their evidence).
from .nominations import (  # noqa: E402
    PUBLIC_NOMINATION_STATES,
    HonourTitle,
    Nomination,
    NominationList,
    NominationListQuerySet,
    NominationQuerySet,
    NominationQuota,
    NominationState,
    Occasion,
)

__all__ = [
    "PUBLIC_NOMINATION_STATES",
    "HonourTitle",
    "Nomination",
    "NominationList",
    "NominationListQuerySet",
    "NominationQuerySet",
    "NominationQuota",
    "NominationState",
    "Occasion",
]
