"""API of the eldercare alarm: ``GET /api/v1/alarms?state=open``, one alarm with its card,
``POST /api/v1/alarms/{id}/actions/{act}`` (``ack``, ``depart``, ``arrive``, ``resolve`` with
``outcome``), the measures, and the device registry. Thin: parse, authorise, call, answer;
errors in the one envelope; out of scope is 404."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from tongxin.core import audit
from tongxin.core.api_support import PageMeta, Text, caller, paginate
from tongxin.core.errors import Forbidden, ValidationFailed
from tongxin.core.i18n import lazy_str
from tongxin.core.scoping import access, scope_for

from . import selectors, services
from .models import Alarm, AlarmState

router = Router(tags=["alarms"])


class PersonRef(Schema):
    id: int
    name: str


class AlarmOut(Schema):
    id: int
    kind: str
    state: str
    state_label: Text
    person: PersonRef
    device: str
    dwelling: str
    opened_at: dt.datetime
    acked_at: dt.datetime | None = None
    acked_by: PersonRef | None = None
    arrive_by: dt.datetime | None = None
    arrived_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    outcome: str
    acts: list[str]


class ContactOut(Schema):
    id: int
    name: str
    phone_masked: str


class CardOut(Schema):
    name: str
    age: int | None = None
    dwelling: str
    conditions: str
    phone_masked: str
    family: list[ContactOut]
    helpers: list[PersonRef]


class AlarmDetailOut(AlarmOut):
    card: CardOut


class AlarmPage(PageMeta):
    items: list[AlarmOut]


class ActIn(Schema):
    outcome: str = ""
    note: str = ""


class MeasureRow(Schema):
    grid: str
    alarms: int
    ack_median_s: float | None = None
    arrive_median_s: float | None = None
    false_presses: int
    false_rate: float


class MeasuresOut(Schema):
    month: str
    items: list[MeasureRow]
    total: MeasureRow
    devices_offline: int
    devices_low_battery: int


class DeviceOut(Schema):
    id: int
    code: str
    person: PersonRef
    dwelling: str
    state: str
    online: bool
    battery: int | None = None
    last_seen_at: dt.datetime | None = None


class DevicePage(PageMeta):
    items: list[DeviceOut]


def _ref(p: Any) -> dict[str, Any] | None:
    return {"id": p.pk, "name": p.name} if p is not None else None


def alarm_out(a: Alarm) -> dict[str, Any]:
    return {
        "id": a.pk,
        "kind": a.kind,
        "state": a.state,
        "state_label": a.get_state_display(),
        "person": _ref(a.person),
        "device": a.device.code,
        "dwelling": a.device.place.name,
        "opened_at": a.opened_at,
        "acked_at": a.acked_at,
        "acked_by": _ref(a.acked_by) if a.acked_by_id else None,
        "arrive_by": a.arrive_by,
        "arrived_at": a.arrived_at,
        "closed_at": a.closed_at,
        "outcome": a.outcome,
        "acts": selectors.acts_for(a),
    }


STATES = {"active", "all", *AlarmState.values}


@router.get("/alarms", response=AlarmPage, summary=lazy_str("报警列表"))
def list_alarms(request: HttpRequest, state: str = "active", page: int = 1) -> Any:
    """The alarms the caller may see: ``state`` = ``active`` (default: open, acknowledged, on
    the way, arrived), ``open``, another state, or ``all``; open first, oldest first."""
    if state not in STATES:
        raise ValidationFailed(
            _("未知的状态"), fields=[{"field": "state", "reason": _("未知的状态")}]
        )
    qs = selectors.alarms(caller(request), state=state).select_related("acked_by")
    sl = paginate(qs, page)
    return sl.answer([alarm_out(a) for a in sl.items])


@router.get("/alarms/measures", response=MeasuresOut, summary=lazy_str("报警响应统计"))
def alarm_measures(request: HttpRequest, month: str = "") -> Any:
    """Per grid, for the alarms of ``month`` (YYYY-MM, this month by default) in the caller's
    scope: the median seconds to acknowledge and to arrive, the false presses and their rate;
    and the devices offline now."""
    if month and not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", month):
        raise ValidationFailed(
            _("月份格式应为 YYYY-MM"), fields=[{"field": "month", "reason": _("格式错误")}]
        )
    return selectors.measures(caller(request), month=month or None)


@router.get("/alarms/{alarm_id}", response=AlarmDetailOut, summary=lazy_str("报警详情"))
def get_alarm(request: HttpRequest, alarm_id: int) -> Any:
    """One alarm with the resident's emergency card (numbers masked). Audited."""
    user = caller(request)
    alarm = access(
        Alarm.objects.visible_to(user).select_related("person", "device", "device__place"),
        alarm_id,
    )
    audit.record(actor=user, action="alarm.view", obj=alarm, subject_person_id=alarm.person_id)
    c = selectors.card(alarm)
    return {
        **alarm_out(alarm),
        "card": {
            "name": c.name,
            "age": c.age,
            "dwelling": c.dwelling,
            "conditions": c.conditions,
            "phone_masked": c.phone_masked,
            "family": [
                {"id": f.pk, "name": f.name, "phone_masked": f.phone_masked} for f in c.family
            ],
            "helpers": [_ref(h) for h in c.helpers],
        },
    }


@router.post("/alarms/{alarm_id}/actions/{act}", response=AlarmOut, summary=lazy_str("响应报警"))
def alarm_action(request: HttpRequest, alarm_id: int, act: str, payload: ActIn) -> Any:
    """``ack`` (paging stops for everyone; arrival is due by the policy's deadline), ``depart``,
    ``arrive``, ``resolve`` (``outcome``: false_press, handled, ambulance, hospital). A move
    the state does not allow: 409 ``TRANSITION_NOT_ALLOWED``."""
    alarm = services.alarm_act(
        actor=caller(request),
        alarm_id=alarm_id,
        act=act,
        outcome=payload.outcome,
        note=payload.note,
    )
    return alarm_out(alarm)


@router.get("/alarm-devices", response=DevicePage, summary=lazy_str("爱心铃设备"))
def list_alarm_devices(request: HttpRequest, page: int = 1) -> Any:
    """The devices of the caller's care scope, offline and low battery first."""
    user = caller(request)
    if not scope_for(user).care_paths:
        raise Forbidden(_("爱心铃设备登记只对负责关爱的工作人员开放"))
    sl = paginate(selectors.devices(user), page)
    return sl.answer(
        [
            {
                "id": d.pk,
                "code": d.code,
                "person": _ref(d.person),
                "dwelling": d.place.name,
                "state": d.state,
                "online": d.online,
                "battery": d.battery,
                "last_seen_at": d.last_seen_at,
            }
            for d in sl.items
        ]
    )
