"""Shared helpers of the case core tests: fixed moments, reporting, acting, and building a
case in any state of the workflow through the services (never by writing rows)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tongxin.cases import services
from tongxin.cases.models import Case, CaseEvent
from tongxin.cases.workflow import State
from tongxin.orgs.models import Organisation, OrgKind, Post

CST = dt.timezone(dt.timedelta(hours=8))


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A moment in Beijing time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=CST)


# A Tuesday morning, a working day (after every demo post began, before the demo absences).
MORNING = at(2026, 10, 20, 9, 0)


def point_in(grid: Any) -> dict[str, float]:
    return {"lat": grid.centroid_lat, "lng": grid.centroid_lng}


def report(
    demo: Any,
    who: str = "resident",
    *,
    grid: int = 1,
    category: str = "municipal.manhole",
    now: dt.datetime = MORNING,
    description: str = "小区门口井盖缺失，晚上很危险",
    **kwargs: Any,
) -> Case:
    where = {} if ("place_id" in kwargs or "lat" in kwargs) else point_in(demo.grid(grid))
    return services.case_report(
        actor=demo.user(who) if isinstance(who, str) else who,
        category=category,
        description=description,
        now=now,
        **where,
        **kwargs,
    )


def act(
    demo: Any, who: Any, case: Case, name: str, now: dt.datetime = MORNING, **data: Any
) -> Case:
    actor = demo.user(who) if isinstance(who, str) else who
    return services.case_act(actor=actor, case_id=case.pk, act=name, data=data, now=now)


def department(kind: str = "urban_management") -> Organisation:
    return Organisation.objects.get(kind=OrgKind.DEPARTMENT, department_kind=kind)


def grid_b_worker(demo: Any, n: int = 1) -> Any:
    """The B worker (a person) of grid n."""
    return Post.objects.get(place=demo.grid(n), role="grid_worker", rank="B").person


def events(case: Case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("act", flat=True))


def snapshot(case: Case) -> tuple[Any, ...]:
    """What must not change when an act is refused."""
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.state,
        fresh.assignee_person_id,
        fresh.assignee_org_id,
        fresh.owner_id,
        fresh.clocks,
        fresh.feedback,
        fresh.support_count,
        CaseEvent.objects.filter(case=case).count(),
        fresh.routings.count(),
        fresh.calls.count(),
    )


def in_state(demo: Any, state: str, *, now: dt.datetime = MORNING) -> Case:
    """A grid-1 case reported by the resident and routed to grid1, brought to ``state``."""
    case = report(demo, now=now)
    if state == State.REPORTED:
        return case
    if state == State.REJECTED:
        return act(demo, "grid1", case, "reject", now=now, reason="重复反映，已在处理")
    if state == State.MERGED:
        other = report(demo, now=now, description="门口井盖没了")
        return act(demo, "secretary", case, "merge", now=now, into=other.pk)
    case = act(demo, "grid1", case, "accept", now=now)
    if state == State.ACCEPTED:
        return case
    if state == State.DISPATCHED:
        return act(
            demo, "secretary", case, "dispatch", now=now, person_id=demo.user("grid1").person_id
        )
    if state == State.SUSPENDED:
        return act(demo, "grid1", case, "suspend", now=now, reason="等待配件到货")
    if state == State.ESCALATED:
        return act(
            demo, "grid1", case, "escalate", now=now, org_ids=[department().pk], note="需城管配合"
        )
    case = act(demo, "grid1", case, "start", now=now, note="已到现场")
    if state == State.IN_PROGRESS:
        return case
    case = act(demo, "grid1", case, "resolve", now=now, result="已更换井盖")
    if state == State.RESOLVED:
        return case
    if state == State.CLOSED:
        return act(demo, "resident", case, "feedback", now=now, rating="satisfied")
    raise AssertionError(state)
