"""Plan the change: what each act of the workflow does to a case, decided in memory.

Every act is one function here. It takes the case, the act's inputs, already validated (and,
where the act touches them, the objects it works on: a route, the departments called, a
department's call), sets the case's fields, moves its state through ``MACHINE`` and returns a
``Change``: the timeline event's note, visibility and data, and the rows that go with it (a
routing decision, the department calls, a new supporter). Nothing here writes to the database
or looks at a request; the only reads are the clocks' working calendar (``sla``).

Two writers use these functions and no one else changes a case's state:

- ``services.case_act``, ``services.case_report`` and ``services.case_check_clocks``: one act
  at a time, validated, locked, written, audited and notified;
- the demo and benchmark loaders under ``tongxin.demo``: whole timelines in memory, written in
  bulk. So a demo case has exactly the fields, state moves and event texts the services would
  have left behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from . import sla
from .models import Case, CaseEvent, DepartmentCall, Feedback, Level, RoutingDecision
from .routing import Route
from .workflow import MACHINE, Act, State


@dataclass
class Change:
    """One act, planned: the state move and what the timeline and the related tables get."""

    act: str
    from_state: str
    to_state: str
    note: str = ""
    public: bool = True
    data: dict[str, Any] = field(default_factory=dict)
    routing: RoutingDecision | None = None  # a new routing decision (dispatch, return, route)
    calls: list[DepartmentCall] = field(default_factory=list)  # new 吹哨 calls
    supporter_id: int | None = None  # merge: the user who becomes a supporter of the target


def _move(case: Case, act: str, pick: str | None = None, **details: Any) -> Change:
    """Move the case's state by ``act`` (the machine checks it) and describe the change."""
    before = case.state
    case.state = MACHINE.check(act, before, pick)
    return Change(act=act, from_state=before, to_state=case.state, **details)


def _stop_all_clocks(case: Case) -> None:
    for name in sla.CLOCKS:
        sla.stop_clock(case, name)


def event(
    case: Case, change: Change, *, seq: int, at: dt.datetime, actor: Any, actor_label: str
) -> CaseEvent:
    """The timeline row of ``change`` (not saved): ``actor`` is the account or None."""
    return CaseEvent(
        case=case,
        seq=seq,
        at=at,
        actor=actor,
        actor_label=actor_label,
        act=change.act,
        from_state=change.from_state,
        to_state=change.to_state,
        note=change.note,
        public=change.public,
        data=change.data,
    )


def route_to(
    case: Case,
    route: Route,
    *,
    at: dt.datetime,
    override: bool,
    decided_by: Any = None,
    reason: str = "",
) -> RoutingDecision:
    """Give the case to the route's level, person or organisation; the decision row."""
    case.level = route.level
    case.assignee_person = route.person
    case.assignee_org = route.organisation
    return RoutingDecision(
        case=case,
        at=at,
        rule=route.rule,
        level=route.level,
        person=route.person,
        organisation=route.organisation,
        reason=reason or route.reason,
        override=override,
        decided_by=decided_by if override else None,
    )


# ------------------------------------------------------------------------------ intake


def report(case: Case, *, channel: str, photos: Sequence[Any] = ()) -> Change:
    """上报: the first event of a new case (its fields were set by intake)."""
    return Change(
        act=Act.REPORT,
        from_state="",
        to_state=case.state,
        note=case.description[:200],
        data={"photos": list(photos), "channel": channel},
    )


def routed(case: Case, route: Route, *, at: dt.datetime, duplicates: Sequence[int] = ()) -> Change:
    """分拨: the route ``route_case`` chose at the report."""
    routing = route_to(case, route, at=at, override=False)
    return Change(
        act=Act.ROUTE,
        from_state=case.state,
        to_state=case.state,
        note=route.reason,
        public=False,
        data={"level": route.level, "possible_duplicates": list(duplicates)},
        routing=routing,
    )


# ------------------------------------------------------------------------------ the acts


def accept(case: Case, *, by: int | None, at: dt.datetime, note: str = "") -> Change:
    """受理立案 by the person ``by``, who becomes the owner (首问责任制)."""
    case.accepted_at = at
    sla.stop_clock(case, "accept")
    data: dict[str, Any] = {}
    if by and case.owner_id != by:
        data["owner_from"] = case.owner_id
        case.owner_id = by
        data["owner_to"] = by
    if not case.assignee_person_id and not case.assignee_org_id:
        case.assignee_person_id = by
    return _move(case, Act.ACCEPT, note=note, data=data)


