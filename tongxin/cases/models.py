"""Cases (民情诉求): categories, the case itself, its append-only timeline, routing rules and
decisions, the departments called in (吹哨报到), the duty roster and the working calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any, ClassVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import clock, vault
from tongxin.core.actors import Actor
from tongxin.core.config_cache import ConfigManager
from tongxin.core.models import AppendOnlyModel, AppendOnlyScopedManager, TimeStampedModel
from tongxin.core.scoping import Scope, ScopedManager, ScopedQuerySet, paths_q
from tongxin.orgs.models import DepartmentKind, Organisation
from tongxin.orgs.roles import Duty, Role
from tongxin.people.models import Person
from tongxin.places.models import Place

from .workflow import OPEN_STATES, Act, State


class Level(models.TextChoices):
    """Who handles a case: the grid, the community, a department, or the duty roster."""

    GRID = "grid", gettext_lazy("网格")
    COMMUNITY = "community", gettext_lazy("社区")
    DEPARTMENT = "department", gettext_lazy("职能部门")
    ROSTER = "roster", gettext_lazy("值班")


class Priority(models.TextChoices):
    EMERGENCY = "emergency", gettext_lazy("紧急")
    URGENT = "urgent", gettext_lazy("加急")
    NORMAL = "normal", gettext_lazy("一般")


class Channel(models.TextChoices):
    APP = "app", gettext_lazy("一键上报")
    HOTLINE = "hotline", gettext_lazy("热线电话")
    PATROL = "patrol", gettext_lazy("网格巡查")
    VISIT = "visit", gettext_lazy("入户走访")
    MESSAGE_BOX = "message_box", gettext_lazy("门栋留言箱")
    ONLINE_GROUP = "online_group", gettext_lazy("网上群组")
    TRANSFER = "transfer", gettext_lazy("部门转办")
    API = "api", gettext_lazy("接口")
    OPEN311 = "open311", "Open311"


class Feedback(models.TextChoices):
    SATISFIED = "satisfied", gettext_lazy("满意")
    BASIC = "basic", gettext_lazy("基本满意")
    UNSATISFIED = "unsatisfied", gettext_lazy("不满意")


class CaseCategory(models.Model):
    """A node of the configurable category tree (环境卫生 › 井盖…), with a stable ``code``.

    A category says who handles its cases by default (``level``; for department-level ones the
    ``department_kind``), which duty chain finds the responsible person (``duty``), and whether
    the community must attend in person (``must_attend``: 三必到). Deadlines live in
    ``CaseDeadline`` per priority; a sub-category without its own inherits its parent's.
    """

    parent = models.ForeignKey(
        "self",
        verbose_name=gettext_lazy("上级分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.CharField(gettext_lazy("编码"), max_length=40, unique=True)
    name = models.CharField(gettext_lazy("名称"), max_length=50)
    description = models.CharField(gettext_lazy("说明"), max_length=200, blank=True)
    level = models.CharField(
        gettext_lazy("处置层级"), max_length=16, choices=Level.choices, default=Level.GRID
    )
    department_kind = models.CharField(
        gettext_lazy("责任部门类别"), max_length=32, choices=DepartmentKind.choices, blank=True
    )
    duty = models.CharField(
        gettext_lazy("责任链"), max_length=32, choices=Duty.choices, default=Duty.GENERAL
    )
    must_attend = models.BooleanField(gettext_lazy("三必到"), default=False)
    # Extra questions a reporter answers (Open311 service attributes): a list of
    # {"code", "datatype", "description", "required", "order", "values": [{"key", "name"}]}.
    attributes = models.JSONField(gettext_lazy("补充问题"), default=list, blank=True)
    keywords = models.CharField(gettext_lazy("关键词"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(gettext_lazy("排序"), default=0)
    is_active = models.BooleanField(gettext_lazy("启用"), default=True)

    objects = ConfigManager()

    class Meta:
        verbose_name = gettext_lazy("诉求分类")
        verbose_name_plural = gettext_lazy("诉求分类")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def lineage(self) -> list[CaseCategory]:
        """This category and its ancestors, nearest first."""
        out: list[CaseCategory] = []
        node: CaseCategory | None = self
        while node is not None and len(out) < 10:
            out.append(node)
            node = node.parent
        return out

    @property
    def full_name(self) -> str:
        return " › ".join(c.name for c in reversed(self.lineage()))


class CaseDeadline(models.Model):
    """How long a case of a category and priority may take, per clock (minutes).

    ``category`` empty: the default for the priority. ``working_time``: count only working
    minutes (working days, office hours), as ordinary services do; emergencies run on the
    wall clock.
    """

    category = models.ForeignKey(
        CaseCategory,
        verbose_name=gettext_lazy("分类"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadlines",
    )
    priority = models.CharField(gettext_lazy("紧急程度"), max_length=16, choices=Priority.choices)
    accept_minutes = models.PositiveIntegerField(gettext_lazy("受理时限(分钟)"))
    arrive_minutes = models.PositiveIntegerField(
        gettext_lazy("到场时限(分钟)"), null=True, blank=True
    )
    resolve_minutes = models.PositiveIntegerField(gettext_lazy("办结时限(分钟)"))
    working_time = models.BooleanField(gettext_lazy("按工作时间计"), default=False)

    objects = ConfigManager()

    class Meta:
        verbose_name = gettext_lazy("办理时限")
        verbose_name_plural = gettext_lazy("办理时限")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "priority"], name="case_deadline_unique_category_priority"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or _('默认')} {self.get_priority_display()}"


class CaseQuerySet(ScopedQuerySet):
    def open(self) -> CaseQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def for_detail(self) -> CaseQuerySet:
        """With what a case's page and API answer show beside it (one query)."""
        return self.select_related(
            "category__parent",
            "place",
            "grid",
            "assignee_person",
            "assignee_org",
            "owner",
            "supervisor",
            "reporter_person",
            "merged_into",
        )

    def public_to(self, user: Actor) -> CaseQuerySet:
        """The cases a user is a party to without seeing them in full (not in
        ``visible_to``): those they filed for someone else and those they said "me too" on.
        Only their public face is shown (``cases.api.case_detail`` decides what that is)."""
        user_id = user.pk or 0
        supported = CaseSupport.objects.filter(user_id=user_id).values("case_id")
        qs = self.filter(Q(reporter_user_id=user_id) | Q(pk__in=supported))
        qs.is_scoped = True
        return qs


