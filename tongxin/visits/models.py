"""Visits (三必到五必访, 天天敲门, 结对帮扶): cadence rules as data, one schedule per cared-for
resident, visit tasks and their records, and the helpers paired with a resident who knock daily.

Everything here is about vulnerable residents, so every row is scoped like care tags
(``Scope.care_paths``), with two narrow additions: whoever a task is assigned to sees that task,
and whoever recorded a visit sees their own record; a pair is seen by its own helpers too.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from tongxin.core.config_cache import ConfigManager
from tongxin.core.models import TimeStampedModel
from tongxin.core.scoping import Scope, ScopedManager, paths_q
from tongxin.orgs.models import Post
from tongxin.orgs.roles import Duty, Role
from tongxin.people.models import CareKind, Person
from tongxin.places.models import Place


class Interval(models.TextChoices):
    """How often (calendar periods; the values are those of ``meetings.models.Cadence``)."""

    DAILY = "daily", gettext_lazy("每天")
    WEEKLY = "weekly", gettext_lazy("每周")
    MONTHLY = "monthly", gettext_lazy("每月")
    QUARTERLY = "quarterly", gettext_lazy("每季度")
    HALF_YEARLY = "half_yearly", gettext_lazy("每半年")
    YEARLY = "yearly", gettext_lazy("每年")
    ON_TRIGGER = "on_trigger", gettext_lazy("触发时")


class Method(models.TextChoices):
    HOME = "home", gettext_lazy("入户走访")
    PHONE = "phone", gettext_lazy("电话联系")
    VIDEO = "video", gettext_lazy("视频通话")
    HOSPITAL = "hospital", gettext_lazy("医院探望")


class Trigger(models.TextChoices):
    NEW_TAG = "new_tag", gettext_lazy("新增关爱标签")
    HOSPITAL = "hospital", gettext_lazy("住院")
    RELEASE = "release", gettext_lazy("刑满释放")
    MUST_ATTEND = "must_attend", gettext_lazy("三必到事件")
    MAJOR_CHANGE = "major_change", gettext_lazy("重大变故")
    ALARM_DEVICE = "alarm_device", gettext_lazy("爱心铃离线或电量低")


class RiskTier(models.TextChoices):
    NONE = "", gettext_lazy("未分级")
    HIGH = "high", gettext_lazy("高风险")
    KEY = "key", gettext_lazy("重点")
    GENERAL = "general", gettext_lazy("一般")


class CadenceRule(models.Model):
    """One must-visit rule: for residents with a care tag of ``care_kind`` (and/or of
    ``risk_tier``), the holder of ``role`` (found up the responsibility chain: A, then B, then
    up; else whoever ``duty``'s chain names) makes contact every ``interval`` by one of
    ``methods``; ``grace_days`` after the period a visit is late, after that missed. A rule
    with ``triggers`` also schedules a visit within ``trigger_hours`` of each trigger."""

    code = models.SlugField(gettext_lazy("编码"), max_length=40, unique=True)
    name = models.CharField(gettext_lazy("名称"), max_length=80)
    care_kind = models.CharField(
        gettext_lazy("关爱类别"), max_length=32, choices=CareKind.choices, blank=True
    )
    risk_tier = models.CharField(
        gettext_lazy("风险等级"), max_length=10, choices=RiskTier.choices, blank=True
    )
    role = models.CharField(gettext_lazy("走访职务"), max_length=32, choices=Role.choices)
    duty = models.CharField(
        gettext_lazy("递补职责链"), max_length=32, choices=Duty.choices, default=Duty.CARE
    )
    interval = models.CharField(gettext_lazy("周期"), max_length=16, choices=Interval.choices)
    grace_days = models.PositiveSmallIntegerField(gettext_lazy("宽限天数"), default=0)
    methods = models.JSONField(gettext_lazy("计入的联系方式"), default=list)
    triggers = models.JSONField(gettext_lazy("触发事件"), default=list, blank=True)
    trigger_hours = models.PositiveSmallIntegerField(gettext_lazy("触发后时限(小时)"), default=24)
    any_visitor = models.BooleanField(
        gettext_lazy("任何人走访均计入"),
        default=True,
        help_text=gettext_lazy("不勾选时只有该职务本人的走访计入（如书记年度慰问）"),
    )
    start_date = models.DateField(gettext_lazy("生效日期"), null=True, blank=True)
    end_date = models.DateField(gettext_lazy("失效日期"), null=True, blank=True)

    objects = ConfigManager()

    class Meta:
        verbose_name = gettext_lazy("走访规则")
        verbose_name_plural = gettext_lazy("走访规则")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CareSchedule(TimeStampedModel):
    """One merged schedule per cared-for resident: their risk tier and the last contact."""

    person = models.OneToOneField(
        Person, verbose_name=gettext_lazy("居民"), on_delete=models.CASCADE, related_name="+"
    )
    risk_tier = models.CharField(
        gettext_lazy("风险等级"), max_length=10, choices=RiskTier.choices, blank=True
    )
    place_path = models.CharField(max_length=255, editable=False, db_index=True)
    grid = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    last_contact_at = models.DateTimeField(gettext_lazy("最近联系"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("走访计划")
        verbose_name_plural = gettext_lazy("走访计划")

    def __str__(self) -> str:
        return str(self.person)

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return paths_q("place_path", scope.care_paths)


class TaskState(models.TextChoices):
    OPEN = "open", gettext_lazy("待走访")
    DONE = "done", gettext_lazy("已走访")
    MISSED = "missed", gettext_lazy("漏访")
    CANCELLED = "cancelled", gettext_lazy("已取消")


class VisitTask(TimeStampedModel):
    """One visit owed: a resident, a rule, a period (or a trigger), and who owes it."""

    person = models.ForeignKey(
        Person, verbose_name=gettext_lazy("居民"), on_delete=models.CASCADE, related_name="+"
    )
    rule = models.ForeignKey(
        CadenceRule, verbose_name=gettext_lazy("规则"), on_delete=models.PROTECT
    )
    trigger = models.CharField(
        gettext_lazy("触发事件"), max_length=16, choices=Trigger.choices, blank=True
    )
    period_start = models.DateField(gettext_lazy("周期开始"))
    due_by = models.DateTimeField(gettext_lazy("应访时限"), db_index=True)
    late_by = models.DateTimeField(gettext_lazy("漏访时限"))
    state = models.CharField(
        gettext_lazy("状态"), max_length=12, choices=TaskState.choices, default=TaskState.OPEN
    )
    assignee_post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("走访人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assign_reason = models.CharField(gettext_lazy("派定依据"), max_length=300, blank=True)
    escalated_to = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalation_steps = models.PositiveSmallIntegerField(default=0, editable=False)
    done_at = models.DateTimeField(gettext_lazy("走访时间"), null=True, blank=True)
    # Why an open visit was cancelled (the care tag that required it ended), kept with it.
    cancel_reason = models.CharField(gettext_lazy("取消原因"), max_length=200, blank=True)
    record = models.ForeignKey(
        "VisitRecord", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    place_path = models.CharField(max_length=255, editable=False)
    grid = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("走访任务")
        verbose_name_plural = gettext_lazy("走访任务")
        indexes = [
            models.Index(fields=["assignee", "state", "due_by"], name="visit_task_mine"),
            models.Index(fields=["person", "state"], name="visit_task_person"),
            models.Index(fields=["state", "due_by"], name="visit_task_due"),
            models.Index(
                fields=["place_path"], name="visit_task_path", opclasses=["varchar_pattern_ops"]
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "rule", "period_start", "trigger"], name="visit_task_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.rule} {self.period_start}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        # The chain above sees the visits it was told about (a branch secretary holds no care
        # paths): every step of an overdue visit's escalation, not only the latest.
        told = VisitEscalation.objects.filter(person_id__in=scope.person_ids).values("task_id")
        return (
            paths_q("place_path", scope.care_paths)
            | Q(assignee_id__in=scope.person_ids)
            | Q(pk__in=told)
        )

    def overdue_at(self, at: dt.datetime) -> bool:
        return self.state == TaskState.OPEN and self.due_by < at


class VisitEscalation(models.Model):
    """One step of an overdue visit's escalation up the chain: whom it told, why, and when
    (the first at the due time, then one level further up each step while it stays open)."""

    task = models.ForeignKey(VisitTask, on_delete=models.CASCADE, related_name="escalations")
    step = models.PositiveSmallIntegerField()
    person = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=100)
    at = models.DateTimeField()

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("走访超期提醒")
        verbose_name_plural = gettext_lazy("走访超期提醒")
        ordering = ["task_id", "step"]
        constraints = [
            models.UniqueConstraint(fields=["task", "step"], name="visit_escalation_once"),
        ]
        indexes = [models.Index(fields=["person"], name="visit_escalation_person")]

    def __str__(self) -> str:
        return f"{self.task_id} {self.step}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q(task__in=VisitTask.objects.filter(VisitTask.scope_q(scope)).values("pk"))


class Level(models.TextChoices):
    OK = "ok", gettext_lazy("正常")
    CONCERN = "concern", gettext_lazy("需关注")
    URGENT = "urgent", gettext_lazy("紧急")


CHECKLIST_ITEMS = {
    "health": gettext_lazy("身体状况"),
    "safety": gettext_lazy("居家安全"),
    "mood": gettext_lazy("情绪状态"),
    "living": gettext_lazy("生活条件"),
    "needs": gettext_lazy("诉求需求"),
}


class VisitRecord(TimeStampedModel):
    """A contact made: when, how, who was met, the checklist, notes, what it raised."""

    person = models.ForeignKey(
        Person, verbose_name=gettext_lazy("居民"), on_delete=models.CASCADE, related_name="+"
    )
    visitor = models.ForeignKey(
        Person, verbose_name=gettext_lazy("走访人"), on_delete=models.PROTECT, related_name="+"
    )
    visited_at = models.DateTimeField(gettext_lazy("走访时间"), db_index=True)
    method = models.CharField(gettext_lazy("方式"), max_length=16, choices=Method.choices)
    met = models.CharField(gettext_lazy("见到何人"), max_length=100, blank=True)
    checklist = models.JSONField(gettext_lazy("情况"), default=dict)
    notes = models.TextField(gettext_lazy("记录"), blank=True)
    photo = models.CharField(gettext_lazy("照片"), max_length=64, blank=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    need = models.ForeignKey(
        "matching.Need", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    place_path = models.CharField(max_length=255, editable=False)
    grid = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("走访记录")
        verbose_name_plural = gettext_lazy("走访记录")
        indexes = [
            models.Index(fields=["person", "visited_at"], name="visit_record_person"),
            models.Index(
                fields=["place_path"], name="visit_record_path", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.visited_at:%Y-%m-%d}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return paths_q("place_path", scope.care_paths) | Q(visitor_id__in=scope.person_ids)


class HelperKind(models.TextChoices):
    GRID_WORKER = "grid_worker", gettext_lazy("网格员")
    IN_SERVICE = "in_service", gettext_lazy("在职党员")
    SINKING = "sinking", gettext_lazy("下沉党员")
    NEIGHBOUR = "neighbour", gettext_lazy("邻居")
    BUILDING_HEAD = "building_head", gettext_lazy("楼栋长")


class Pair(TimeStampedModel):
    """A 天天敲门 group (结对帮扶): the helpers paired with one vulnerable resident, and the
    time by which someone must have knocked (or called) and heard an answer each day."""

    person = models.ForeignKey(
        Person, verbose_name=gettext_lazy("帮扶对象"), on_delete=models.CASCADE, related_name="+"
    )
    knock_by = models.TimeField(gettext_lazy("每日敲门时限"), default=dt.time(10, 0))
    active = models.BooleanField(gettext_lazy("有效"), default=True)
    ended_reason = models.CharField(gettext_lazy("结束原因"), max_length=200, blank=True)
    place_path = models.CharField(max_length=255, editable=False)
    grid = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("结对帮扶")
        verbose_name_plural = gettext_lazy("结对帮扶")
        indexes = [
            models.Index(
                fields=["place_path"], name="visit_pair_path", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return str(self.person)

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        mine = PairHelper.objects.filter(person_id__in=scope.person_ids).values("pair_id")
        return paths_q("place_path", scope.care_paths) | Q(pk__in=mine)


class PairHelper(models.Model):
    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="helpers")
    person = models.ForeignKey(
        Person, verbose_name=gettext_lazy("帮扶人"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(gettext_lazy("身份"), max_length=16, choices=HelperKind.choices)
    order = models.PositiveSmallIntegerField(gettext_lazy("顺序"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("帮扶人")
        verbose_name_plural = gettext_lazy("帮扶人")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pair", "person"], name="visit_pair_helper_once"),
        ]

    def __str__(self) -> str:
        return str(self.person)

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q(pair__in=Pair.objects.filter(Pair.scope_q(scope)).values("pk"))


class Knock(TimeStampedModel):
    """One knock (or call) on one day: answered (见到了) or not (没人应答)."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="knocks")
    day = models.DateField(gettext_lazy("日期"))
    helper = models.ForeignKey(
        Person, verbose_name=gettext_lazy("敲门人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(gettext_lazy("时间"))
    answered = models.BooleanField(gettext_lazy("见到了"))

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("敲门记录")
        verbose_name_plural = gettext_lazy("敲门记录")
        indexes = [models.Index(fields=["pair", "day"], name="visit_knock_day")]

    def __str__(self) -> str:
        return f"{self.pair} {self.day}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q(pair__in=Pair.objects.filter(Pair.scope_q(scope)).values("pk"))


class KnockAlert(models.Model):
    """One step of a missed knock's escalation on one day: whom it told, and why."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="alerts")
    day = models.DateField()
    step = models.PositiveSmallIntegerField()
    person = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=100)
    at = models.DateTimeField()

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("敲门未应答提醒")
        verbose_name_plural = gettext_lazy("敲门未应答提醒")
        constraints = [
            models.UniqueConstraint(fields=["pair", "day", "step"], name="visit_alert_once"),
        ]

    def __str__(self) -> str:
        return f"{self.pair} {self.day} {self.step}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q(pair__in=Pair.objects.filter(Pair.scope_q(scope)).values("pk"))
