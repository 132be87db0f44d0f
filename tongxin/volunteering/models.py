"""Volunteering (志愿服务) and the points ledger (积分).

Two halves:

- volunteering: ``Volunteer`` (a person registered with a community, reviewed), ``Activity``
  (created by the community, a team or a co-building unit), ``Signup`` (认领, waiting list,
  check-in and check-out, confirmed minutes), ``PointsRule`` and ``FixedAward`` (how points are
  earned), ``Honour`` (每月之星, annual honours);
- the ledger: ``Account`` (a person's or an organisation's points, a person's banked minutes,
  a community's issuing account and reward store), ``LedgerTransaction`` and ``Entry``. Every
  movement is one transaction whose entries sum to zero; entries are never updated or deleted;
  an account's ``balance`` is kept in step inside the same database transaction and always
  equals the sum of its entries (``manage.py ledger_check`` proves it).

Points are integers (1 积分 = 1), time is integer minutes: never floats.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import trees
from tongxin.core.actors import Actor, person_of
from tongxin.core.models import AppendOnlyModel, AppendOnlyScopedManager, TimeStampedModel
from tongxin.core.scoping import Scope, ScopedManager, ScopedQuerySet, paths_q
from tongxin.orgs.models import Organisation
from tongxin.people.models import Person
from tongxin.places.models import Place

# Skills are stored as these words (data, in the source language).
SKILLS = (  # i18n-data
    "保洁",
    "维修",
    "医疗护理",
    "法律咨询",
    "心理疏导",
    "文艺表演",
    "教育辅导",
    "摄影宣传",
    "治安巡逻",
    "助老助残",
    "电脑手机",
    "驾驶",
)


def community_of_path(path: str) -> Place | None:
    """The community (社区) that contains the place at ``path``, if any."""
    prefixes = trees.ancestor_paths(path, Place.steplen, include_self=True)
    return Place.objects.filter(kind="community", path__in=prefixes).first()


def _home_community_paths(user: Actor | None, scope: Scope) -> set[str]:
    """Every prefix of the user's own home place and of the places they may browse: an
    activity whose community is one of these is the user's community's activity."""
    paths = set(scope.place_paths)
    person = person_of(user)
    if person is not None and person.place_path:
        paths.add(person.place_path)
    return trees.ancestors_of_all(paths, Place.steplen, include_self=True)


class CommunityQuerySet(ScopedQuerySet):
    """Rows that belong to a community (activities, rewards): not personal data, seen by
    the people of that community and the staff above or inside it."""

    def narrow(self, user: Actor | None, scope: Scope) -> CommunityQuerySet:
        return self.filter(
            Q(community__path__in=_home_community_paths(user, scope))
            | paths_q("community__path", scope.place_paths)
        )


# ---------------------------------------------------------------------------- volunteers


class VolunteerStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("待审核")
    APPROVED = "approved", gettext_lazy("已通过")
    REJECTED = "rejected", gettext_lazy("未通过")
    SUSPENDED = "suspended", gettext_lazy("已暂停")


class Volunteer(TimeStampedModel):
    """A person registered as a volunteer with a community, reviewed by the community.

    A child (小小志愿者) needs a guardian, who is a person too. Teams are volunteer teams or
    studios of the organisation tree.
    """

    person = models.OneToOneField(
        Person,
        verbose_name=gettext_lazy("居民"),
        on_delete=models.PROTECT,
        related_name="volunteer",
    )
    person_path = models.CharField(max_length=255, blank=True, editable=False)
    community = models.ForeignKey(
        Place, verbose_name=gettext_lazy("所属社区"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        gettext_lazy("状态"),
        max_length=16,
        choices=VolunteerStatus.choices,
        default=VolunteerStatus.PENDING,
    )
    skills = models.JSONField(gettext_lazy("技能"), default=list, blank=True)
    availability = models.CharField(gettext_lazy("可服务时间"), max_length=100, blank=True)
    teams = models.ManyToManyField(
        Organisation, verbose_name=gettext_lazy("所属队伍"), blank=True, related_name="volunteers"
    )
    is_child = models.BooleanField(gettext_lazy("小小志愿者"), default=False)
    guardian = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("监护人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(gettext_lazy("审核时间"), null=True, blank=True)
    review_note = models.CharField(gettext_lazy("审核意见"), max_length=200, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("志愿者")
        verbose_name_plural = gettext_lazy("志愿者")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_child=False) | Q(guardian__isnull=False),
                name="volunteer_child_has_guardian",
            )
        ]

    def __str__(self) -> str:
        return _("志愿者 {person}").format(person=self.person)

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Within the person scope, and every volunteer of a community the user manages."""
        return (
            paths_q("person_path", scope.person_paths)
            | Q(person_id__in=scope.person_ids)
            | paths_q("community__path", scope.manager_paths)
        )


