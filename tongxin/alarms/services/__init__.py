"""Writes of the eldercare alarm: registering and revoking devices, opening an alarm from a
press or a fall, the device's cancel, the responders' acts, and the clock's escalation (page
the next step while nobody has acknowledged; page again when arrival lapses; remind the
responder until the alarm is resolved). Every act is audited; every page is an inbox message
(the SMS seam follows through the inbox's channels) and an ``AlarmPage`` row."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from typing import Any

from django.db import InterfaceError, OperationalError, transaction
from django.utils.translation import gettext as _

from tongxin.core import audit, clock, taskqueue, tokens
from tongxin.core.actors import Actor, person_id_of
from tongxin.core.errors import Forbidden, ValidationFailed
from tongxin.core.scoping import access
from tongxin.inbox.services import notify
from tongxin.people.models import Person

from .. import routing
from ..config import LOW_BATTERY
from ..models import (
    ACTIVE_STATES,
    Alarm,
    AlarmKind,
    AlarmPage,
    AlarmState,
    Device,
    DeviceEvent,
    DeviceState,
    EscalationPolicy,
    Outcome,
)
from ..workflow import ALARM_MACHINE, RESPONDER_ACTS, AlarmAct

MESSAGE_KIND = "alarm"
log = logging.getLogger("tongxin.alarms")


DEVICE_CODE = re.compile(r"[-a-zA-Z0-9_]{3,40}")  # its MQTT client id and topic level


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# ---------------------------------------------------------------------------------- devices
def device_register(
    *,
    actor: Actor | None,
    person: Person,
    code: str = "",
    conditions: str = "",
    family: list[Person] | None = None,
    policy: EscalationPolicy | None = None,
) -> tuple[Device, str]:
    """Register a button for ``person`` in their dwelling; returns the device and the password
    it is issued (shown once; the broker's password file gets it, we keep its hash)."""
    if person.place is None:
        raise ValidationFailed(
            _("该居民没有登记住址，不能安装爱心铃"),
            fields=[{"field": "person", "reason": _("没有住址")}],
        )
    code = (code or "").strip() or f"axl-{tokens.mint(10).lower()}"
    if not DEVICE_CODE.fullmatch(code):
        raise ValidationFailed(
            _("设备编号只能包含字母、数字、连字符和下划线（3 到 40 个）"),
            fields=[{"field": "code", "reason": _("编号格式不正确")}],
        )
    if Device.objects.filter(code=code).exists():
        raise ValidationFailed(
            _("设备编号已被使用"), fields=[{"field": "code", "reason": _("编号重复")}]
        )
    secret = tokens.mint(24)
    with transaction.atomic():
        device = Device.objects.create(
            code=code,
            credential_hash=_hash(secret),
            person=person,
            place=person.place,
            place_path=person.place_path,
            grid_id=person.grid_id,
            conditions=conditions.strip()[:300],
            policy=policy,
        )
        if family:
            device.family.set(family)
        if actor is not None and not Device.objects.visible_to(actor).filter(pk=device.pk).exists():
            raise Forbidden(_("您无权为该居民登记爱心铃"))
        audit.record(
            actor=actor,
            action="alarm.device_register",
            obj=device,
            subject_person_id=person.pk,
            detail={"code": code},
        )
    return device, secret


def device_revoke(*, actor: Actor, device_id: int) -> Device:
    with transaction.atomic():
        device = access(Device.objects.visible_to(actor).select_for_update(), device_id)
        if device.state == DeviceState.REVOKED:
            return device
        device.state = DeviceState.REVOKED
        device.online = False
        device.save(update_fields=["state", "online", "updated_at"])
        audit.record(
            actor=actor,
            action="alarm.device_revoke",
            obj=device,
            subject_person_id=device.person_id,
        )
    return device


SEEN_FIELDS = ["last_seen_at", "online", "battery", "updated_at"]


def device_seen(
    device: Device, at: dt.datetime, *, battery: int | None = None, save: bool = True
) -> None:
    """A message arrived from ``device``: it is online; a battery level below the threshold
    (crossing it, not each report) becomes a task for the grid worker. With ``save=False``
    the caller writes ``SEEN_FIELDS`` itself (the listener's batch of heartbeats: one
    statement for many devices); what the message sets off (the audit row of a device back
    online, the grid worker's task) is done here either way."""
    fields = ["last_seen_at", "online"]
    came_back = not device.online
    device.last_seen_at, device.online = at, True
    if battery is not None:
        was = device.battery
        device.battery = max(0, min(100, battery))
        fields.append("battery")
        if device.battery < LOW_BATTERY and (was is None or was >= LOW_BATTERY):
            _tell_grid_worker(
                device,
                _("爱心铃电量低：{name}").format(name=device.person.name),
                _("{name}家的爱心铃电量 {battery}%，请尽快更换电池。").format(
                    name=device.person.name, battery=device.battery
                ),
            )
    device.updated_at = clock.now()
    if save:
        device.save(update_fields=[*fields, "updated_at"])
    if came_back:
        audit.record(actor=None, action="alarm.device_online", obj=device)


def device_offline(device: Device, *, reason: str) -> None:
    """``device`` went silent (its last will, or no heartbeat in time): it is offline, the grid
    worker is told to check it, and an alarm still active on it escalates at once."""
    if not device.online:
        return
    device.online = False
    device.save(update_fields=["online", "updated_at"])
    audit.record(actor=None, action="alarm.device_offline", obj=device, detail={"why": reason})
    _tell_grid_worker(
        device,
        _("爱心铃离线：{name}").format(name=device.person.name),
        _("{name}家的爱心铃已离线（{reason}），请上门查看。").format(
            name=device.person.name, reason=reason
        ),
    )
    for alarm in Alarm.objects.filter(device=device, state__in=ACTIVE_STATES):
        _escalate_now(alarm.pk)


def _tell_grid_worker(device: Device, subject: str, body: str) -> None:
    """Offline or low battery: a visit task on the grid worker's care worklist (visits' one
    mechanism: the rule answering ``alarm_device`` names who owes it; a home visit closes
    it), unless one is still open for this resident; and a message saying what is wrong,
    linking to that task."""
    task = device_task(device)
    who = task.assignee_id if task is not None and task.assignee_id else None
    notify(
        recipients=[who or routing.grid_worker_of(device.place)],
        kind="alarm_device",
        subject=subject,
        body=body,
        link=f"/visits/{task.pk}/" if task is not None else "/alarms/devices/",
        topic=f"alarm-device:{device.pk}",
    )


def device_task(device: Device) -> Any:
    """The open visit task owed for ``device``'s resident because of the device (made now
    when none is open); ``None`` when no rule answers it."""
    from tongxin.visits.models import TaskState, Trigger, VisitTask
    from tongxin.visits.services import visit_trigger

    open_task = (
        VisitTask.objects.filter(
            person_id=device.person_id, trigger=Trigger.ALARM_DEVICE, state=TaskState.OPEN
        )
        .order_by("pk")
        .first()
    )
    if open_task is not None:
        return open_task
    made = visit_trigger(person=device.person, trigger=Trigger.ALARM_DEVICE)
    return made[0] if made else None


# ---------------------------------------------------------------------------------- alarms
def alarm_open(*, device: Device, kind: str, at: dt.datetime) -> Alarm:
    """A press (or a fall) on ``device``: an alarm, unless one is already active on it (a
    second press adds to that one). The first step fires after the cancel window and the
    step's wait, whichever is longer; the clock takes it from there."""
    active = Alarm.objects.filter(device=device, state__in=ACTIVE_STATES).order_by("pk").first()
    if active is not None:
        return active
    now = clock.now()
    alarm = Alarm(
        device=device,
        person_id=device.person_id,
        kind=kind,
        opened_at=now,
        place_path=device.place_path,
        grid_id=device.grid_id,
    )
    alarm.device = device
    policy = routing.policy_of(alarm)
    window = dt.timedelta(seconds=policy.cancel_window)
    alarm.cancel_until = now + window if kind == AlarmKind.PRESS else None
    alarm.next_at = now + max(
        window if kind == AlarmKind.PRESS else dt.timedelta(0), routing.wait_of(policy, 0)
    )
    alarm.save()
    audit.record(
        actor=None,
        action="alarm.open",
        obj=alarm,
        subject_person_id=alarm.person_id,
        detail={"device": device.code, "kind": kind, "pressed_at": at.isoformat()},
    )
    if alarm.next_at <= now:
        _page_now(alarm)
    else:
        _schedule(alarm)
    return alarm


def _page_now(alarm: Alarm) -> None:
    """The first step is due at once (no cancel window and no wait: a fall, or a policy that
    pages at once): the clock's act runs here, in the press's own transaction, so that the
    first notification is written with the alarm, not after a worker's poll. Should paging
    fail (a policy that does not make sense), its savepoint is rolled back and the alarm is
    left to the clock (the queued tick, the sweep): the press itself is never lost. A lost
    connection is the caller's to retry (the listener does, with the whole message)."""
    try:
        alarm_tick(alarm.pk)
    except (OperationalError, InterfaceError):
        raise
    except Exception:  # any fault of paging: the clock tries again
        log.exception("alarm %s: paging at once failed; left to the clock", alarm.pk)
        _schedule(alarm)
        return
    alarm.refresh_from_db()


def alarm_cancel(*, device: Device) -> Alarm | None:
    """The device's cancel: within the window the open alarm is a false press (nobody was
    paged); after it, the cancel is only noted and the responders carry on."""
    now = clock.now()
    alarm = (
        Alarm.objects.select_for_update()
        .filter(device=device, state=AlarmState.OPEN)
        .order_by("pk")
        .first()
    )
    if alarm is None:
        return None
    if alarm.cancel_until is not None and now <= alarm.cancel_until and not alarm.pages.exists():
        ALARM_MACHINE.move(alarm, AlarmAct.CANCEL)
        alarm.outcome, alarm.closed_at, alarm.next_at = Outcome.FALSE_PRESS, now, None
        alarm.save(update_fields=["state", "outcome", "closed_at", "next_at", "updated_at"])
        audit.record(actor=None, action="alarm.cancel", obj=alarm, detail={"false_press": True})
    else:
        alarm.note = (alarm.note + " " + _("设备端已按取消")).strip()[:300]
        alarm.save(update_fields=["note", "updated_at"])
        audit.record(actor=None, action="alarm.cancel_late", obj=alarm)
    return alarm


def alarm_act(*, actor: Actor, alarm_id: int, act: str, outcome: str = "", note: str = "") -> Alarm:
    """A responder's act: ``ack`` (paging stops for everyone; arrival is due by the policy's
    deadline), ``depart``, ``arrive`` (at the dwelling), ``resolve`` (with an ``outcome``)."""
    me = person_id_of(actor)
    outcome = (outcome or "").strip()
    now = clock.now()
    with transaction.atomic():
        alarm = access(
            Alarm.objects.visible_to(actor).select_for_update().select_related("device"),
            alarm_id,
        )
        if act not in RESPONDER_ACTS:
            ALARM_MACHINE.ensure(act, alarm.state)  # unknown: UNKNOWN_ACTION
            raise Forbidden(_("该操作由设备或系统执行"))
        if me is None:
            raise Forbidden(_("只有登记了身份的人员才能响应报警"))
        if act == AlarmAct.RESOLVE and outcome not in Outcome.values:
            raise ValidationFailed(
                _("请选择处置结果"),
                fields=[{"field": "outcome", "reason": _("必须选择处置结果")}],
            )
        to = None
        if act == AlarmAct.RESOLVE:
            to = AlarmState.FALSE_ALARM if outcome == Outcome.FALSE_PRESS else AlarmState.RESOLVED
        ALARM_MACHINE.move(alarm, act, to)
        policy = routing.policy_of(alarm)
        fields = ["state", "next_at", "updated_at"]
        if act == AlarmAct.ACK:
            alarm.acked_at, alarm.acked_by_id = now, me
            alarm.arrive_by = now + dt.timedelta(seconds=policy.arrive_within)
            alarm.next_at = alarm.arrive_by
            fields += ["acked_at", "acked_by", "arrive_by"]
        elif act == AlarmAct.DEPART:
            alarm.departed_at = now
            alarm.acked_by_id = alarm.acked_by_id or me
            fields += ["departed_at", "acked_by"]
        elif act == AlarmAct.ARRIVE:
            alarm.arrived_at = now
            alarm.next_at = now + dt.timedelta(seconds=policy.remind_every)
            fields += ["arrived_at"]
        else:
            alarm.outcome, alarm.closed_at, alarm.next_at = outcome, now, None
            alarm.note = (note or "").strip()[:300]
            fields += ["outcome", "closed_at", "note"]
        alarm.save(update_fields=fields)
        audit.record(
            actor=actor,
            action=f"alarm.{act}",
            obj=alarm,
            subject_person_id=alarm.person_id,
            detail={"state": alarm.state, "outcome": outcome}
            if outcome
            else {"state": alarm.state},
        )
        if act == AlarmAct.ACK:
            _tell_others_acknowledged(alarm, actor)
        _schedule(alarm)
    return alarm


def _tell_others_acknowledged(alarm: Alarm, actor: Actor) -> None:
    """Everyone paged learns that someone has it (and stops being paged)."""
    others = set(AlarmPage.objects.filter(alarm=alarm).values_list("person_id", flat=True))
    others.discard(person_id_of(actor) or 0)
    if others:
        notify(
            recipients=sorted(others),
            kind=MESSAGE_KIND,
            subject=_("{name}的求助已有人响应").format(name=alarm.person.name),
            link=f"/alarms/{alarm.pk}/",
            topic=f"alarm:{alarm.pk}",
        )


# ---------------------------------------------------------------------------------- the clock
def _schedule(alarm: Alarm) -> None:
    if alarm.next_at is not None:
        from ..tasks import alarm_tick

        taskqueue.defer(alarm_tick, alarm.pk, run_after=alarm.next_at)


def alarm_tick(alarm_id: int) -> str:
    """What the clock does for one alarm when its moment has come (idempotent: nothing when the
    moment has not come or was already acted on). Open: page the next step. Acknowledged or on
    the way past the arrival deadline: back to open, paging at once. Arrived: remind the
    responder to record the outcome."""
    now = clock.now()
    with transaction.atomic():
        alarm = (
            Alarm.objects.select_for_update()
            .select_related("device", "device__place", "person")
            .filter(pk=alarm_id)
            .first()
        )
        if alarm is None or alarm.next_at is None or alarm.next_at > now:
            return "not due"
        policy = routing.policy_of(alarm)
        if alarm.state in (AlarmState.ACKNOWLEDGED, AlarmState.ON_THE_WAY):
            ALARM_MACHINE.move(alarm, AlarmAct.LAPSE)
            audit.record(actor=None, action="alarm.lapse", obj=alarm)
            _remind(alarm, _("{name}的求助：到场超时，已重新通知").format(name=alarm.person.name))
            done = _page_step(alarm, policy, now)
        elif alarm.state == AlarmState.OPEN:
            done = _page_step(alarm, policy, now)
        elif alarm.state == AlarmState.ARRIVED:
            _remind(alarm, _("{name}的求助尚未填写处置结果").format(name=alarm.person.name))
            alarm.next_at = now + dt.timedelta(seconds=policy.remind_every)
            alarm.save(update_fields=["next_at", "updated_at"])
            done = "reminded"
        else:
            alarm.next_at = None
            alarm.save(update_fields=["next_at", "updated_at"])
            done = "closed"
        _schedule(alarm)
    return done


def _page_step(alarm: Alarm, policy: EscalationPolicy, now: dt.datetime) -> str:
    steps = policy.steps or routing.FALLBACK_STEPS
    if alarm.step >= len(steps):
        if not policy.repeat:
            alarm.next_at = None
            alarm.save(update_fields=["state", "next_at", "updated_at"])
            return "exhausted"
        alarm.step, alarm.rounds = 0, alarm.rounds + 1
    step = steps[alarm.step]
    who = routing.targets(alarm, list(step.get("notify", [])))
    label = alarm.get_kind_display()
    messages = notify(
        recipients=[p for p, _r in who],
        kind=MESSAGE_KIND,
        subject=_("【紧急】{name}{kind}").format(name=alarm.person.name, kind=label),
        body=_("{place}，请立即响应并前往。").format(place=alarm.device.place.name),
        link=f"/alarms/{alarm.pk}/",
        topic=f"alarm:{alarm.pk}",
    )
    by_person = {m.recipient_id: m for m in messages}
    AlarmPage.objects.bulk_create(
        [
            AlarmPage(
                alarm=alarm,
                step=alarm.step,
                rounds=alarm.rounds,
                person=p,
                reason=reason[:100],
                at=now,
                message=by_person.get(p.pk),
            )
            for p, reason in who
        ]
    )
    audit.record(
        actor=None,
        action="alarm.page",
        obj=alarm,
        detail={"step": alarm.step, "round": alarm.rounds, "persons": [p.pk for p, _r in who]},
    )
    alarm.step += 1
    alarm.next_at = now + routing.wait_of(policy, alarm.step)
    alarm.save(update_fields=["state", "step", "rounds", "next_at", "updated_at"])
    return f"paged {len(who)}"


def _remind(alarm: Alarm, subject: str) -> None:
    if alarm.acked_by_id:
        notify(
            recipients=[alarm.acked_by_id],
            kind=MESSAGE_KIND,
            subject=subject,
            link=f"/alarms/{alarm.pk}/",
            topic=f"alarm:{alarm.pk}",
        )


def _escalate_now(alarm_id: int) -> None:
    """Act on an active alarm at once (its device went offline): an acknowledged one lapses
    back to open, an open one pages its next step."""
    Alarm.objects.filter(pk=alarm_id, state__in=ACTIVE_STATES).exclude(
        state=AlarmState.ARRIVED
    ).update(next_at=clock.now())
    alarm_tick(alarm_id)


def sweep(*, heartbeat_timeout: dt.timedelta | None = None) -> str:
    """The periodic job: act on every alarm whose moment has passed (a lost task is caught
    here) and mark offline the devices silent for longer than the heartbeat timeout."""
    from ..config import heartbeat_timeout as default_timeout

    now = clock.now()
    due = list(
        Alarm.objects.filter(state__in=ACTIVE_STATES, next_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in due:
        alarm_tick(pk)
    limit = now - (heartbeat_timeout or default_timeout())
    silent = Device.objects.filter(
        state=DeviceState.ACTIVE, online=True, last_seen_at__lt=limit
    ).select_related("person", "place")
    gone = 0
    for device in silent:
        with transaction.atomic():
            device_offline(device, reason=_("心跳超时"))
            gone += 1
    return f"alarms {len(due)}, offline {gone}"


def prune_device_log(*, batch: int = 5000) -> str:
    """The nightly retention of the device log (``config.event_log_days``): heartbeats,
    battery reports, statuses and refused messages older than the period go, in batches;
    presses, falls, cancels and every row of an alarm stay. One audit row says how many."""
    from ..config import event_log_days
    from .protocol import ALARM_TYPES

    days = event_log_days()
    before = clock.start_of_day(clock.today() - dt.timedelta(days=days))
    total = 0
    while True:
        with transaction.atomic():
            n = DeviceEvent._prune_before(before, keep_kinds=ALARM_TYPES, batch=batch)
        total += n
        if n < batch:
            break
    if total:
        audit.record(
            actor=None,
            action="alarms.log_pruned",
            detail={"deleted": total, "before": before.isoformat(), "days": days},
        )
    return f"device log: {total} rows before {before:%Y-%m-%d} removed"


def event_log(**fields: Any) -> DeviceEvent:
    return DeviceEvent.objects.create(**fields)
