"""The device protocol (docs/alarms.md): what a message on ``<root>/<device id>/event`` or
``<root>/<device id>/status`` means, checked and acted on in one transaction, and logged as a
``DeviceEvent`` whatever happens (refused messages with their reason). Nothing is answered on
the wire.

Events are JSON objects ``{"device", "type", "seq", "at", ...}``: ``type`` one of press,
cancel, fall, battery (alias low_battery, with ``level``), heartbeat (``battery`` optional);
``seq`` a counter the device increases with every event; ``at`` the device's ISO 8601 time.
A sequence number already accepted is a duplicate (a redelivery: logged, no effect); an older
one not seen before is a late message: an alarm event still counts, a heartbeat is stale.
The status topic carries the broker's last will (``{"state": "offline"}``) and the device's
``{"state": "online"}`` after it connects.

Messages take one of three lanes (``lane``): a press, cancel or fall, and the last will, are
**urgent** (``handle``: one transaction each, at once); heartbeats, battery reports and the
``online`` status are **beats**, which change nothing but the device's row and are written
many at a time (``handle_beats``: one transaction, one statement for the devices, one for
their log rows); anything else is handled one by one (``handle``), after the urgent ones.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from tongxin.alarms import services
from tongxin.core import clock

from ..config import topic_root
from ..models import AlarmKind, Device, DeviceEvent, DeviceState, Refusal

EVENT_TYPES = frozenset({"press", "cancel", "fall", "battery", "low_battery", "heartbeat"})
ALARM_TYPES = frozenset({"press", "cancel", "fall"})
BEAT_TYPES = frozenset({"heartbeat", "battery", "low_battery"})
URGENT, BEAT, OTHER = "urgent", "beat", "other"
MAX_PAYLOAD = 2048


@dataclass
class Parsed:
    code: str
    channel: str  # "event" or "status"
    body: dict[str, Any]


class Refused(Exception):
    def __init__(self, refusal: str, detail: str = "") -> None:
        super().__init__(detail or refusal)
        self.refusal, self.detail = refusal, detail


def parse(topic: str, payload: bytes) -> Parsed:
    root = topic_root()
    rest = topic[len(root) + 1 :] if topic.startswith(root + "/") else ""
    parts = rest.split("/")
    if len(parts) != 2 or not parts[0] or parts[1] not in ("event", "status"):
        raise Refused(Refusal.MALFORMED, f"topic {topic[:80]}")
    code, channel = parts
    if len(payload) > MAX_PAYLOAD:
        raise Refused(Refusal.MALFORMED, "payload too large")
    try:
        body = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        text = payload[:40].decode("utf-8", "replace")
        if channel == "status" and text.strip() in ("online", "offline"):
            return Parsed(code[:64], channel, {"state": text.strip()})
        raise Refused(Refusal.MALFORMED, "not JSON") from None
    if not isinstance(body, dict):
        raise Refused(Refusal.MALFORMED, "not a JSON object")
    return Parsed(code[:64], channel, body)


def _check_event(body: dict[str, Any]) -> tuple[str, int, dt.datetime]:
    kind = body.get("type")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        raise Refused(Refusal.UNKNOWN_TYPE, f"type {str(kind)[:20]}")
    seq = body.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0 or seq >= 2**62:
        raise Refused(Refusal.MALFORMED, "seq must be a non-negative integer")
    at_raw = body.get("at")
    at = parse_datetime(at_raw) if isinstance(at_raw, str) else None
    if at is None:
        raise Refused(Refusal.MALFORMED, "at must be an ISO 8601 time")
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return kind, seq, at


def _battery(body: dict[str, Any], kind: str) -> int | None:
    value = body.get("level" if kind in ("battery", "low_battery") else "battery")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def handle(topic: str, payload: bytes) -> DeviceEvent:
    """Check and act on one message; return its log row."""
    code = ""
    try:
        parsed = parse(topic, payload)
        code = parsed.code
        device = Device.objects.filter(code=code).select_related("person", "place").first()
        if device is None:
            raise Refused(Refusal.UNKNOWN_DEVICE)
        if device.state == DeviceState.REVOKED:
            raise Refused(Refusal.REVOKED)
        if parsed.channel == "status":
            return _status(device, parsed.body)
        if parsed.body.get("device", code) != code:
            raise Refused(Refusal.MISMATCH, str(parsed.body.get("device"))[:60])
        kind, seq, at = _check_event(parsed.body)
        return _event(device, parsed.body, kind, seq, at)
    except Refused as refusal:
        found = Device.objects.filter(code=code).first() if code else None
        return DeviceEvent.objects.create(
            device=found,
            device_code=code or topic[-64:],
            kind=str(_safe(payload).get("type", ""))[:16],
            payload=_safe(payload),
            refusal=refusal.refusal,
            detail=refusal.detail[:200],
        )


def _safe(payload: bytes) -> dict[str, Any]:
    try:
        body = json.loads(payload[:MAX_PAYLOAD].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {"raw": payload[:100].decode("utf-8", "replace")}
    return body if isinstance(body, dict) else {"raw": str(body)[:100]}


def _status(device: Device, body: dict[str, Any]) -> DeviceEvent:
    state = body.get("state")
    with transaction.atomic():
        locked = (
            Device.objects.select_for_update().select_related("person", "place").get(pk=device.pk)
        )
        if state == "offline":
            services.device_offline(locked, reason=_("设备断线（遗嘱消息）"))
        elif state == "online":
            services.device_seen(locked, clock.now())
        else:
            raise Refused(Refusal.MALFORMED, "state must be online or offline")
        return DeviceEvent.objects.create(
            device=device, device_code=device.code, kind=f"status:{state}", payload=body
        )


def _event(
    device: Device, body: dict[str, Any], kind: str, seq: int, at: dt.datetime
) -> DeviceEvent:
    try:
        with transaction.atomic():
            locked = (
                Device.objects.select_for_update()
                .select_related("person", "place")
                .get(pk=device.pk)
            )
            late = seq <= locked.last_seq
            if late and DeviceEvent.objects.filter(device=locked, seq=seq, refusal="").exists():
                raise Refused(Refusal.DUPLICATE, f"seq {seq}")
            if late and kind not in ALARM_TYPES:
                raise Refused(Refusal.STALE, f"seq {seq} after {locked.last_seq}")
            alarm = None
            services.device_seen(locked, clock.now(), battery=_battery(body, kind))
            if kind in ("press", "fall"):
                kind_of = AlarmKind.PRESS if kind == "press" else AlarmKind.FALL
                alarm = services.alarm_open(device=locked, kind=kind_of, at=at)
            elif kind == "cancel":
                alarm = services.alarm_cancel(device=locked)
            if seq > locked.last_seq:
                locked.last_seq = seq
                locked.save(update_fields=["last_seq"])
            return DeviceEvent.objects.create(
                device=locked,
                device_code=locked.code,
                kind=kind,
                seq=seq,
                sent_at=at,
                payload=body,
                alarm=alarm,
            )
    except IntegrityError:
        # Two deliveries of one message raced: the other one won.
        raise Refused(Refusal.DUPLICATE, f"seq {seq}") from None


# ------------------------------------------------------------------------------- the lanes
def lane(topic: str, payload: bytes) -> tuple[str, str]:
    """Which lane a message takes in the listener, and the device id its topic names ("" for
    a topic outside the scheme): ``URGENT`` (press, cancel, fall; the last will), ``BEAT``
    (heartbeat, battery; the ``online`` status) or ``OTHER`` (anything else: the checks of
    ``handle`` refuse it). Only reads the message; the checks come later."""
    try:
        parsed = parse(topic, payload)
    except Refused:
        return OTHER, ""
    if parsed.channel == "status":
        state = parsed.body.get("state")
        if state == "offline":
            return URGENT, parsed.code
        return (BEAT if state == "online" else OTHER), parsed.code
    kind = parsed.body.get("type")
    if kind in ALARM_TYPES:
        return URGENT, parsed.code
    return (BEAT if kind in BEAT_TYPES else OTHER), parsed.code


@dataclass
class Beat:
    """A heartbeat, battery report or ``online`` status as the listener received it."""

    topic: str
    payload: bytes
    at: dt.datetime  # when the listener received it: the device was seen then


@dataclass
class _Checked:
    beat: Beat
    code: str
    kind: str = ""
    seq: int | None = None
    sent_at: dt.datetime | None = None
    body: dict[str, Any] | None = None
    refusal: Refused | None = None


def _check_beat(beat: Beat) -> _Checked | None:
    """The checks of ``handle`` that need no database; ``None`` for a message that is not a
    beat after all (``handle`` takes it alone)."""
    code = ""
    try:
        parsed = parse(beat.topic, beat.payload)
        code = parsed.code
        if parsed.channel == "status":
            if parsed.body.get("state") != "online":
                return None
            return _Checked(beat, code, kind="status:online", body=parsed.body)
        if parsed.body.get("device", code) != code:
            raise Refused(Refusal.MISMATCH, str(parsed.body.get("device"))[:60])
        kind, seq, at = _check_event(parsed.body)
        if kind not in BEAT_TYPES:
            return None
        return _Checked(beat, code, kind=kind, seq=seq, sent_at=at, body=parsed.body)
    except Refused as refusal:
        return _Checked(beat, code, refusal=refusal)


def handle_beats(beats: Sequence[Beat]) -> list[DeviceEvent]:
    """Check and act on a batch of beats in arrival order, as ``handle`` would one by one
    (the same refusals: unknown, revoked, mismatch, malformed, duplicate, stale; the same
    effects: the device online and seen, its battery, a device back online audited, a low
    battery a task for the grid worker), in one transaction: the devices locked and read in
    one statement, their log rows written in one and their rows in one. What is not a beat
    after all is handed to ``handle``. Returns the log rows written."""
    checked: list[_Checked] = []
    alone: list[Beat] = []
    for beat in beats:
        item = _check_beat(beat)
        if item is None:
            alone.append(beat)
        else:
            checked.append(item)
    written: list[DeviceEvent] = []
    if checked:
        with transaction.atomic():
            written = _write_beats(checked)
    return written + [handle(b.topic, b.payload) for b in alone]


def _write_beats(checked: list[_Checked]) -> list[DeviceEvent]:
    codes = {c.code for c in checked if c.code}
    devices = {
        d.code: d for d in Device.objects.select_for_update().filter(code__in=codes).order_by("pk")
    }
    # The sequence numbers already accepted among those at or below a device's last: one query.
    late = [
        (devices[c.code].pk, c.seq)
        for c in checked
        if c.seq is not None and c.code in devices and c.seq <= devices[c.code].last_seq
    ]
    accepted: set[tuple[int, int | None]] = set()
    if late:
        accepted = set(
            DeviceEvent.objects.filter(
                device_id__in={d for d, _s in late}, seq__in={s for _d, s in late}, refusal=""
            ).values_list("device_id", "seq")
        )
    rows: list[DeviceEvent] = []
    changed: dict[int, Device] = {}
    for c in checked:
        device = devices.get(c.code)
        refusal = c.refusal
        if refusal is None:
            if device is None:
                refusal = Refused(Refusal.UNKNOWN_DEVICE)
            elif device.state == DeviceState.REVOKED:
                refusal = Refused(Refusal.REVOKED)
            elif c.seq is not None and (device.pk, c.seq) in accepted:
                refusal = Refused(Refusal.DUPLICATE, f"seq {c.seq}")
            elif c.seq is not None and c.seq <= device.last_seq:
                refusal = Refused(Refusal.STALE, f"seq {c.seq} after {device.last_seq}")
        if refusal is not None:
            body = _safe(c.beat.payload)
            rows.append(
                DeviceEvent(
                    device=device,
                    device_code=c.code or c.beat.topic[-64:],
                    kind=str(body.get("type", ""))[:16],
                    payload=body,
                    refusal=refusal.refusal,
                    detail=refusal.detail[:200],
                    received_at=c.beat.at,
                )
            )
            continue
        assert device is not None and c.body is not None
        services.device_seen(device, c.beat.at, battery=_battery(c.body, c.kind), save=False)
        if c.seq is not None:
            device.last_seq = c.seq
            accepted.add((device.pk, c.seq))
        changed[device.pk] = device
        rows.append(
            DeviceEvent(
                device=device,
                device_code=device.code,
                kind=c.kind,
                seq=c.seq,
                sent_at=c.sent_at,
                payload=c.body,
                received_at=c.beat.at,
            )
        )
    if changed:
        Device.objects.bulk_update(list(changed.values()), [*services.SEEN_FIELDS, "last_seq"])
    return DeviceEvent.objects.bulk_create(rows)