def case_ref(at: dt.datetime, pk: int) -> str:
    """A case's reference: ``SQ``, the local date of the report, ``-``, the id (at least six
    digits). At most 8 digits stand together, so a ref never reads as a phone or ID number."""
    return f"SQ{clock.local(at):%Y%m%d}-{pk:06d}"


class Case(TimeStampedModel):
    """One problem or request, from report to close.

    ``place`` is where it is (the most precise place the location resolved to: dwelling,
    building, estate or grid); ``place_path`` copies its path for scoped, indexed subtree
    queries and ``grid`` is the grid it falls in. The reporter is a registered person or a name
    and a phone number (sealed by the vault); ``anonymous`` hides them from the public, never
    from staff. ``assignee_person`` / ``assignee_org`` is who must act now; ``owner`` the first
    staff member who received it (首问责任人) until someone else accepts it.
    """

    ref = models.CharField(gettext_lazy("编号"), max_length=24, unique=True)
    # What intake wrote beside a new case (``services.intake.Fresh``), for its answer; None
    # on a case read from the database.
    fresh: Any = None
    # Intake answered a repeated Idempotency-Key with this case, filed before.
    replayed: bool = False
    # The moment of the report, set by intake (its reference carries the local date), so the
    # row is inserted once with both; defaults to now for rows made any other way.
    created_at = models.DateTimeField(gettext_lazy("创建时间"), default=clock.now)
    category = models.ForeignKey(
        CaseCategory,
        verbose_name=gettext_lazy("分类"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    priority = models.CharField(
        gettext_lazy("紧急程度"), max_length=16, choices=Priority.choices, default=Priority.NORMAL
    )
    channel = models.CharField(gettext_lazy("来源渠道"), max_length=16, choices=Channel.choices)
    state = models.CharField(
        gettext_lazy("状态"),
        max_length=16,
        choices=State.choices,
        default=State.REPORTED,
        db_index=True,
    )
    description = models.TextField(gettext_lazy("问题描述"), max_length=4000)
    answers = models.JSONField(gettext_lazy("补充信息"), default=dict, blank=True)

    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("上报账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
    )
    reporter_person = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("上报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
    )
    reporter_name = models.CharField(gettext_lazy("上报人姓名"), max_length=50, blank=True)
    reporter_phone_cipher = models.TextField(blank=True, editable=False)
    reporter_phone_masked = models.CharField(gettext_lazy("联系电话"), max_length=20, blank=True)
    anonymous = models.BooleanField(gettext_lazy("对外匿名"), default=False)

    lat = models.FloatField(gettext_lazy("纬度"), null=True, blank=True)
    lng = models.FloatField(gettext_lazy("经度"), null=True, blank=True)
    address = models.CharField(gettext_lazy("地址"), max_length=200, blank=True)
    place = models.ForeignKey(
        Place,
        verbose_name=gettext_lazy("地点"),
        null=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    place_path = models.CharField(max_length=255, blank=True, editable=False)
    grid = models.ForeignKey(
        Place,
        verbose_name=gettext_lazy("网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_cases",
    )
    location_source = models.CharField(gettext_lazy("定位方式"), max_length=16, blank=True)
    resolution = models.JSONField(gettext_lazy("定位结果"), default=dict, blank=True)

    level = models.CharField(
        gettext_lazy("处置层级"), max_length=16, choices=Level.choices, blank=True
    )
    assignee_person = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("当前处置人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    assignee_org = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("当前处置单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    owner = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("首问责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_cases",
    )
    supervisor = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("督办/升级至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_cases",
    )
    suspended_from = models.CharField(max_length=16, choices=State.choices, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=gettext_lazy("合并至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
    )

    accept_due = models.DateTimeField(gettext_lazy("受理时限"), null=True, blank=True)
    arrive_due = models.DateTimeField(gettext_lazy("到场时限"), null=True, blank=True)
    resolve_due = models.DateTimeField(
        gettext_lazy("办结时限"), null=True, blank=True, db_index=True
    )
    # The planned clocks and how far each has gone (see ``sla``): {"accept": {"yellow": iso,
    # "red": iso, "due": iso, "stage": "" | "yellow" | "red" | "due" | "stopped"}, ...}.
    clocks = models.JSONField(default=dict, blank=True)
    breach_level = models.PositiveSmallIntegerField(gettext_lazy("超时升级次数"), default=0)
    overdue = models.BooleanField(gettext_lazy("已超时"), default=False, db_index=True)
    supervised = models.BooleanField(gettext_lazy("督办"), default=False)

    accepted_at = models.DateTimeField(gettext_lazy("立案时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(gettext_lazy("到场时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(gettext_lazy("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(gettext_lazy("结案时间"), null=True, blank=True)
    resolved_on_time = models.BooleanField(gettext_lazy("按时办结"), null=True, blank=True)
    result = models.TextField(gettext_lazy("处置结果"), max_length=4000, blank=True)
    feedback = models.CharField(
        gettext_lazy("回访评价"), max_length=16, choices=Feedback.choices, blank=True
    )
    feedback_at = models.DateTimeField(gettext_lazy("回访时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(gettext_lazy("重办次数"), default=0)
    support_count = models.PositiveIntegerField(gettext_lazy("附议人数"), default=0)
    public_note = models.CharField(gettext_lazy("公开进展"), max_length=500, blank=True)
    # The client's ``Idempotency-Key`` of the report, when it sent one: a retry of a request
    # whose answer was lost (a timeout, a 503 after the commit) finds this case instead of
    # filing a second one. Unique per reporting account. A database default too: the bulk
    # loaders insert cases with their own column lists.
    idempotency_key = models.CharField(
        max_length=80, blank=True, default="", db_default="", editable=False
    )

    objects = models.Manager.from_queryset(CaseQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("民情诉求")
        verbose_name_plural = gettext_lazy("民情诉求")
        indexes = [
            models.Index(
                fields=["place_path"], name="case_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["grid", "state"], name="case_grid_state"),
            models.Index(fields=["assignee_person", "state"], name="case_assignee_state"),
            models.Index(fields=["assignee_org", "state"], name="case_org_state"),
            models.Index(fields=["category", "state", "lat"], name="case_category_state_lat"),
            models.Index(fields=["created_at"], name="case_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state=State.MERGED) | Q(merged_into__isnull=False),
                name="case_merged_has_target",
            ),
            models.UniqueConstraint(
                fields=["reporter_user", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="case_one_report_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.category.name}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Staff see the cases of the places they handle; everyone sees what they reported,
        what is assigned to them or to their organisation, and what their department was
        called in on (吹哨)."""
        q = (
            paths_q("place_path", scope.case_paths)
            | Q(reporter_person_id__in=scope.person_ids)
            | Q(assignee_person_id__in=scope.person_ids)
            | Q(owner_id__in=scope.person_ids)
            | Q(supervisor_id__in=scope.person_ids)
        )
        if scope.org_ids:
            q |= Q(assignee_org_id__in=scope.org_ids)
            # The cases the user's organisations were called in on, as a list when it is
            # short: every branch of the OR then stays an index lookup (a subquery in an OR
            # makes PostgreSQL and SQLite scan the whole table).
            ids = called_case_ids_of(scope)
            if ids is None:
                called = DepartmentCall.objects.filter(organisation_id__in=scope.org_ids)
                q |= Q(pk__in=called.values("case_id"))
            elif ids:
                q |= Q(pk__in=ids)
        return q

    def seen_in(self, scope: Scope, *, called: Collection[int] | None = None) -> bool | None:
        """Whether ``scope_q`` (under ``visible_to``) holds for this case, decided from the
        fields in hand: True or False, or None when only the database can say (the scope's
        organisations were called in on more cases than a scope keeps in memory). ``called``:
        the cases the scope's organisations were called in on, when the caller knows them
        (none, for a case just written). Kept in step with ``scope_q`` by
        ``test_seen_in_agrees_with_scope_q``."""
        if scope.is_empty:
            return False
        if any(self.place_path.startswith(p) for p in scope.case_paths):
            return True
        people = (self.reporter_person_id, self.assignee_person_id, self.owner_id)
        if any(pid in scope.person_ids for pid in (*people, self.supervisor_id)):
            return True
        if not scope.org_ids:
            return False
        if self.assignee_org_id in scope.org_ids:
            return True
        if called is None:
            called = called_case_ids_of(scope)
            if called is None:
                return None
        return self.pk in called

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def reporter_label(self) -> str:
        """The reporter as staff see it (name, masked phone)."""
        name = self.reporter_person.name if self.reporter_person else self.reporter_name
        bits = [b for b in (name, self.reporter_phone_masked) if b]
        return " ".join(bits) or _("未留姓名")

    def reporter_phone(self) -> str:
        """The full number, for a reveal only (audited by the caller)."""
        if not self.reporter_phone_cipher:
            return ""
        return vault.decrypt(self.reporter_phone_cipher, context=REPORTER_PHONE_CONTEXT)

    def assignee_label(self) -> str:
        if self.assignee_person_id and self.assignee_person:
            return self.assignee_person.name
        if self.assignee_org_id and self.assignee_org:
            return self.assignee_org.name
        return _("未分派")


REPORTER_PHONE_CONTEXT = "case.reporter_phone"
CALLED_INLINE = 2000  # see Case.scope_q


def called_case_ids_of(scope: Scope) -> list[int] | None:
    """The cases the scope's organisations were called in on, or None when there are more
    than ``CALLED_INLINE`` (then a subquery). Read once per scope, that is once per request:
    the scope is computed per request and kept on the user."""
    cached = scope.__dict__.get("_called_case_ids", False)
    if cached is False:
        rows = DepartmentCall.objects.filter(organisation_id__in=scope.org_ids).values_list(
            "case_id", flat=True
        )
        ids = list(rows[: CALLED_INLINE + 1])
        cached = None if len(ids) > CALLED_INLINE else ids
        object.__setattr__(scope, "_called_case_ids", cached)  # a frozen dataclass's memo
    return cached  # type: ignore[no-any-return]


class CaseEvent(AppendOnlyModel):
    """One act on a case, in the append-only timeline: who, when, what, from and to which
    state, the note, and any attachments (``data["uploads"]``). ``public`` events (and their
    notes) may be shown to the reporter and through Open311.

    Append-only (``AppendOnlyModel``, its default ``AppendOnlyManager``): a correction is a
    new event, never an edit of an old one."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField(default=clock.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(max_length=100, blank=True)
    act = models.CharField(max_length=16, choices=Act.choices)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    note = models.TextField(max_length=4000, blank=True)
    public = models.BooleanField(default=True)
    data = models.JSONField(default=dict, blank=True)

    objects: ClassVar[AppendOnlyScopedManager[CaseEvent]] = AppendOnlyScopedManager()

    class Meta:
        verbose_name = gettext_lazy("办理记录")
        verbose_name_plural = gettext_lazy("办理记录")
        ordering = ["case", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="case_event_unique_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.get_act_display()}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Those of the cases the user may see."""
        return Q(case_id__in=Case.objects.filter(Case.scope_q(scope)).values("pk"))


class RoutingRule(models.Model):
    """A routing rule (category × place × time → level and target), tried before the default.

    Empty fields match anything. The most specific matching rule wins (category, then place
    depth, then ``order``). ``hours``: ``working`` or ``off`` hours only. A rule names a
    ``target_org`` (a department, a property company…), a ``target_role`` to look up at the
    place (through the posts), or only a ``level``.
    """

    class Hours(models.TextChoices):
        ANY = "", gettext_lazy("不限")
        WORKING = "working", gettext_lazy("工作时间")
        OFF = "off", gettext_lazy("非工作时间")

    name = models.CharField(gettext_lazy("规则名称"), max_length=100)
    category = models.ForeignKey(
        CaseCategory,
        verbose_name=gettext_lazy("分类"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    place = models.ForeignKey(
        Place,
        verbose_name=gettext_lazy("地点范围"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    priority = models.CharField(
        gettext_lazy("紧急程度"), max_length=16, choices=Priority.choices, blank=True, default=""
    )
    hours = models.CharField(
        gettext_lazy("时段"), max_length=8, choices=Hours.choices, blank=True, default=""
    )
    level = models.CharField(gettext_lazy("处置层级"), max_length=16, choices=Level.choices)
    target_org = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("处置单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    target_role = models.CharField(
        gettext_lazy("处置职务"), max_length=32, choices=Role.choices, blank=True
    )
    order = models.PositiveSmallIntegerField(gettext_lazy("顺序"), default=0)
    is_active = models.BooleanField(gettext_lazy("启用"), default=True)

    objects = ConfigManager()

    class Meta:
        verbose_name = gettext_lazy("分拨规则")
        verbose_name_plural = gettext_lazy("分拨规则")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class RoutingDecision(AppendOnlyModel):
    """Where a case was sent and why: each automatic routing and each dispatcher override.

    Append-only (``AppendOnlyModel``) and read per user (``visible_to``): a re-routing is a
    new decision, so the reasons of every earlier one stay as they were."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="routings")
    at = models.DateTimeField(default=clock.now)
    rule = models.ForeignKey(RoutingRule, null=True, blank=True, on_delete=models.SET_NULL)
    level = models.CharField(max_length=16, choices=Level.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT)
    reason = models.TextField()
    override = models.BooleanField(default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    objects: ClassVar[AppendOnlyScopedManager[RoutingDecision]] = AppendOnlyScopedManager()

    class Meta:
        verbose_name = gettext_lazy("分拨记录")
        verbose_name_plural = gettext_lazy("分拨记录")
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.person or self.organisation or self.level}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """The routing of the cases the user may see."""
        return Q(case_id__in=Case.objects.filter(Case.scope_q(scope)).values("pk"))


class DepartmentCall(TimeStampedModel):
    """One department called in on a case (吹哨), its report-in (报到) and its part."""

    class Status(models.TextChoices):
        CALLED = "called", gettext_lazy("待报到")
        REPORTED_IN = "reported_in", gettext_lazy("已报到")
        DONE = "done", gettext_lazy("已处置")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="calls")
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("部门"),
        on_delete=models.PROTECT,
        related_name="case_calls",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CALLED)
    request = models.TextField(gettext_lazy("需协助事项"), max_length=2000, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    report_due = models.DateTimeField(gettext_lazy("报到时限"))
    reported_at = models.DateTimeField(gettext_lazy("报到时间"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    done_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(gettext_lazy("处置情况"), max_length=4000, blank=True)
    late = models.BooleanField(gettext_lazy("超时报到"), default=False)

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("吹哨报到")
        verbose_name_plural = gettext_lazy("吹哨报到")
        constraints = [
            models.UniqueConstraint(fields=["case", "organisation"], name="department_call_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.organisation} {self.get_status_display()}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Those of the cases the user may see."""
        return Q(case_id__in=Case.objects.filter(Case.scope_q(scope)).values("pk"))


class CaseSupport(models.Model):
    """A resident saying "me too" (我也遇到) on an open case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    at = models.DateTimeField(default=clock.now)

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("附议")
        verbose_name_plural = gettext_lazy("附议")
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="case_support_once"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} +{self.user_id}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Those of the cases the user may see."""
        return Q(case_id__in=Case.objects.filter(Case.scope_q(scope)).values("pk"))


class DutyShift(models.Model):
    """A 24-hour duty roster entry (值班): who is on duty for a community or street, when."""

    place = models.ForeignKey(
        Place,
        verbose_name=gettext_lazy("值班范围"),
        on_delete=models.CASCADE,
        related_name="duty_shifts",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("值班人"),
        on_delete=models.PROTECT,
        related_name="duty_shifts",
    )
    starts_at = models.DateTimeField(gettext_lazy("开始"))
    ends_at = models.DateTimeField(gettext_lazy("结束"))
    phone = models.CharField(gettext_lazy("值班电话"), max_length=32, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("值班表")
        verbose_name_plural = gettext_lazy("值班表")
        indexes = [models.Index(fields=["place", "starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="duty_shift_ends_after"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place} {self.person} {self.starts_at:%m-%d %H:%M}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """The roster of the places whose cases the user handles, and their own shifts."""
        return paths_q("place__path", scope.case_paths) | Q(person_id__in=scope.person_ids)


class WorkCalendarDay(models.Model):
    """An admin's override of the working calendar for one day: a holiday, or a make-up
    working day (调休上班). Days not listed follow the published arrangement."""

    date = models.DateField(gettext_lazy("日期"), unique=True)
    is_workday = models.BooleanField(gettext_lazy("是否工作日"))
    note = models.CharField(gettext_lazy("说明"), max_length=50, blank=True)

    objects = ConfigManager()

    class Meta:
        verbose_name = gettext_lazy("工作日历调整")
        verbose_name_plural = gettext_lazy("工作日历调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {_('上班') if self.is_workday else _('休息')}"


class WorkCalendarYear(models.Model):
    """An administrator's confirmation that a year's arrangement — the public holidays and the
    make-up working days (调休上班) the State Council publishes each November or December — is
    in force as the working calendar has it (the package's data plus ``WorkCalendarDay``
    overrides). Until a year the ``chinese_calendar`` package does not know is confirmed, the
    clocks count its statutory holidays from the ``holidays`` package and no make-up days, and
    the workbench warns (from 1 November for the next year)."""

    year = models.PositiveSmallIntegerField(gettext_lazy("年份"), unique=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(gettext_lazy("确认时间"), default=clock.now)
    note = models.CharField(
        gettext_lazy("说明"),
        max_length=200,
        blank=True,
        help_text=gettext_lazy("如：国办发明电〔2026〕X号"),
    )

    class Meta:
        verbose_name = gettext_lazy("年度节假日安排确认")
        verbose_name_plural = gettext_lazy("年度节假日安排确认")
        ordering = ["-year"]

    def __str__(self) -> str:
        return _("{year}年节假日安排已确认").format(year=self.year)

    def save(self, *args: Any, **kwargs: Any) -> None:
        from .worktime import forget_confirmations

        super().save(*args, **kwargs)
        transaction.on_commit(forget_confirmations)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        from .worktime import forget_confirmations

        out = super().delete(*args, **kwargs)
        transaction.on_commit(forget_confirmations)
        return out


# The category model's trained versions (cases/suggest/models.py), rows of this app.
from .suggest.models import SuggestModel  # noqa: E402, F401