# ---------------------------------------------------------------------------- rules


class PointsRule(TimeStampedModel):
    """How an activity's confirmed time becomes points: ``points_per_hour`` × the
    difficulty factor (percent), floored; capped per activity and per day; points expire
    ``expiry_days`` after they were awarded (never when empty)."""

    community = models.ForeignKey(
        Place, verbose_name=gettext_lazy("社区"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(gettext_lazy("名称"), max_length=60)
    points_per_hour = models.PositiveIntegerField(gettext_lazy("每小时积分"), default=10)
    factor_easy = models.PositiveIntegerField(gettext_lazy("一般难度系数(%)"), default=100)
    factor_normal = models.PositiveIntegerField(gettext_lazy("较难系数(%)"), default=150)
    factor_hard = models.PositiveIntegerField(gettext_lazy("困难系数(%)"), default=200)
    cap_per_activity = models.PositiveIntegerField(
        gettext_lazy("单次活动上限"), null=True, blank=True
    )
    cap_per_day = models.PositiveIntegerField(gettext_lazy("每日上限"), null=True, blank=True)
    expiry_days = models.PositiveIntegerField(gettext_lazy("有效期(天)"), null=True, blank=True)
    is_default = models.BooleanField(gettext_lazy("社区默认"), default=False)

    class Meta:
        verbose_name = gettext_lazy("积分规则")
        verbose_name_plural = gettext_lazy("积分规则")

    def __str__(self) -> str:
        return self.name

    def factor(self, difficulty: int) -> int:
        return {1: self.factor_easy, 2: self.factor_normal, 3: self.factor_hard}.get(
            difficulty, self.factor_easy
        )

    def points_for(self, minutes: int, difficulty: int) -> int:
        """Integer points for ``minutes`` of service at ``difficulty`` (floor)."""
        points = minutes * self.points_per_hour * self.factor(difficulty) // (60 * 100)
        if self.cap_per_activity is not None:
            points = min(points, self.cap_per_activity)
        return max(points, 0)


class FixedAward(TimeStampedModel):
    """A fixed number of points for an honour or a task (每月之星, 年度优秀志愿者, …)."""

    community = models.ForeignKey(
        Place, verbose_name=gettext_lazy("社区"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.SlugField(gettext_lazy("编码"), max_length=40)
    name = models.CharField(gettext_lazy("名称"), max_length=60)
    points = models.PositiveIntegerField(gettext_lazy("积分"))

    class Meta:
        verbose_name = gettext_lazy("固定奖励")
        verbose_name_plural = gettext_lazy("固定奖励")
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="fixed_award_code_unique")
        ]

    def __str__(self) -> str:
        return _("{name}（{points} 分）").format(name=self.name, points=self.points)


# ---------------------------------------------------------------------------- activities


class ActivityStatus(models.TextChoices):
    RECRUITING = "recruiting", gettext_lazy("招募中")
    CLOSED = "closed", gettext_lazy("停止报名")
    FINISHED = "finished", gettext_lazy("已结束")
    CANCELLED = "cancelled", gettext_lazy("已取消")


class Difficulty(models.IntegerChoices):
    EASY = 1, gettext_lazy("一般")
    NORMAL = 2, gettext_lazy("较难")
    HARD = 3, gettext_lazy("困难")


class Activity(TimeStampedModel):
    """A volunteering activity: when, where (a map point), how many, which skills, how hard,
    and which points rule turns its hours into points. Volunteers check in by the activity's
    QR code (``checkin_token``) within ``checkin_window_min`` of its times and within
    ``checkin_radius_m`` of its point, or the organiser checks them in."""

    community = models.ForeignKey(
        Place, verbose_name=gettext_lazy("社区"), on_delete=models.PROTECT, related_name="+"
    )
    organiser_org = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("组织方"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("发布人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(gettext_lazy("活动名称"), max_length=100)
    description = models.TextField(gettext_lazy("活动内容"), blank=True)
    address = models.CharField(gettext_lazy("地点"), max_length=200, blank=True)
    lat = models.FloatField(gettext_lazy("纬度"), null=True, blank=True)
    lng = models.FloatField(gettext_lazy("经度"), null=True, blank=True)
    starts_at = models.DateTimeField(gettext_lazy("开始时间"))
    ends_at = models.DateTimeField(gettext_lazy("结束时间"))
    slots = models.PositiveIntegerField(gettext_lazy("名额"))
    skills_wanted = models.JSONField(gettext_lazy("所需技能"), default=list, blank=True)
    difficulty = models.PositiveSmallIntegerField(
        gettext_lazy("难度"), choices=Difficulty.choices, default=Difficulty.EASY
    )
    rule = models.ForeignKey(
        PointsRule,
        verbose_name=gettext_lazy("积分规则"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        gettext_lazy("状态"),
        max_length=16,
        choices=ActivityStatus.choices,
        default=ActivityStatus.RECRUITING,
    )
    checkin_token = models.CharField(gettext_lazy("签到码"), max_length=40, unique=True)
    checkin_radius_m = models.PositiveIntegerField(gettext_lazy("签到范围(米)"), default=300)
    checkin_window_min = models.PositiveIntegerField(gettext_lazy("签到时间窗(分钟)"), default=30)

    objects = models.Manager.from_queryset(CommunityQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("志愿活动")
        verbose_name_plural = gettext_lazy("志愿活动")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="act_time"),
            models.CheckConstraint(condition=Q(slots__gte=1), name="activity_slots_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class SignupStatus(models.TextChoices):
    SIGNED_UP = "signed_up", gettext_lazy("已报名")
    WAITLISTED = "waitlisted", gettext_lazy("候补")
    CANCELLED = "cancelled", gettext_lazy("已取消")
    CHECKED_IN = "checked_in", gettext_lazy("已签到")
    CHECKED_OUT = "checked_out", gettext_lazy("已签退")
    CONFIRMED = "confirmed", gettext_lazy("时长已确认")


class Signup(TimeStampedModel):
    """A volunteer's claim (认领) on an activity: signed up or waiting, then checked in and
    out, then the minutes are confirmed and turned into points or banked time."""

    activity = models.ForeignKey(
        Activity,
        verbose_name=gettext_lazy("活动"),
        on_delete=models.PROTECT,
        related_name="signups",
    )
    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=gettext_lazy("志愿者"),
        on_delete=models.PROTECT,
        related_name="signups",
    )
    status = models.CharField(gettext_lazy("状态"), max_length=16, choices=SignupStatus.choices)
    bank_time = models.BooleanField(gettext_lazy("存入时间银行"), default=False)
    checked_in_at = models.DateTimeField(gettext_lazy("签到时间"), null=True, blank=True)
    checked_out_at = models.DateTimeField(gettext_lazy("签退时间"), null=True, blank=True)
    check_method = models.CharField(gettext_lazy("签到方式"), max_length=16, blank=True)
    minutes = models.PositiveIntegerField(gettext_lazy("服务时长(分钟)"), default=0)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(gettext_lazy("确认时间"), null=True, blank=True)
    points = models.PositiveIntegerField(gettext_lazy("所得积分"), default=0)
    award_tx = models.ForeignKey(
        "LedgerTransaction",
        verbose_name=gettext_lazy("积分记账"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = gettext_lazy("活动报名")
        verbose_name_plural = gettext_lazy("活动报名")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="signup_once"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.activity}"

    objects = ScopedManager()

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return (
            paths_q("volunteer__person_path", scope.person_paths)
            | Q(volunteer__person_id__in=scope.person_ids)
            | paths_q("activity__community__path", scope.manager_paths)
        )


# ---------------------------------------------------------------------------- the ledger


class AccountKind(models.TextChoices):
    PERSON = "person", gettext_lazy("个人")
    ORGANISATION = "organisation", gettext_lazy("单位")
    ISSUER = "issuer", gettext_lazy("社区发放账户")
    STORE = "store", gettext_lazy("积分超市")
    # The community's 邻里互助基金 (service matching), in money: one per community.
    FUND = "fund", gettext_lazy("互助基金")
    # One per project of service matching's 项目清单 (funds raised and spent), in money; the
    # project row (``matching.Project.account``) points at it.
    PROJECT = "project", gettext_lazy("项目资金")


class Unit(models.TextChoices):
    POINTS = "points", gettext_lazy("积分")
    MINUTES = "minutes", gettext_lazy("分钟(时间银行)")
    # Money, in 分 (fen, 0.01 元): exact integers like every other unit. Added for the
    # 邻里互助基金 of service matching; its issuer account stands for the world outside
    # (donations come from it, help paid out goes back to it).
    FEN = "fen", gettext_lazy("分(人民币)")


class Account(models.Model):
    """One account of the ledger, in one unit. ``balance`` is kept in step with the entries
    inside the same database transaction; issuing accounts may go negative (they issue),
    every other account never does (a database constraint refuses it)."""

    kind = models.CharField(gettext_lazy("类型"), max_length=16, choices=AccountKind.choices)
    unit = models.CharField(
        gettext_lazy("单位"), max_length=8, choices=Unit.choices, default=Unit.POINTS
    )
    community = models.ForeignKey(
        Place, verbose_name=gettext_lazy("社区"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("居民"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    balance = models.BigIntegerField(gettext_lazy("余额"), default=0)
    created_at = models.DateTimeField(gettext_lazy("开户时间"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("积分账户")
        verbose_name_plural = gettext_lazy("积分账户")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="issuer") | Q(balance__gte=0), name="account_no_negative"
            ),
            models.CheckConstraint(
                condition=(Q(kind="person", person__isnull=False, organisation__isnull=True))
                | (Q(kind="organisation", organisation__isnull=False, person__isnull=True))
                | (
                    Q(
                        kind__in=["issuer", "store", "fund", "project"],
                        person__isnull=True,
                        organisation__isnull=True,
                    )
                ),
                name="account_owner_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["person", "unit"],
                condition=Q(person__isnull=False),
                name="account_one_per_person_unit",
            ),
            models.UniqueConstraint(
                fields=["organisation", "unit"],
                condition=Q(organisation__isnull=False),
                name="account_one_per_org_unit",
            ),
            models.UniqueConstraint(
                fields=["community", "kind", "unit"],
                condition=Q(kind__in=["issuer", "store", "fund"]),
                name="account_one_house_account",
            ),
        ]

    def __str__(self) -> str:
        owner = self.person or self.organisation or self.community
        return f"{self.get_kind_display()}·{owner}·{self.get_unit_display()}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """A person's accounts follow the person scope; the community's and organisations'
        accounts are seen by whoever may browse the community."""
        return (
            paths_q("person__place_path", scope.person_paths)
            | Q(person_id__in=scope.person_ids)
            | (Q(person__isnull=True) & paths_q("community__path", scope.place_paths))
        )

    @property
    def label(self) -> str:
        if self.kind == AccountKind.PERSON:
            return f"{self.person.name if self.person else ''}"
        if self.kind == AccountKind.ORGANISATION:
            return f"{self.organisation.name if self.organisation else ''}"
        return self.get_kind_display()


class TxKind(models.TextChoices):
    AWARD = "award", gettext_lazy("服务积分")
    FIXED = "fixed", gettext_lazy("荣誉奖励")
    REDEEM = "redeem", gettext_lazy("积分兑换")
    REFUND = "refund", gettext_lazy("兑换退回")
    EXPIRE = "expire", gettext_lazy("积分过期")
    CORRECT = "correct", gettext_lazy("更正")
    TRANSFER = "transfer", gettext_lazy("转账")
    BANK = "bank", gettext_lazy("存入时间银行")
    SPEND = "spend", gettext_lazy("时间银行支付")
    DONATE = "donate", gettext_lazy("互助基金捐赠")
    HELP = "help", gettext_lazy("互助基金帮扶")
    PROJECT_RAISE = "project_raise", gettext_lazy("项目筹资")
    PROJECT_SPEND = "project_spend", gettext_lazy("项目支出")


class LedgerTransaction(AppendOnlyModel):
    """One movement of the ledger: entries that sum to zero, written once, never changed.

    A correction is a new transaction of kind ``correct`` that references the one it
    corrects (``corrects``), with a reason and an approver. Append-only on the instance and
    the queryset (``AppendOnlyModel`` and its default ``AppendOnlyManager``).
    """

    kind = models.CharField(
        gettext_lazy("类型"), max_length=16, choices=TxKind.choices, db_index=True
    )
    community = models.ForeignKey(
        Place, verbose_name=gettext_lazy("社区"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.CharField(
        gettext_lazy("单位"), max_length=8, choices=Unit.choices, default=Unit.POINTS
    )
    reason = models.CharField(gettext_lazy("事由"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("记账人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    corrects = models.ForeignKey(
        "self",
        verbose_name=gettext_lazy("更正的记账"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    idempotency_key = models.CharField(max_length=120, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(gettext_lazy("记账时间"), db_index=True)

    class Meta:
        verbose_name = gettext_lazy("记账")
        verbose_name_plural = gettext_lazy("记账")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="correct") | Q(corrects__isnull=False, approved_by__isnull=False),
                name="correction_has_target_and_approver",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.reason}"


class Entry(AppendOnlyModel):
    """One line of a transaction: a signed amount on one account. ``expires_on`` marks
    points that lapse on that day unless spent first (spending uses the earliest first).
    Append-only like its transaction (``AppendOnlyModel`` and its default
    ``AppendOnlyManager``)."""

    transaction = models.ForeignKey(
        LedgerTransaction,
        verbose_name=gettext_lazy("记账"),
        on_delete=models.PROTECT,
        related_name="entries",
    )
    account = models.ForeignKey(
        Account, verbose_name=gettext_lazy("账户"), on_delete=models.PROTECT, related_name="entries"
    )
    amount = models.BigIntegerField(gettext_lazy("金额"))
    expires_on = models.DateField(gettext_lazy("到期日"), null=True, blank=True)

    objects: ClassVar[AppendOnlyScopedManager[Entry]] = AppendOnlyScopedManager()

    class Meta:
        verbose_name = gettext_lazy("分录")
        verbose_name_plural = gettext_lazy("分录")
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "id"], name="entry_account_id")]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="entry_not_zero")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount:+d}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """The entries of the accounts the user may see."""
        return Q(account_id__in=Account.objects.filter(Account.scope_q(scope)).values("pk"))


# ---------------------------------------------------------------------------- rewards


class RewardKind(models.TextChoices):
    GOODS = "goods", gettext_lazy("实物")
    MEAL = "meal", gettext_lazy("爱心食堂餐券")
    SERVICE = "service", gettext_lazy("服务")


class Reward(TimeStampedModel):
    """An item of the points catalogue (积分超市) of a community: stock and a per-person limit."""

    community = models.ForeignKey(
        Place, verbose_name=gettext_lazy("社区"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(gettext_lazy("名称"), max_length=60)
    kind = models.CharField(gettext_lazy("类别"), max_length=16, choices=RewardKind.choices)
    description = models.CharField(gettext_lazy("说明"), max_length=200, blank=True)
    cost = models.PositiveIntegerField(gettext_lazy("所需积分"))
    stock = models.PositiveIntegerField(gettext_lazy("库存"))
    per_person_limit = models.PositiveIntegerField(gettext_lazy("每人限兑"), null=True, blank=True)
    is_active = models.BooleanField(gettext_lazy("上架"), default=True)

    objects = models.Manager.from_queryset(CommunityQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("兑换品")
        verbose_name_plural = gettext_lazy("兑换品")
        ordering = ["cost", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="reward_stock_not_negative"),
            models.CheckConstraint(condition=Q(cost__gte=1), name="reward_cost_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class OrderStatus(models.TextChoices):
    PLACED = "placed", gettext_lazy("待领取")
    FULFILLED = "fulfilled", gettext_lazy("已领取")
    CANCELLED = "cancelled", gettext_lazy("已取消(已退分)")


class RewardOrder(TimeStampedModel):
    """A redemption: the points left the person's account for the store (``redeem_tx``);
    cancelling refunds them (``refund_tx``) and returns the stock."""

    reward = models.ForeignKey(
        Reward, verbose_name=gettext_lazy("兑换品"), on_delete=models.PROTECT, related_name="orders"
    )
    person = models.ForeignKey(
        Person, verbose_name=gettext_lazy("兑换人"), on_delete=models.PROTECT, related_name="+"
    )
    person_path = models.CharField(max_length=255, blank=True, editable=False)
    account = models.ForeignKey(
        Account, verbose_name=gettext_lazy("账户"), on_delete=models.PROTECT, related_name="+"
    )
    points = models.PositiveIntegerField(gettext_lazy("积分"))
    status = models.CharField(
        gettext_lazy("状态"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.PLACED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("下单账号"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    idempotency_key = models.CharField(max_length=80)
    redeem_tx = models.ForeignKey(
        LedgerTransaction,
        verbose_name=gettext_lazy("兑换记账"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    refund_tx = models.ForeignKey(
        LedgerTransaction,
        verbose_name=gettext_lazy("退回记账"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(gettext_lazy("办理时间"), null=True, blank=True)
    note = models.CharField(gettext_lazy("备注"), max_length=200, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("兑换订单")
        verbose_name_plural = gettext_lazy("兑换订单")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"], name="order_idempotency_key"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.reward} · {self.person}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Within the person scope, and every order of a community the user manages."""
        return (
            paths_q("person_path", scope.person_paths)
            | Q(person_id__in=scope.person_ids)
            | paths_q("reward__community__path", scope.manager_paths)
        )


# ---------------------------------------------------------------------------- recognition


class HonourKind(models.TextChoices):
    MONTHLY_STAR = "monthly_star", gettext_lazy("每月之星")
    ANNUAL = "annual", gettext_lazy("年度优秀志愿者")
    UNIT = "unit", gettext_lazy("优秀共建单位")


class Honour(TimeStampedModel):
    """An honour given to a volunteer (或 a co-building unit) for a period, with its
    certificate page and, where the award carries points, the transaction that paid them."""

    community = models.ForeignKey(
        Place, verbose_name=gettext_lazy("社区"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(gettext_lazy("荣誉"), max_length=16, choices=HonourKind.choices)
    period = models.CharField(gettext_lazy("期间"), max_length=7)  # "2026-05" or "2026"
    person = models.ForeignKey(
        Person, verbose_name=gettext_lazy("获得者"), null=True, blank=True, on_delete=models.PROTECT
    )
    person_path = models.CharField(max_length=255, blank=True, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("获得单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    citation = models.CharField(gettext_lazy("事迹"), max_length=300, blank=True)
    award_tx = models.ForeignKey(
        LedgerTransaction,
        verbose_name=gettext_lazy("奖励记账"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("评选人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("荣誉")
        verbose_name_plural = gettext_lazy("荣誉")
        ordering = ["-period", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(organisation__isnull=False),
                name="honour_has_holder",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.get_kind_display()}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return (
            paths_q("person_path", scope.person_paths)
            | Q(person_id__in=scope.person_ids)
            | paths_q("community__path", scope.place_paths)
        )


__all__ = [
    "SKILLS",
    "Account",
    "AccountKind",
    "Activity",
    "ActivityStatus",
    "Entry",
    "FixedAward",
    "Honour",
    "LedgerTransaction",
    "PointsRule",
    "Reward",
    "RewardOrder",
    "ScopedQuerySet",
    "Signup",
    "Volunteer",
]
