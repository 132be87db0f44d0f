"""Whom an escalation step pages: the targets of a policy step resolved for one alarm, each
person with the reason they were chosen (the paired helpers from visits, the building head and
the grid worker from the responsibility chain, the community's duty roster, the family)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from tongxin.cases.models import DutyShift
from tongxin.core import clock
from tongxin.orgs.roles import Duty
from tongxin.orgs.selectors import responsible_for
from tongxin.visits.selectors import helpers_for

from .models import Alarm, EscalationPolicy, Target

DEFAULT_POLICY = "default"
# The policy used when a device names none and the table has no default row.
FALLBACK_STEPS: list[dict[str, Any]] = [
    {"wait": 30, "notify": [Target.HELPERS]},
    {"wait": 60, "notify": [Target.GRID_WORKER, Target.BUILDING_HEAD]},
    {"wait": 120, "notify": [Target.DUTY, Target.FAMILY]},
]


def policy_of(alarm: Alarm) -> EscalationPolicy:
    if alarm.device.policy_id:
        return alarm.device.policy  # type: ignore[return-value]
    found = EscalationPolicy.objects.filter(code=DEFAULT_POLICY).first()
    return found or EscalationPolicy(code=DEFAULT_POLICY, name="default", steps=FALLBACK_STEPS)


def wait_of(policy: EscalationPolicy, step: int) -> dt.timedelta:
    steps = policy.steps or FALLBACK_STEPS
    return dt.timedelta(seconds=int(steps[step % len(steps)].get("wait", 60)))


def _levels(alarm: Alarm) -> dict[str, Any]:
    place = alarm.device.place
    return {p.kind: p for p in [place, *place.ancestors_list()]}


def targets(alarm: Alarm, names: list[str], on: dt.date | None = None) -> list[tuple[Any, str]]:
    """The persons the targets ``names`` stand for now, each once, in order, with a reason."""
    on = on or clock.today()
    levels = _levels(alarm)
    found: list[tuple[Any, str]] = []
    for name in names:
        if name == Target.HELPERS:
            found += [(p, _("结对帮扶人")) for p in helpers_for(alarm.person_id)]
        elif name == Target.BUILDING_HEAD and "building" in levels:
            who = responsible_for(levels["building"], duty=Duty.GENERAL, on=on)
            found.append((who.person, _("楼栋长")))
        elif name == Target.GRID_WORKER and "grid" in levels:
            who = responsible_for(levels["grid"], duty=Duty.CARE, on=on)
            found.append((who.person, _("网格员")))
        elif name == Target.DUTY and "community" in levels:
            found += _duty(levels["community"])
        elif name == Target.FAMILY:
            found += [(p, _("家属")) for p in alarm.device.family.all()]
    out: list[tuple[Any, str]] = []
    seen: set[int] = set()
    for person, reason in found:
        if person is None or person.pk in seen:
            continue
        seen.add(person.pk)
        out.append((person, reason))
    return out


def _duty(community: Any) -> list[tuple[Any, str]]:
    """Who is on the community's duty roster now; with nobody on it, whoever the general
    chain names for the community."""
    now = clock.now()
    shift = (
        DutyShift.objects.filter(place=community, starts_at__lte=now, ends_at__gt=now)
        .select_related("person")
        .order_by("starts_at", "pk")
        .first()
    )
    if shift is not None:
        return [(shift.person, _("社区值班"))]
    who = responsible_for(community, duty=Duty.GENERAL)
    return [(who.person, _("社区值班"))]


def grid_worker_of(place: Any) -> Any:
    """The grid worker responsible (care duty) for the grid above ``place``."""
    levels = {p.kind: p for p in [place, *place.ancestors_list()]}
    if "grid" not in levels:
        return None
    return responsible_for(levels["grid"], duty=Duty.CARE).person
