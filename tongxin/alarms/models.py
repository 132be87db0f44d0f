"""The eldercare alarm (爱心铃): devices registered to a dwelling and a resident, the log of
every message a device sent (refused ones too, with the reason), escalation policies as data,
alarms with their state machine, and the record of whom each step paged.

Alarms concern vulnerable residents, so they are scoped like care tags (``Scope.care_paths``),
with one addition: whoever an alarm paged (or who acknowledged it) sees that alarm.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from tongxin.core import clock
from tongxin.core.models import AppendOnlyModel, AppendOnlyScopedManager, TimeStampedModel
from tongxin.core.scoping import Scope, ScopedManager, paths_q
from tongxin.people.models import Person
from tongxin.places.models import Place


class Target(models.TextChoices):
    """Whom an escalation step notifies (resolved when the step fires)."""

    HELPERS = "helpers", gettext_lazy("结对帮扶人")
    BUILDING_HEAD = "building_head", gettext_lazy("楼栋长")
    GRID_WORKER = "grid_worker", gettext_lazy("网格员（A/B角）")
    DUTY = "duty", gettext_lazy("社区值班")
    FAMILY = "family", gettext_lazy("家属")


class EscalationPolicy(models.Model):
    """How an alarm escalates, as data. ``steps`` is a list of
    ``{"wait": seconds, "notify": [Target…]}``: each step waits ``wait`` seconds after the
    previous one (the first after the press), then pages its targets; after the last step the
    steps ``repeat`` from the first until someone acknowledges. A press cancelled on the
    device within ``cancel_window`` seconds is a false press and pages nobody. Once
    acknowledged, the responder must arrive within ``arrive_within`` seconds (or paging starts
    again), and is reminded every ``remind_every`` seconds until the alarm is resolved."""

    code = models.SlugField(gettext_lazy("编码"), max_length=40, unique=True)
    name = models.CharField(gettext_lazy("名称"), max_length=80)
    steps = models.JSONField(gettext_lazy("升级步骤"), default=list)
    repeat = models.BooleanField(gettext_lazy("无人响应时循环"), default=True)
    cancel_window = models.PositiveIntegerField(gettext_lazy("取消窗口(秒)"), default=30)
    arrive_within = models.PositiveIntegerField(gettext_lazy("到场时限(秒)"), default=900)
    remind_every = models.PositiveIntegerField(gettext_lazy("提醒间隔(秒)"), default=600)

    class Meta:
        verbose_name = gettext_lazy("升级策略")
        verbose_name_plural = gettext_lazy("升级策略")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DeviceState(models.TextChoices):
    ACTIVE = "active", gettext_lazy("使用中")
    REVOKED = "revoked", gettext_lazy("已停用")


class Device(TimeStampedModel):
    """One 爱心铃 button in one dwelling, for one resident. ``code`` is its MQTT client id and
    the middle of its topics; ``credential_hash`` the SHA-256 of the password it was issued
    (the broker checks the password; we keep the hash to re-issue and to audit).
    ``conditions`` is what the resident agreed to share with responders (the emergency card)."""

    code = models.SlugField(gettext_lazy("设备编号"), max_length=40, unique=True)
    credential_hash = models.CharField(max_length=64, blank=True, editable=False)
    person = models.ForeignKey(
        Person, verbose_name=gettext_lazy("使用人"), on_delete=models.PROTECT, related_name="+"
    )
    place = models.ForeignKey(
        Place, verbose_name=gettext_lazy("安装住户"), on_delete=models.PROTECT, related_name="+"
    )
    place_path = models.CharField(max_length=255, editable=False)
    grid = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    state = models.CharField(
        gettext_lazy("状态"), max_length=10, choices=DeviceState.choices, default=DeviceState.ACTIVE
    )
    policy = models.ForeignKey(
        EscalationPolicy,
        verbose_name=gettext_lazy("升级策略"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    conditions = models.CharField(
        gettext_lazy("本人同意告知的健康情况"), max_length=300, blank=True
    )
    family = models.ManyToManyField(
        Person, verbose_name=gettext_lazy("家属联系人"), blank=True, related_name="+"
    )
    online = models.BooleanField(gettext_lazy("在线"), default=False)
    last_seen_at = models.DateTimeField(gettext_lazy("最近心跳"), null=True, blank=True)
    battery = models.PositiveSmallIntegerField(gettext_lazy("电量(%)"), null=True, blank=True)
    last_seq = models.BigIntegerField(default=0, editable=False)

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("爱心铃设备")
        verbose_name_plural = gettext_lazy("爱心铃设备")
        indexes = [
            models.Index(fields=["state", "online", "last_seen_at"], name="alarm_device_seen"),
            models.Index(
                fields=["place_path"], name="alarm_device_path", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return paths_q("place_path", scope.care_paths)


class Refusal(models.TextChoices):
    """Why a device message was not acted on (logged, never answered on the wire)."""

    NONE = "", gettext_lazy("已受理")
    MALFORMED = "malformed", gettext_lazy("格式错误")
    UNKNOWN_DEVICE = "unknown_device", gettext_lazy("未登记的设备")
    REVOKED = "revoked", gettext_lazy("设备已停用")
    MISMATCH = "mismatch", gettext_lazy("设备编号与主题不符")
    UNKNOWN_TYPE = "unknown_type", gettext_lazy("未知事件类型")
    DUPLICATE = "duplicate", gettext_lazy("重复消息")
    STALE = "stale", gettext_lazy("过期消息")


class DeviceEvent(AppendOnlyModel):
    """One message from (or about) a device, as it arrived: accepted or refused with a reason.
    At most one accepted row per device and sequence number: a redelivered message is logged
    as a duplicate and changes nothing."""

    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    device_code = models.CharField(max_length=64)
    kind = models.CharField(gettext_lazy("类型"), max_length=16, blank=True)
    seq = models.BigIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=clock.now, db_index=True)
    payload = models.JSONField(default=dict, blank=True)
    refusal = models.CharField(
        gettext_lazy("拒收原因"), max_length=16, choices=Refusal.choices, blank=True
    )
    detail = models.CharField(max_length=200, blank=True)
    alarm = models.ForeignKey(
        "Alarm", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar[AppendOnlyScopedManager[DeviceEvent]] = AppendOnlyScopedManager()

    class Meta:
        verbose_name = gettext_lazy("设备消息")
        verbose_name_plural = gettext_lazy("设备消息")
        constraints = [
            models.UniqueConstraint(
                fields=["device", "seq"],
                condition=Q(refusal="", seq__isnull=False),
                name="alarm_event_seq_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device_code} {self.kind} {self.seq}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q(device__in=Device.objects.filter(Device.scope_q(scope)).values("pk"))

    @classmethod
    def _prune_before(cls, before: dt.datetime, *, keep_kinds: frozenset[str], batch: int) -> int:
        """Retention of the device log, the one permitted delete of its rows: up to ``batch``
        of the oldest messages received before ``before`` that are nobody's alarm (no
        ``alarm`` and a kind outside ``keep_kinds``). Only
        ``tongxin.alarms.services.prune_device_log`` calls it, batch after batch, so that no
        statement holds the table for long. Returns the count."""
        old = (
            cls.objects.filter(received_at__lt=before, alarm__isnull=True)
            .exclude(kind__in=keep_kinds)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        # The plain QuerySet.delete, past AppendOnlyQuerySet's refusal, on purpose.
        deleted, _kinds = models.QuerySet.delete(cls.objects.filter(pk__in=list(old)))
        return deleted


class AlarmKind(models.TextChoices):
    PRESS = "press", gettext_lazy("按铃求助")
    FALL = "fall", gettext_lazy("跌倒报警")


class AlarmState(models.TextChoices):
    OPEN = "open", gettext_lazy("待响应")
    ACKNOWLEDGED = "acknowledged", gettext_lazy("已响应")
    ON_THE_WAY = "on_the_way", gettext_lazy("正在赶往")
    ARRIVED = "arrived", gettext_lazy("已到场")
    RESOLVED = "resolved", gettext_lazy("已处置")
    FALSE_ALARM = "false_alarm", gettext_lazy("误报")
    CANCELLED = "cancelled", gettext_lazy("已取消")


ACTIVE_STATES = (
    AlarmState.OPEN,
    AlarmState.ACKNOWLEDGED,
    AlarmState.ON_THE_WAY,
    AlarmState.ARRIVED,
)


class Outcome(models.TextChoices):
    FALSE_PRESS = "false_press", gettext_lazy("误按")
    HANDLED = "handled", gettext_lazy("现场处置")
    AMBULANCE = "ambulance", gettext_lazy("已呼叫120")
    HOSPITAL = "hospital", gettext_lazy("已送医")


class Alarm(TimeStampedModel):
    """One alarm of one device: its state, the escalation step it is at and when the clock
    acts on it next (``next_at``), and the moments of each act (the measures read them)."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="alarms")
    person = models.ForeignKey(
        Person, verbose_name=gettext_lazy("求助人"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(gettext_lazy("类型"), max_length=10, choices=AlarmKind.choices)
    state = models.CharField(
        gettext_lazy("状态"), max_length=16, choices=AlarmState.choices, default=AlarmState.OPEN
    )
    opened_at = models.DateTimeField(gettext_lazy("报警时间"), db_index=True)
    cancel_until = models.DateTimeField(null=True, blank=True)
    step = models.PositiveSmallIntegerField(default=0)
    rounds = models.PositiveSmallIntegerField(default=0)
    next_at = models.DateTimeField(null=True, blank=True, db_index=True)
    arrive_by = models.DateTimeField(gettext_lazy("到场时限"), null=True, blank=True)
    acked_at = models.DateTimeField(gettext_lazy("响应时间"), null=True, blank=True)
    acked_by = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("响应人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    departed_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(gettext_lazy("到场时间"), null=True, blank=True)
    closed_at = models.DateTimeField(gettext_lazy("结束时间"), null=True, blank=True)
    outcome = models.CharField(
        gettext_lazy("处置结果"), max_length=12, choices=Outcome.choices, blank=True
    )
    note = models.CharField(gettext_lazy("备注"), max_length=300, blank=True)
    place_path = models.CharField(max_length=255, editable=False)
    grid = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("爱心铃报警")
        verbose_name_plural = gettext_lazy("爱心铃报警")
        indexes = [
            models.Index(fields=["state", "next_at"], name="alarm_due"),
            models.Index(
                fields=["place_path"], name="alarm_path", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        paged = AlarmPage.objects.filter(person_id__in=scope.person_ids).values("alarm_id")
        return (
            paths_q("place_path", scope.care_paths)
            | Q(pk__in=paged)
            | Q(acked_by_id__in=scope.person_ids)
        )

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES


class AlarmPage(AppendOnlyModel):
    """One page sent: which alarm, which step and round, whom, why (the target), the message."""

    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="pages")
    step = models.PositiveSmallIntegerField()
    rounds = models.PositiveSmallIntegerField(default=0)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=100)
    at = models.DateTimeField(default=clock.now)
    message = models.ForeignKey(
        "inbox.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar[AppendOnlyScopedManager[AlarmPage]] = AppendOnlyScopedManager()

    class Meta:
        verbose_name = gettext_lazy("报警通知")
        verbose_name_plural = gettext_lazy("报警通知")
        indexes = [models.Index(fields=["person", "alarm"], name="alarm_page_person")]

    def __str__(self) -> str:
        return f"{self.alarm_id} {self.step} {self.person_id}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q(alarm__in=Alarm.objects.filter(Alarm.scope_q(scope)).values("pk"))
