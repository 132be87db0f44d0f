"""Notices (通知公告) with their audiences and read receipts, and the daily log (民情日志).

- ``Notice``: published by staff from a place (a community, a grid, a building) to an
  audience: everyone living under a place, the residents of that subtree with a care tag,
  the party members there, or the staff posted there. Publishing fixes the audience: one
  ``NoticeReceipt`` per person reached, whether or not they have an account (the grid worker
  follows up door to door whoever has not read it, the seed's reason for the QQ group).
- ``LogEntry``: what a cadre on duty met, heard and did, at a place, on a day.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from tongxin.core import clock, trees
from tongxin.core.actors import Actor, person_of
from tongxin.core.scoping import Scope, ScopedQuerySet, paths_q
from tongxin.orgs.roles import Role
from tongxin.people.models import CareKind, Person
from tongxin.places.models import Place


class NoticeKind(models.TextChoices):
    NOTICE = "notice", gettext_lazy("通知")
    ANNOUNCEMENT = "announcement", gettext_lazy("公告")
    URGENT = "urgent", gettext_lazy("紧急通知")
    BULLETIN = "bulletin", gettext_lazy("简报")


class Audience(models.TextChoices):
    """Whom a notice reaches, always within the subtree of ``Notice.audience_place``."""

    RESIDENTS = "residents", gettext_lazy("辖区全体居民")
    CARE_TAG = "care_tag", gettext_lazy("特定关爱对象")
    MEMBERS = "members", gettext_lazy("党员")
    STAFF = "staff", gettext_lazy("工作人员")


class NoticeQuerySet(ScopedQuerySet):
    """Staff see the notices whose audience overlaps the places they work at (a community's
    notice reaches a grid worker's grid; a grid's notice is seen by the community's staff);
    everyone sees the notices that reached them."""

    def narrow(self, user: Actor | None, scope: Scope) -> NoticeQuerySet:
        person = person_of(user)
        q = Q(pk__in=[])
        if scope.case_paths:
            ancestors = trees.ancestors_of_all(scope.case_paths, Place.steplen, include_self=True)
            q |= paths_q("audience_path", scope.case_paths) | Q(audience_path__in=ancestors)
        if person is not None:
            q |= Q(receipts__person_id=person.pk)
        return self.filter(q).distinct()


class Notice(models.Model):
    """One notice, published at once to its audience (fixed at publication)."""

    place = models.ForeignKey(
        Place,
        verbose_name=gettext_lazy("发布单位所在地点"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    audience = models.CharField(gettext_lazy("发送对象"), max_length=16, choices=Audience.choices)
    audience_place = models.ForeignKey(
        Place,
        verbose_name=gettext_lazy("发送范围"),
        on_delete=models.PROTECT,
        related_name="notices",
    )
    audience_path = models.CharField(max_length=255, editable=False, db_index=True)
    care_tag = models.CharField(
        gettext_lazy("关爱类别"), max_length=32, choices=CareKind.choices, blank=True
    )
    kind = models.CharField(
        gettext_lazy("类型"), max_length=16, choices=NoticeKind.choices, default=NoticeKind.NOTICE
    )
    title = models.CharField(gettext_lazy("标题"), max_length=120)
    body = models.TextField(gettext_lazy("正文"), max_length=5000, blank=True)
    pinned = models.BooleanField(gettext_lazy("置顶"), default=False)
    # Shown on the community's public notice board, to anyone, without signing in.
    is_public = models.BooleanField(gettext_lazy("公开到公告栏"), default=False)
    issue_number = models.PositiveIntegerField(gettext_lazy("期号"), null=True, blank=True)
    valid_until = models.DateField(gettext_lazy("有效期至"), null=True, blank=True)
    published_at = models.DateTimeField(gettext_lazy("发布时间"), default=clock.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("发布人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recipient_count = models.PositiveIntegerField(gettext_lazy("送达人数"), default=0)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("通知公告")
        verbose_name_plural = gettext_lazy("通知公告")
        ordering = ["-pinned", "-published_at", "-id"]
        indexes = [
            models.Index(
                fields=["audience_path"],
                name="notice_path_prefix",
                opclasses=["varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.audience_path = self.audience_place.path
        super().save(*args, **kwargs)

    @property
    def is_current(self) -> bool:
        return self.valid_until is None or self.valid_until >= clock.today()


class ReceiptQuerySet(ScopedQuerySet):
    """A receipt is personal (who has not read what): the staff over the person's place see
    it (a grid worker only their own grid's), and the person their own."""

    def narrow(self, user: Actor | None, scope: Scope) -> ReceiptQuerySet:
        person = person_of(user)
        q = paths_q("person_path", scope.case_paths)
        if person is not None:
            q |= Q(person_id=person.pk)
        return self.filter(q)


class NoticeReceipt(models.Model):
    """One person reached by one notice, and when they opened it (never, so far, if empty)."""

    notice = models.ForeignKey(
        Notice, verbose_name=gettext_lazy("通知"), on_delete=models.CASCADE, related_name="receipts"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("接收人"),
        on_delete=models.CASCADE,
        related_name="notice_receipts",
    )
    # The person's place when the notice was sent: scoping needs no join.
    person_path = models.CharField(max_length=255, editable=False)
    read_at = models.DateTimeField(gettext_lazy("阅读时间"), null=True, blank=True)

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("阅读回执")
        verbose_name_plural = gettext_lazy("阅读回执")
        constraints = [
            models.UniqueConstraint(fields=["notice", "person"], name="receipt_once_per_person")
        ]
        indexes = [models.Index(fields=["notice", "read_at"], name="receipt_notice_read")]

    def __str__(self) -> str:
        return f"{self.notice_id}:{self.person_id}"


class LogSource(models.TextChoices):
    SCRATCH = "scratch", gettext_lazy("直接记录")
    VISIT = "visit", gettext_lazy("走访")
    CALL = "call", gettext_lazy("来电")
    NOTICE = "notice", gettext_lazy("通知回访")


class LogEntryQuerySet(ScopedQuerySet):
    """The staff over a place read its entries (a grid worker only their grid's); an author
    always reads their own."""

    def narrow(self, user: Actor | None, scope: Scope) -> LogEntryQuerySet:
        q = paths_q("place_path", scope.case_paths)
        if user is not None and user.is_authenticated:
            q |= Q(author_id=user.pk)
        return self.filter(q)


class LogEntry(models.Model):
    """One entry of the daily log (民情日志): when and where, whom the cadre met, what was
    raised, what was done and what follows. May name people in free text, so it is scoped
    like personal data."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("记录人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    place = models.ForeignKey(
        Place, verbose_name=gettext_lazy("地点"), on_delete=models.PROTECT, related_name="+"
    )
    place_path = models.CharField(max_length=255, editable=False)
    occurred_at = models.DateTimeField(gettext_lazy("时间"), default=clock.now, db_index=True)
    source = models.CharField(
        gettext_lazy("来源"), max_length=16, choices=LogSource.choices, default=LogSource.SCRATCH
    )
    met = models.CharField(gettext_lazy("走访对象"), max_length=200, blank=True)
    # Who went with the author (the 日志本's 走访人 besides the one who writes).
    visitors = models.CharField(gettext_lazy("走访人"), max_length=200, blank=True)
    raised = models.TextField(gettext_lazy("反映情况"), max_length=2000)
    difficulties = models.TextField(gettext_lazy("困难问题"), max_length=1000, blank=True)
    requests = models.TextField(gettext_lazy("意见诉求"), max_length=1000, blank=True)
    done = models.TextField(gettext_lazy("处理情况"), max_length=2000, blank=True)
    follow_up = models.TextField(gettext_lazy("后续计划"), max_length=1000, blank=True)
    tags = models.CharField(gettext_lazy("标签"), max_length=200, blank=True)
    notice = models.ForeignKey(
        Notice,
        verbose_name=gettext_lazy("关联通知"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=gettext_lazy("转立案件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(gettext_lazy("记录时间"), default=clock.now)

    objects = LogEntryQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("民情日志")
        verbose_name_plural = gettext_lazy("民情日志")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(
                fields=["place_path"],
                name="logentry_path_prefix",
                opclasses=["varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return self.raised[:40]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.place_path = self.place.path
        super().save(*args, **kwargs)


# ---------------------------------------------------------------------------- 三务公开


class DisclosureKind(models.TextChoices):
    PARTY = "party", gettext_lazy("党务")
    RESIDENTS = "residents", gettext_lazy("居务")
    FINANCE = "finance", gettext_lazy("财务")


class Cadence(models.TextChoices):
    """Fixed items once a year, periodic ones every quarter, immediate ones as they come."""

    FIXED = "fixed", gettext_lazy("固定公开（每年）")
    PERIODIC = "periodic", gettext_lazy("定期公开（每季度）")
    IMMEDIATE = "immediate", gettext_lazy("即时公开")


class DisclosureStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("草稿")
    SUBMITTED = "submitted", gettext_lazy("待审核")
    APPROVED = "approved", gettext_lazy("已审核")
    PUBLISHED = "published", gettext_lazy("已公开")


def _home_community_paths(user: Actor | None, scope: Scope) -> set[str]:
    """Every prefix of the user's home place and of the places they may browse: a community
    among them is the user's community."""
    paths = set(scope.place_paths)
    person = person_of(user)
    if person is not None and person.place_path:
        paths.add(person.place_path)
    return trees.ancestors_of_all(paths, Place.steplen, include_self=True)


class DisclosureItem(models.Model):
    """One line of the list of what a community discloses (公开目录), approved by the
    residents' representatives: what, of which kind, how often. The disclosure calendar is
    made of these."""

    community = models.ForeignKey(
        Place, verbose_name=gettext_lazy("社区"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(gettext_lazy("类别"), max_length=16, choices=DisclosureKind.choices)
    cadence = models.CharField(gettext_lazy("公开方式"), max_length=16, choices=Cadence.choices)
    title = models.CharField(gettext_lazy("公开事项"), max_length=100)
    is_active = models.BooleanField(gettext_lazy("有效"), default=True)

    class Meta:
        verbose_name = gettext_lazy("公开目录事项")
        verbose_name_plural = gettext_lazy("公开目录")

    def __str__(self) -> str:
        return self.title


class DisclosureQuerySet(ScopedQuerySet):
    """Published disclosures are for the community's people (and the staff over it); drafts
    and those awaiting approval for the community's managers only."""

    def narrow(self, user: Actor | None, scope: Scope) -> DisclosureQuerySet:
        return self.filter(
            Q(
                status=DisclosureStatus.PUBLISHED,
                community__path__in=_home_community_paths(user, scope),
            )
            | paths_q("community__path", scope.manager_paths)
        )


class Disclosure(models.Model):
    """One disclosure (三务公开): drafted by staff, approved by the committee (两委), then
    published; never published without approval (``workflow.DISCLOSURE_MACHINE``)."""

    community = models.ForeignKey(
        Place, verbose_name=gettext_lazy("社区"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        DisclosureItem,
        verbose_name=gettext_lazy("公开目录事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disclosures",
    )
    kind = models.CharField(gettext_lazy("类别"), max_length=16, choices=DisclosureKind.choices)
    cadence = models.CharField(gettext_lazy("公开方式"), max_length=16, choices=Cadence.choices)
    # "2026" (fixed), "2026-Q3" (periodic), "" (immediate).
    period = models.CharField(gettext_lazy("公开期间"), max_length=8, blank=True)
    title = models.CharField(gettext_lazy("标题"), max_length=120)
    body = models.TextField(gettext_lazy("内容"), max_length=20000)
    status = models.CharField(
        gettext_lazy("状态"),
        max_length=16,
        choices=DisclosureStatus.choices,
        default=DisclosureStatus.DRAFT,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("起草人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(gettext_lazy("起草时间"), default=clock.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approval_note = models.CharField(gettext_lazy("审核意见"), max_length=300, blank=True)
    published_at = models.DateTimeField(gettext_lazy("公开时间"), null=True, blank=True)

    objects = DisclosureQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("三务公开")
        verbose_name_plural = gettext_lazy("三务公开")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title


# ---------------------------------------------------------------------------- the service guide


class CommunityQuerySet(ScopedQuerySet):
    """Public information of a community (the service guide, the studios): everyone signed
    in reads their own community's rows and those that hold everywhere (no community)."""

    def narrow(self, user: Actor | None, scope: Scope) -> CommunityQuerySet:
        return self.filter(
            Q(community__isnull=True)
            | Q(community__path__in=_home_community_paths(user, scope))
            | paths_q("community__path", scope.place_paths)
        )


class ServiceGuide(models.Model):
    """One service of the guide (办事指南, 民生政策一窗通): who may apply, what to bring, the
    steps, where and when, and the post that handles it."""

    community = models.ForeignKey(
        Place,
        verbose_name=gettext_lazy("社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    code = models.SlugField(gettext_lazy("编码"), max_length=40)
    title = models.CharField(gettext_lazy("事项"), max_length=100)
    category = models.CharField(gettext_lazy("类别"), max_length=40, blank=True)
    conditions = models.TextField(gettext_lazy("办理条件"), max_length=4000, blank=True)
    materials = models.JSONField(gettext_lazy("所需材料"), default=list, blank=True)
    steps = models.JSONField(gettext_lazy("办理流程"), default=list, blank=True)
    where = models.CharField(gettext_lazy("办理地点"), max_length=200, blank=True)
    hours = models.CharField(gettext_lazy("办理时间"), max_length=200, blank=True)
    responsible_role = models.CharField(
        gettext_lazy("负责岗位"), max_length=32, choices=Role.choices, blank=True
    )
    forms = models.JSONField(gettext_lazy("表格下载"), default=list, blank=True)
    # How a resident asks for the service from its page: online, as a case of this category
    # (its code; none: not online), or by booking the window that handles it (none: the
    # community's one-stop window).
    case_category = models.CharField(gettext_lazy("在线申请的诉求类别"), max_length=60, blank=True)
    studio = models.ForeignKey(
        "Studio",
        verbose_name=gettext_lazy("预约窗口"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(gettext_lazy("有效"), default=True)
    # Title, category, conditions and materials in one text, for the search (a JSON list is
    # stored escaped on SQLite, so its words cannot be matched in place).
    search_text = models.TextField(editable=False, blank=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("办事指南")
        verbose_name_plural = gettext_lazy("办事指南")
        ordering = ["category", "title", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="guide_code_per_community")
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        materials = " ".join(str(m) for m in self.materials or [])
        self.search_text = " ".join([self.title, self.category, self.conditions, materials])
        super().save(*args, **kwargs)


# ---------------------------------------------------------------------------- appointments


class StudioKind(models.TextChoices):
    SECRETARY = "secretary", gettext_lazy("书记工作室")
    PROFESSIONAL = "professional", gettext_lazy("专业工作室")
    ONE_STOP = "one_stop", gettext_lazy("一站办窗口")


class Studio(models.Model):
    """A studio or service window residents book a slot with. Its sitting hours and booking
    rules are configuration: ``sittings`` is a list of ``{"weekday": 0–6 (Monday 0),
    "start": "09:00", "end": "11:30"}``, cut into slots of ``slot_minutes``, each for up to
    ``capacity`` residents, bookable from ``lead_hours`` to ``ahead_days`` ahead."""

    community = models.ForeignKey(
        Place, verbose_name=gettext_lazy("社区"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(gettext_lazy("类型"), max_length=16, choices=StudioKind.choices)
    name = models.CharField(gettext_lazy("名称"), max_length=100)
    location = models.CharField(gettext_lazy("地点"), max_length=200, blank=True)
    description = models.TextField(gettext_lazy("简介"), max_length=2000, blank=True)
    sittings = models.JSONField(gettext_lazy("坐班时间"), default=list, blank=True)
    slot_minutes = models.PositiveSmallIntegerField(gettext_lazy("每段时长（分钟）"), default=30)
    capacity = models.PositiveSmallIntegerField(gettext_lazy("每段可约人数"), default=1)
    ahead_days = models.PositiveSmallIntegerField(gettext_lazy("最多提前预约天数"), default=14)
    lead_hours = models.PositiveSmallIntegerField(gettext_lazy("至少提前预约小时数"), default=2)
    is_active = models.BooleanField(gettext_lazy("有效"), default=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("工作室")
        verbose_name_plural = gettext_lazy("工作室")
        ordering = ["community", "kind", "pk"]

    def __str__(self) -> str:
        return self.name


class BookingStatus(models.TextChoices):
    BOOKED = "booked", gettext_lazy("已预约")
    CANCELLED = "cancelled", gettext_lazy("已取消")
    ATTENDED = "attended", gettext_lazy("已到场")
    NO_SHOW = "no_show", gettext_lazy("爽约")


# The states that hold a place in a slot.
HOLDING = (BookingStatus.BOOKED, BookingStatus.ATTENDED)


class BookingQuerySet(ScopedQuerySet):
    """A booking is the resident's own; the community's managers see their studios'."""

    def narrow(self, user: Actor | None, scope: Scope) -> BookingQuerySet:
        person = person_of(user)
        q = paths_q("studio__community__path", scope.manager_paths)
        if person is not None:
            q |= Q(person_id=person.pk)
        return self.filter(q)


class Booking(models.Model):
    """One resident's booking of one slot of a studio."""

    studio = models.ForeignKey(
        Studio, verbose_name=gettext_lazy("工作室"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person, verbose_name=gettext_lazy("预约人"), on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField(gettext_lazy("预约时段"), db_index=True)
    topic = models.CharField(gettext_lazy("事由"), max_length=200, blank=True)
    status = models.CharField(
        gettext_lazy("状态"),
        max_length=16,
        choices=BookingStatus.choices,
        default=BookingStatus.BOOKED,
    )
    created_at = models.DateTimeField(gettext_lazy("预约时间"), default=clock.now)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("预约")
        verbose_name_plural = gettext_lazy("预约")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["studio", "starts_at"], name="booking_studio_slot")]

    def __str__(self) -> str:
        return f"{self.studio_id}@{self.starts_at:%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------------------- conventions


class ConventionKind(models.TextChoices):
    RESIDENTS = "residents", gettext_lazy("居民公约")
    STAIRWELL = "stairwell", gettext_lazy("楼道公约")


class AdoptionMethod(models.TextChoices):
    RESIDENTS_MEETING = "residents_meeting", gettext_lazy("居民会议")
    REPRESENTATIVES_MEETING = "representatives_meeting", gettext_lazy("居民代表会议")
    VOTE = "vote", gettext_lazy("居民投票")


class ConventionQuerySet(ScopedQuerySet):
    """An adopted convention is for the people of its place: a resident reads their
    community's and their building's (its place is one of their home's ancestors); the staff
    over the place read every one there, drafts too, and those of the places above it."""

    def narrow(self, user: Actor | None, scope: Scope) -> ConventionQuerySet:
        q = Q(adopted_on__isnull=False, place_path__in=_home_community_paths(user, scope))
        if scope.case_paths:
            q |= paths_q("place_path", scope.case_paths)
        return self.filter(q)


class Convention(models.Model):
    """A residents' convention (居民公约, for a community) or a stairwell convention (楼道公约,
    for a building or a unit): its text, its version, and how it was adopted. Drafted by the
    staff of the place; in force, and shown to the residents, once its adoption is recorded."""

    kind = models.CharField(gettext_lazy("类型"), max_length=16, choices=ConventionKind.choices)
    place = models.ForeignKey(
        Place, verbose_name=gettext_lazy("适用范围"), on_delete=models.PROTECT, related_name="+"
    )
    place_path = models.CharField(max_length=255, editable=False, db_index=True)
    title = models.CharField(gettext_lazy("标题"), max_length=120)
    text = models.TextField(gettext_lazy("公约全文"), max_length=20000)
    version = models.CharField(gettext_lazy("版本"), max_length=20, default="1")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("起草人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(gettext_lazy("起草时间"), default=clock.now)
    # The adoption record (empty until adopted).
    adopted_on = models.DateField(gettext_lazy("通过日期"), null=True, blank=True)
    adoption_method = models.CharField(
        gettext_lazy("通过方式"), max_length=32, choices=AdoptionMethod.choices, blank=True
    )
    votes_for = models.PositiveIntegerField(gettext_lazy("赞成"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(gettext_lazy("反对"), null=True, blank=True)
    votes_abstain = models.PositiveIntegerField(gettext_lazy("弃权"), null=True, blank=True)
    # Where it was deliberated (a meeting's minutes, later a deliberation of the platform).
    deliberation_ref = models.CharField(gettext_lazy("议事记录"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ConventionQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("公约")
        verbose_name_plural = gettext_lazy("公约")
        ordering = ["place_path", "kind", "-adopted_on", "-id"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.place_path = self.place.path
        super().save(*args, **kwargs)

    @property
    def is_adopted(self) -> bool:
        return self.adopted_on is not None