def reject(case: Case, *, reason: str, at: dt.datetime) -> Change:
    """不予受理, with the reason the reporter is told."""
    case.closed_at = at
    case.public_note = reason[:500]
    _stop_all_clocks(case)
    return _move(case, Act.REJECT, note=reason)


def dispatch(
    case: Case,
    *,
    route: Route,
    at: dt.datetime,
    by: Any,
    by_label: str,
    reason: str,
    note: str = "",
) -> Change:
    """派单 to the route's person or organisation, by the account ``by``."""
    routing = route_to(
        case,
        route,
        at=at,
        override=True,
        decided_by=by,
        reason=_("{actor}改派：{reason}").format(actor=by_label, reason=reason),
    )
    if case.state != State.REPORTED and not case.accepted_at:
        case.accepted_at = at
    target = route.person.name if route.person else route.organisation.name  # type: ignore[union-attr]
    return _move(
        case,
        Act.DISPATCH,
        note=note or _("派单至{target}").format(target=target),
        data={"to": target, "reason": reason},
        routing=routing,
    )


def start(case: Case, *, at: dt.datetime, on_site: bool = True, note: str = "") -> Change:
    """到场处置: stops the arrive clock (and the accept clock, if nobody accepted)."""
    data: dict[str, Any] = {}
    if on_site and case.arrived_at is None:
        case.arrived_at = at
        data["late"] = sla.is_late(case, "arrive", at)
        sla.stop_clock(case, "arrive")
    if case.accepted_at is None:
        case.accepted_at = at
        sla.stop_clock(case, "accept")
    return _move(case, Act.START, note=note, data=data)


def resolve(case: Case, *, result: str, at: dt.datetime, photos: Sequence[Any] = ()) -> Change:
    """办结 with the result the reporter is told; every clock stops."""
    case.result = result
    case.public_note = result[:500]
    case.resolved_at = at
    case.resolved_on_time = not sla.is_late(case, "resolve", at)
    _stop_all_clocks(case)
    return _move(
        case,
        Act.RESOLVE,
        note=result,
        data={"photos": list(photos), "on_time": case.resolved_on_time},
    )


def give_back(
    case: Case, *, reason: str, at: dt.datetime, by: Any, by_person: int | None, up: Any
) -> Change:
    """退回: a routed receiver's "not mine" sends it to ``up`` (one level up) for re-routing;
    a dispatched handler gives it back to the owner."""
    routing = None
    if case.state == State.REPORTED:
        routing = route_to(
            case,
            Route(level=Level.COMMUNITY, person=up),
            at=at,
            override=True,
            decided_by=by,
            reason=_("退回：{reason}").format(reason=reason),
        )
        if case.owner_id == by_person:
            case.owner = up
    else:
        case.assignee_person_id = case.owner_id
        case.assignee_org = None
    return _move(case, Act.RETURN, note=reason, public=False, routing=routing)


def suspend(case: Case, *, reason: str, at: dt.datetime) -> Change:
    """挂起: the clocks stop counting until resumed."""
    case.suspended_from = case.state
    case.suspended_at = at
    return _move(case, Act.SUSPEND, note=reason, data={"from": case.suspended_from})


