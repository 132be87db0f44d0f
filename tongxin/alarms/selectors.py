"""Reads of the alarm: the on-call desk (active alarms the reader may see, open first), one
alarm's emergency card (the resident, the dwelling, what they agreed to share, the family and
the helpers, numbers masked), the device registry, and the measures (time to acknowledge and to
arrive, false presses, per grid and month; devices offline). Every read goes through
``visible_to``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from tongxin.core import clock
from tongxin.core.actors import Actor
from tongxin.core.scoping import paths_q, scope_for
from tongxin.people.models import Person
from tongxin.people.selectors import search_q
from tongxin.visits.selectors import helpers_for

from .config import LOW_BATTERY
from .models import (
    ACTIVE_STATES,
    Alarm,
    AlarmPage,
    AlarmState,
    Device,
    DeviceState,
    Outcome,
)
from .workflow import ALARM_MACHINE, RESPONDER_ACTS


def alarms(actor: Actor, *, state: str = "active") -> QuerySet[Alarm]:
    """The alarms ``actor`` may see: ``active`` (default), ``open``, a state, or ``all``;
    open first, then the oldest first (the one waiting longest)."""
    qs = Alarm.objects.visible_to(actor).select_related("person", "device", "device__place")
    if state == "active":
        qs = qs.filter(state__in=ACTIVE_STATES)
    elif state != "all":
        qs = qs.filter(state=state)
    first = Case(
        When(state=AlarmState.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return qs.annotate(first=first).order_by("first", "opened_at", "pk")


def acts_for(alarm: Alarm) -> list[str]:
    """The responder's acts allowed now, in order."""
    return [a for a in ALARM_MACHINE.acts_from(alarm.state) if a in RESPONDER_ACTS]


@dataclass
class Card:
    """The resident's emergency card: shown to those who may see the alarm; every phone
    masked (a responder reveals one through people's audited reveal)."""

    alarm: Alarm
    name: str
    age: int | None
    dwelling: str
    conditions: str
    phone_masked: str
    family: list[Any] = field(default_factory=list)
    helpers: list[Any] = field(default_factory=list)
    pages: list[AlarmPage] = field(default_factory=list)


def card(alarm: Alarm) -> Card:
    person = alarm.person
    age = None
    if person.birth_date:
        today = clock.today()
        born = person.birth_date
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return Card(
        alarm=alarm,
        name=person.name,
        age=age,
        dwelling=alarm.device.place.full_name(),
        conditions=alarm.device.conditions,
        phone_masked=person.phone_masked,
        family=list(alarm.device.family.all()),
        helpers=helpers_for(person),
        pages=list(alarm.pages.select_related("person").order_by("at", "pk")),
    )


DEVICE_STATUSES = ("online", "offline", "low_battery", "revoked")


def devices(actor: Actor, *, status: str = "", q: str = "") -> QuerySet[Device]:
    """The registry: offline and low-battery devices first. ``status``: ``online``,
    ``offline``, ``low_battery`` (the active ones), ``revoked``; anything else: all.
    ``q``: the device's code, or the resident as people's search box reads it."""
    qs = Device.objects.visible_to(actor).select_related("person", "place", "grid")
    if status == "online":
        qs = qs.filter(state=DeviceState.ACTIVE, online=True)
    elif status == "offline":
        qs = qs.filter(state=DeviceState.ACTIVE, online=False)
    elif status == "low_battery":
        qs = qs.filter(state=DeviceState.ACTIVE, battery__lt=LOW_BATTERY)
    elif status == "revoked":
        qs = qs.filter(state=DeviceState.REVOKED)
    q = (q or "").strip()
    if q:
        people = Person.objects.filter(search_q(q)).values("pk")
        qs = qs.filter(Q(code__icontains=q) | Q(person_id__in=people))
    return qs.order_by("-state", "online", "battery", "code")


def device_candidates(actor: Actor, q: str, *, limit: int = 20) -> list[Person]:
    """Residents of ``actor``'s care scope matching ``q`` (people's search box), with a
    dwelling (a button is installed in one); each with ``has_device`` (an active one)."""
    q = (q or "").strip()
    care = scope_for(actor).care_paths
    if not q or not care:
        return []
    found = list(
        Person.objects.visible_to(actor)
        .filter(paths_q("place_path", care), is_active=True, place__isnull=False)
        .filter(search_q(q))
        .select_related("place")
        .order_by("place_path", "pk")[:limit]
    )
    equipped = set(
        Device.objects.filter(person__in=found, state=DeviceState.ACTIVE).values_list(
            "person_id", flat=True
        )
    )
    for p in found:
        p.has_device = p.pk in equipped  # type: ignore[attr-defined]  # for the template
    return found