def resume(case: Case, *, at: dt.datetime, note: str = "") -> Change:
    """恢复办理: back to the state it was suspended from, the clocks moved by the pause."""
    since = case.suspended_at or at
    paused = at - since
    sla.shift_clocks(case, paused, paused=(since, at))
    pick = case.suspended_from or State.ACCEPTED
    case.suspended_from = ""
    case.suspended_at = None
    return _move(
        case,
        Act.RESUME,
        pick,
        note=note,
        data={"paused_minutes": int(paused.total_seconds() // 60)},
    )


def supervise(case: Case, *, note: str) -> Change:
    """督办 by a superior; staff only."""
    case.supervised = True
    return _move(case, Act.SUPERVISE, note=note, public=False)


def escalate(
    case: Case,
    *,
    organisations: Sequence[Any],
    request: str,
    due: dt.datetime,
    by: Any,
    at: dt.datetime,
) -> Change:
    """吹哨: call the departments in, each to report in by ``due``."""
    calls = []
    for org in organisations:
        call = DepartmentCall(
            case=case, organisation=org, request=request, called_by=by, report_due=due
        )
        call.created_at = call.updated_at = at
        calls.append(call)
    names = "、".join(o.name for o in organisations)
    return _move(
        case,
        Act.ESCALATE,
        note=request,
        data={"departments": names, "report_due": due.isoformat()},
        calls=calls,
    )


def report_in(
    case: Case,
    call: DepartmentCall,
    *,
    by: Any,
    at: dt.datetime,
    done: bool = False,
    result: str = "",
    note: str = "",
) -> Change:
    """部门报到 on ``call`` (changed in place), and with ``done`` its part finished."""
    if call.reported_at is None:
        call.reported_at = at
        call.reported_by = by
        call.late = at > call.report_due
    call.status = DepartmentCall.Status.REPORTED_IN
    if done:
        call.status = DepartmentCall.Status.DONE
        call.done_at = at
        call.result = result
    call.updated_at = at
    name = call.organisation.name
    return _move(
        case,
        Act.REPORT_IN,
        note=result or note or _("{name}已报到").format(name=name),
        data={"department": name, "done": done, "late": call.late},
    )


def parts_done(case: Case, calls: Sequence[DepartmentCall], *, at: dt.datetime) -> Change | None:
    """When every department called in has done its part, the case is resolved."""
    if not calls or any(c.status != DepartmentCall.Status.DONE for c in calls):
        return None
    case.result = "\n".join(f"{c.organisation.name}：{c.result}" for c in calls)
    case.public_note = case.result[:500]
    case.resolved_at = at
    case.resolved_on_time = not sla.is_late(case, "resolve", at)
    _stop_all_clocks(case)
    return _move(case, Act.PARTS_DONE, note=_("各部门均已完成处置，案件办结"))


def feedback(
    case: Case, *, rating: str, comment: str, by_reporter: bool, at: dt.datetime
) -> Change:
    """回访评价: 满意/基本满意 close the case; 不满意 reopens it with a fresh resolve clock."""
    case.feedback = rating
    case.feedback_at = at
    data: dict[str, Any] = {"rating": rating, "by_reporter": by_reporter}
    if rating == Feedback.UNSATISFIED:
        data["reopened"] = True
        case.reopen_count += 1
        case.resolved_at = None
        case.resolved_on_time = None
        policy = sla.plan_clocks(case, at).get("resolve")
        if policy:
            case.clocks["resolve"] = policy
            sla.apply_clocks(case, case.clocks)
        pick = State.IN_PROGRESS
    else:
        case.closed_at = at
        pick = State.CLOSED
    return _move(case, Act.FEEDBACK, pick, note=comment, data=data)


def close(case: Case, *, note: str, at: dt.datetime) -> Change:
    """结案 without a rating (the reporter could not be reached)."""
    case.closed_at = at
    return _move(case, Act.CLOSE, note=note)


def merge(case: Case, *, into: Case, at: dt.datetime, note: str = "") -> Change:
    """合并 into an open case on the same problem; the reporter supports the target."""
    case.merged_into = into
    case.closed_at = at
    _stop_all_clocks(case)
    supporter = None
    if case.reporter_user_id and case.reporter_user_id != into.reporter_user_id:
        supporter = case.reporter_user_id
    return _move(
        case,
        Act.MERGE,
        note=note or _("与{ref}为同一问题，已合并").format(ref=into.ref),
        data={"into": into.ref},
        supporter_id=supporter,
    )


def support(case: Case) -> Change:
    """我也遇到: one more supporter (the caller makes sure it is a new one)."""
    case.support_count += 1
    return _move(case, Act.SUPPORT, data={"supporters": case.support_count})


def note(case: Case, *, text: str, public: bool) -> Change:
    """备注; a public one is shown to the reporter."""
    if public:
        case.public_note = text[:500]
    return _move(case, Act.NOTE, note=text, public=public)


# ------------------------------------------------------------------------------ the clocks


def clock_moment(case: Case, name: str, stage: str, *, superior: Any = None) -> Change:
    """The clock worker at one moment of clock ``name``: a warning (yellow, red) or, at
    ``due``, a breach that escalates one level up the chain to ``superior`` (the person
    ``superior_for`` names for ``case.breach_level + 1``)."""
    case.clocks[name]["stage"] = stage
    if stage != "due":
        label = _("{clock}{stage}").format(
            clock=sla.CLOCK_LABELS[name], stage=sla.STAGE_LABELS[stage]
        )
        return _move(case, Act.WARN, note=label, public=False, data={"clock": name, "stage": stage})
    case.overdue = True
    case.breach_level += 1
    if superior is not None:
        case.supervisor = superior
    text = _("{clock}超时，升级至{superior}").format(
        clock=sla.CLOCK_LABELS[name], superior=superior.name if superior else _("上级")
    )
    return _move(
        case,
        Act.BREACH,
        note=text,
        public=False,
        data={"clock": name, "level": case.breach_level},
    )