def family_choices(actor: Actor, person: Person) -> list[Person]:
    """Whom a device may name as family contacts: the resident's household, as ``actor``
    sees it."""
    if person.household_id is None:
        return []
    return list(
        Person.objects.visible_to(actor)
        .filter(household_id=person.household_id, is_active=True)
        .exclude(pk=person.pk)
        .order_by("pk")
    )


def _month(month: str | None) -> tuple[dt.datetime, dt.datetime, str]:
    if month:
        year, mon = (int(x) for x in month.split("-"))
        first = dt.date(year, mon, 1)
    else:
        first = clock.today().replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return clock.start_of_day(first), clock.start_of_day(nxt), first.strftime("%Y-%m")


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def _row(
    grid: str, count: int, ack: list[float], arrive: list[float], false: int
) -> dict[str, Any]:
    return {
        "grid": grid,
        "alarms": count,
        "ack_median_s": _median(ack),
        "arrive_median_s": _median(arrive),
        "false_presses": false,
        "false_rate": round(100 * false / count, 1) if count else 0.0,
    }


def alarm_times(actor: Actor, *, month: str | None = None) -> list[dict[str, Any]]:
    """Each alarm opened in ``month`` (YYYY-MM, this month by default) that ``actor`` may see,
    oldest first: its grid, kind, state and outcome, and the seconds from the press to the
    acknowledgement and to the arrival (``None`` when it has not happened). No names: what
    the data centre needs to see how fast people came."""
    start, end, _label = _month(month)
    rows = (
        Alarm.objects.visible_to(actor)
        .filter(opened_at__gte=start, opened_at__lt=end)
        .order_by("opened_at", "pk")
        .values_list(
            "pk",
            "grid_id",
            "grid__name",
            "kind",
            "state",
            "outcome",
            "opened_at",
            "acked_at",
            "arrived_at",
        )
    )
    return [
        {
            "id": pk,
            "grid_id": grid_id,
            "grid": grid or "",
            "kind": kind,
            "state": state,
            "outcome": outcome,
            "opened_at": opened,
            "ack_s": (acked - opened).total_seconds() if acked else None,
            "arrive_s": (arrived - opened).total_seconds() if arrived else None,
        }
        for pk, grid_id, grid, kind, state, outcome, opened, acked, arrived in rows
    ]


def measures(actor: Actor, *, month: str | None = None) -> dict[str, Any]:
    """Per grid and in all, for the alarms opened in ``month`` (YYYY-MM) that ``actor`` may
    see: how many, the median seconds to acknowledge and to arrive, false presses (cancelled
    on the device or settled as such) and their rate; and the devices offline and with a low
    battery now. The data centre calls this (and ``alarm_times``, ``months``) as it is."""
    _start, _end, label = _month(month)
    grids: dict[Any, dict[str, Any]] = {}
    every: dict[str, Any] = {"ack": [], "arrive": [], "false": 0, "n": 0}
    for row in alarm_times(actor, month=month):
        g = grids.setdefault(
            row["grid_id"], {"name": row["grid"], "ack": [], "arrive": [], "false": 0, "n": 0}
        )
        for bucket in (g, every):
            bucket["n"] += 1
            if row["ack_s"] is not None:
                bucket["ack"].append(row["ack_s"])
            if row["arrive_s"] is not None:
                bucket["arrive"].append(row["arrive_s"])
            if row["outcome"] == Outcome.FALSE_PRESS:
                bucket["false"] += 1
    items = [_row(g["name"], g["n"], g["ack"], g["arrive"], g["false"]) for g in grids.values()]
    items.sort(key=lambda r: r["grid"])
    active = Device.objects.visible_to(actor).filter(state=DeviceState.ACTIVE)
    return {
        "month": label,
        "items": items,
        "total": _row("", every["n"], every["ack"], every["arrive"], every["false"]),
        "devices_offline": active.filter(online=False).count(),
        "devices_low_battery": active.filter(battery__lt=LOW_BATTERY).count(),
    }


def months(actor: Actor, *, count: int = 6) -> list[dict[str, Any]]:
    """The last ``count`` months up to this one, oldest first: each month's totals as in
    ``measures`` (alarms, median seconds to acknowledge and to arrive, false-press rate)."""
    first = clock.today().replace(day=1)
    labels = []
    for _i in range(count):
        labels.append(first.strftime("%Y-%m"))
        first = (first - dt.timedelta(days=1)).replace(day=1)
    out = []
    for label in reversed(labels):
        rows = alarm_times(actor, month=label)
        ack = [r["ack_s"] for r in rows if r["ack_s"] is not None]
        arrive = [r["arrive_s"] for r in rows if r["arrive_s"] is not None]
        false = sum(1 for r in rows if r["outcome"] == Outcome.FALSE_PRESS)
        out.append({**_row("", len(rows), ack, arrive, false), "month": label})
    return out
