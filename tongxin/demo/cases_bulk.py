"""Millions of cases for the benchmarks (``bench/case_workflow.py``): ``bulk_cases`` writes
cases with their timelines straight to the database, computing routes, clocks and superiors
once per grid and category with the services' own functions. The demo community's cases are
built case by case in ``tongxin.demo.cases``."""

from __future__ import annotations

import bisect
import datetime as dt
import json
import random
import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import Max

from tongxin.cases import sla
from tongxin.cases.models import (
    Case,
    CaseCategory,
    CaseEvent,
    Channel,
    DepartmentCall,
    Feedback,
    Priority,
    case_ref,
)
from tongxin.cases.routing import Route, route_case, superior_for
from tongxin.cases.workflow import State
from tongxin.cases.worktime import is_working_time
from tongxin.core import clock
from tongxin.orgs.models import Organisation, OrgKind, Post
from tongxin.orgs.roles import Role
from tongxin.people.models import Person
from tongxin.places.models import Place

from .cases import (
    CATEGORY_MIX,
    GIVEN,
    REJECT_REASONS,
    SURNAMES,
    SUSPEND_REASONS,
    _memoised_lookups,
    _pick,
    _reset_sequences,
)

OPEN_MIX = {
    State.REPORTED: 20,
    State.ACCEPTED: 15,
    State.DISPATCHED: 10,
    State.IN_PROGRESS: 40,
    State.ESCALATED: 8,
    State.SUSPENDED: 7,
}
DONE_MIX = {State.CLOSED: 90, State.RESOLVED: 4, State.REJECTED: 4, State.MERGED: 2}


class _RowWriter:
    """Rows (tuples in ``columns`` order) straight to the driver: ``COPY`` on PostgreSQL,
    ``executemany`` on SQLite. For tables the benchmark fills with millions of rows."""

    def __init__(self, model: Any, columns: list[str]) -> None:
        self.table = model._meta.db_table
        self.columns = columns
        self.sqlite = connection.vendor == "sqlite"

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        qn = connection.ops.quote_name
        cols = ", ".join(qn(c) for c in self.columns)
        if self.sqlite:
            marks = ", ".join(["?"] * len(self.columns))
            with connection.cursor() as wrapper:
                wrapper.cursor.executemany(
                    f"INSERT INTO {qn(self.table)} ({cols}) VALUES ({marks})",  # noqa: S608
                    [tuple(_sqlite_value(v) for v in row) for row in rows],
                )
            return
        connection.ensure_connection()
        raw = connection.connection
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {qn(self.table)} ({cols}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    return value


CASE_COLUMNS = [
    "id", "ref", "category_id", "priority", "channel", "state", "description", "answers",
    "reporter_user_id", "reporter_person_id", "reporter_name", "reporter_phone_cipher",
    "reporter_phone_masked", "anonymous", "lat", "lng", "address", "place_id", "place_path",
    "grid_id", "location_source", "resolution", "level", "assignee_person_id",
    "assignee_org_id", "owner_id", "supervisor_id", "suspended_from", "suspended_at",
    "merged_into_id", "accept_due", "arrive_due", "resolve_due", "clocks", "breach_level",
    "overdue", "supervised", "accepted_at", "arrived_at", "resolved_at", "closed_at",
    "resolved_on_time", "result", "feedback", "feedback_at", "reopen_count", "support_count",
    "public_note", "created_at", "updated_at",
]  # fmt: skip
EVENT_COLUMNS = [
    "case_id", "seq", "at", "actor_id", "actor_label", "act", "from_state", "to_state",
    "note", "public", "data",
]  # fmt: skip
CALL_COLUMNS = [
    "case_id", "organisation_id", "status", "request", "called_by_id", "report_due",
    "reported_at", "reported_by_id", "done_at", "result", "late", "created_at", "updated_at",
]  # fmt: skip


def bulk_cases(
    *,
    total: int,
    seed: int = 2026,
    days: int = 730,
    open_share: float = 0.04,
    now: dt.datetime | None = None,
    batch: int = 50_000,
    progress: Callable[[str], Any] | None = None,
) -> dict[str, int]:
    """Write ``total`` cases reported over the last ``days`` days, spread over every grid
    of the generated area, with their timelines: about ``open_share`` still open (recent
    ones mostly, older ones overdue), the rest closed (most with 满意/基本满意), rejected,
    merged or awaiting feedback. Routes, clocks and superiors are computed once per grid and
    category (clocks per hour of report) with the services' own functions; rows go to the
    database in batches (``COPY`` on PostgreSQL). For benchmarks: no routing decisions,
    audit rows or messages."""
    say = progress or (lambda message: None)
    rng = random.Random(seed)
    now = (now or clock.now()).replace(second=0, microsecond=0)
    grids = list(Place.objects.filter(kind="grid").order_by("path"))
    buildings: dict[int, list[tuple[int, str, float, float, str]]] = {g.pk: [] for g in grids}
    grid_by_path = {g.path: g.pk for g in grids}
    glen = len(grids[0].path)
    for pk, path, lat, lng, address in (
        Place.objects.filter(kind="building")
        .exclude(centroid_lat=None)
        .values_list("pk", "path", "centroid_lat", "centroid_lng", "address")
        .iterator(chunk_size=5000)
    ):
        gid = grid_by_path.get(path[:glen])
        if gid is not None:
            buildings[gid].append((pk, path, lat, lng, address))
    categories = {c.code: c for c in CaseCategory.objects.select_related("parent")}
    mix = [m for m in CATEGORY_MIX if m[0] in categories]
    codes, weights = [m[0] for m in mix], [m[1] for m in mix]
    cum_weights = list(__import__("itertools").accumulate(weights))
    workers: dict[int, int] = {}
    for post in Post.objects.active().filter(role=Role.GRID_WORKER, rank="A", place__kind="grid"):
        workers.setdefault(post.place_id, post.person_id)
    names = dict(
        Person.objects.filter(pk__in=Post.objects.active().values("person_id")).values_list(
            "pk", "name"
        )
    )
    street_depts: dict[str, list[int]] = {}
    for org_id, path in Organisation.objects.filter(
        kind=OrgKind.DEPARTMENT, is_active=True
    ).values_list("pk", "places__path"):
        if path:
            street_depts.setdefault(path, []).append(org_id)

    routes: dict[tuple[Any, ...], Route] = {}
    superiors: dict[tuple[Any, ...], Any] = {}
    clocks_memo: dict[tuple[Any, ...], dict[str, Any]] = {}
    with _memoised_lookups():

        def route_of(grid: Place, cat: CaseCategory) -> Route:
            key = (grid.pk, cat.level, cat.duty, cat.department_kind)
            if key not in routes:
                probe = Case(category=cat, place=grid, place_path=grid.path, grid=grid)
                routes[key] = route_case(probe, now=_working_moment(now))
            return routes[key]

        def superior_of(grid: Place, cat: CaseCategory, level: str, steps: int) -> Any:
            key = (grid.pk, level, cat.duty, steps)
            if key not in superiors:
                probe = Case(category=cat, place=grid, place_path=grid.path, grid=grid, level=level)
                superiors[key] = superior_for(probe, steps, on=clock.local_date(now))
            return superiors[key]

        def clocks_of(cat: CaseCategory, priority: str, at: dt.datetime) -> dict[str, Any]:
            hour = at.replace(minute=0)
            policy = sla.deadline_for(Case(category=cat, priority=priority))
            key = (policy.pk if policy else None, hour)
            if key not in clocks_memo:
                clocks_memo[key] = sla.plan_clocks(Case(category=cat, priority=priority), hour)
            shift = at - hour
            out = {}
            for name, planned in clocks_memo[key].items():
                out[name] = {
                    **planned,
                    **{
                        s: (dt.datetime.fromisoformat(planned[s]) + shift).isoformat()
                        for s in sla.STAGES
                    },
                }
            return out

        case_writer = _RowWriter(Case, CASE_COLUMNS)
        event_writer = _RowWriter(CaseEvent, EVENT_COLUMNS)
        call_writer = _RowWriter(DepartmentCall, CALL_COLUMNS)
        first_id = (Case.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        start = now - dt.timedelta(days=days)
        span = (now - start).total_seconds()
        recent = now - dt.timedelta(days=14)
        recent_share = 14 / days
        p_recent = min(0.6, open_share / max(recent_share, 1e-9))
        p_old = max(0.0, (open_share - p_recent * recent_share) / max(1 - recent_share, 1e-9))
        counts = {"cases": 0, "case_events": 0, "department_calls": 0, "open": 0, "overdue": 0}
        last_in_grid: dict[int, int] = {}
        started = time.perf_counter()
        for batch_start in range(0, total, batch):
            n = min(batch, total - batch_start)
            moments = sorted(
                start + dt.timedelta(seconds=span * (batch_start + i + rng.random()) / total)
                for i in range(n)
            )
            cases_rows: list[tuple[Any, ...]] = []
            event_rows: list[tuple[Any, ...]] = []
            call_rows: list[tuple[Any, ...]] = []
            for i, t0 in enumerate(moments):
                t0 = t0.replace(microsecond=0)
                case_id = first_id + batch_start + i
                grid = grids[rng.randrange(len(grids))]
                spots = buildings[grid.pk]
                b_id, b_path, b_lat, b_lng, b_addr = (
                    spots[rng.randrange(len(spots))]
                    if spots
                    else (grid.pk, grid.path, grid.centroid_lat, grid.centroid_lng, grid.address)
                )
                code = codes[bisect.bisect(cum_weights, rng.random() * cum_weights[-1])]
                code = codes[min(len(codes) - 1, codes.index(code))]
                cat = categories[code]
                priority = (
                    Priority.EMERGENCY
                    if code == "emergency"
                    else (Priority.URGENT if rng.random() < 0.1 else Priority.NORMAL)
                )
                clocks = clocks_of(cat, priority, t0)
                route = route_of(grid, cat)
                is_open = rng.random() < (p_recent if t0 >= recent else p_old)
                state = _pick(rng, OPEN_MIX if is_open else DONE_MIX)
                patrol = rng.random() < 0.3 and grid.pk in workers
                owner = workers[grid.pk] if patrol else (route.person.pk if route.person else None)
                events: list[tuple[str, str, str, dt.datetime, str, dict[str, Any]]] = []
                reported_by = names.get(workers.get(grid.pk, 0), "网格员") if patrol else "居民"
                desc = rng.choice(next(m for m in mix if m[0] == code)[2])
                events.append(("report", "", State.REPORTED, t0, desc, {"channel": "app"}))
                events.append(("route", State.REPORTED, State.REPORTED, t0, route.reason, {}))
                accept_due = _at(clocks, "accept") or t0 + dt.timedelta(hours=4)
                resolve_due = _at(clocks, "resolve") or t0 + dt.timedelta(days=5)
                last = now - dt.timedelta(minutes=1)
                a_share = rng.uniform(1.05, 1.5) if rng.random() < 0.04 else rng.uniform(0.05, 0.7)
                accepted = min(last, t0 + max((accept_due - t0) * a_share, dt.timedelta(minutes=1)))
                r_share = rng.uniform(1.05, 1.6) if rng.random() < 0.1 else rng.uniform(0.1, 0.85)
                resolved = min(last, max(accepted, t0 + (resolve_due - t0) * r_share))
                started_at = accepted + (resolved - accepted) * 0.3
                fields: dict[str, Any] = {}
                breach = 0
                handler = names.get(owner or 0, "工作人员")
                if state == State.REJECTED:
                    fields.update(closed_at=accepted, public_note=REJECT_REASONS[0])
                    events.append(
                        ("reject", State.REPORTED, state, accepted, REJECT_REASONS[0], {})
                    )
                elif state == State.MERGED and grid.pk in last_in_grid:
                    fields.update(closed_at=accepted, merged_into_id=last_in_grid[grid.pk])
                    events.append(
                        ("merge", State.REPORTED, state, accepted, "同一问题，已合并", {})
                    )
                elif state != State.REPORTED:
                    if state == State.MERGED:
                        state = State.CLOSED
                    fields["accepted_at"] = accepted
                    events.append(("accept", State.REPORTED, State.ACCEPTED, accepted, "", {}))
                    prev = State.ACCEPTED
                    if state == State.DISPATCHED:
                        events.append(("dispatch", prev, state, started_at, "派单", {}))
                        prev = state
                    if state in (
                        State.IN_PROGRESS, State.ESCALATED, State.SUSPENDED,
                        State.RESOLVED, State.CLOSED,
                    ):  # fmt: skip
                        fields["arrived_at"] = started_at
                        events.append(
                            ("start", prev, State.IN_PROGRESS, started_at, "已到现场", {})
                        )
                        prev = State.IN_PROGRESS
                    if state == State.SUSPENDED:
                        fields.update(suspended_from=prev, suspended_at=started_at)
                        events.append(("suspend", prev, state, started_at, SUSPEND_REASONS[0], {}))
                    if state == State.ESCALATED:
                        depts = street_depts.get(grid.path[: glen - 8], [])
                        if depts:
                            org = depts[rng.randrange(len(depts))]
                            due = started_at + dt.timedelta(hours=24)
                            call_rows.append((
                                case_id, org, DepartmentCall.Status.CALLED, desc[:40], None,
                                due, None, None, None, "", False, started_at, started_at,
                            ))  # fmt: skip
                        events.append(("escalate", prev, state, started_at, "吹哨", {}))
                    if state in (State.RESOLVED, State.CLOSED):
                        on_time = resolved <= resolve_due
                        result = rng.choice(next(m for m in mix if m[0] == code)[3])
                        fields.update(
                            resolved_at=resolved, resolved_on_time=on_time, result=result,
                            public_note=result,
                        )  # fmt: skip
                        events.append(("resolve", prev, State.RESOLVED, resolved, result,
                                       {"on_time": on_time}))  # fmt: skip
                        if state == State.CLOSED:
                            closed = min(last, resolved + dt.timedelta(hours=rng.uniform(1, 48)))
                            rating = Feedback.SATISFIED if rng.random() < 0.8 else Feedback.BASIC
                            fields.update(closed_at=closed, feedback=rating, feedback_at=closed)
                            events.append(("feedback", State.RESOLVED, state, closed, "",
                                           {"rating": rating}))  # fmt: skip
                # The clocks: stopped by their acts, breached when the due time passed first.
                stops = {
                    "accept": fields.get("accepted_at") or fields.get("closed_at"),
                    "arrive": fields.get("arrived_at") or fields.get("closed_at"),
                    "resolve": fields.get("resolved_at") or fields.get("closed_at"),
                }
                if state == State.SUSPENDED:
                    stops = {k: v or started_at for k, v in stops.items()}
                for name, planned in clocks.items():
                    due = dt.datetime.fromisoformat(planned["due"])
                    stop = stops[name]
                    if due < (stop or now):
                        planned["stage"] = "due"
                        breach += 1
                        events.append(("breach", "", "", due, f"{sla.CLOCK_LABELS[name]}超时",
                                       {"clock": name, "level": breach}))  # fmt: skip
                    elif stop is not None:
                        clock["stage"] = "stopped"
                if breach:
                    sup = superior_of(grid, cat, route.level, breach)
                    fields.update(overdue=True, breach_level=breach,
                                  supervisor_id=sup.pk if sup else None)  # fmt: skip
                    counts["overdue"] += 1
                if state in OPEN_MIX:
                    counts["open"] += 1
                events.sort(key=lambda e: e[3])
                prev_state = ""
                for seq, (act, frm, to, at, note, data) in enumerate(events, start=1):
                    frm = frm or prev_state
                    to = to or prev_state
                    label = "系统" if act in ("route", "breach") else (
                        reported_by if act == "report" else handler
                    )  # fmt: skip
                    event_rows.append((
                        case_id, seq, at, None, label, act, frm, to, note,
                        act not in ("route", "breach"), json.dumps(data, ensure_ascii=False),
                    ))  # fmt: skip
                    prev_state = to
                updated = max(e[3] for e in events)
                cases_rows.append((
                    case_id, case_ref(t0, case_id), cat.pk, priority,
                    Channel.PATROL if patrol else Channel.APP, state, desc, "{}", None, None,
                    "" if patrol else rng.choice(SURNAMES) + rng.choice(GIVEN), "", "", False,
                    round(b_lat + rng.uniform(-4e-5, 4e-5), 7),
                    round(b_lng + rng.uniform(-4e-5, 4e-5), 7), b_addr, b_id, b_path, grid.pk,
                    "point", json.dumps({"grid": grid.pk, "building": b_id}), route.level,
                    route.person.pk if route.person else None,
                    route.organisation.pk if route.organisation else None,
                    owner,
                    fields.get("supervisor_id"), fields.get("suspended_from", ""),
                    fields.get("suspended_at"), fields.get("merged_into_id"), accept_due,
                    _at(clocks, "arrive"), resolve_due, json.dumps(clocks),
                    fields.get("breach_level", 0), fields.get("overdue", False), False,
                    fields.get("accepted_at"), fields.get("arrived_at"), fields.get("resolved_at"),
                    fields.get("closed_at"), fields.get("resolved_on_time"),
                    fields.get("result", ""), fields.get("feedback", ""), fields.get("feedback_at"),
                    0, 0, fields.get("public_note", ""), t0, updated,
                ))  # fmt: skip
                last_in_grid[grid.pk] = case_id
            case_writer.write(cases_rows)
            event_writer.write(event_rows)
            call_writer.write(call_rows)
            counts["cases"] += len(cases_rows)
            counts["case_events"] += len(event_rows)
            counts["department_calls"] += len(call_rows)
            say(
                f"  诉求：{counts['cases']:,}/{total:,}，记录 {counts['case_events']:,}"
                f"（{time.perf_counter() - started:.0f} s）"
            )
        _reset_sequences(Case)
    return counts


def _at(clocks: dict[str, Any], name: str) -> dt.datetime | None:
    due = clocks.get(name, {}).get("due")
    return dt.datetime.fromisoformat(due) if due else None


def _working_moment(now: dt.datetime) -> dt.datetime:
    """A working-day morning near ``now``: the moment routes are computed at (outside the
    duty roster)."""
    local = clock.local(now).replace(hour=10, minute=0, second=0, microsecond=0)
    for back in range(0, 15):
        day = local - dt.timedelta(days=back)
        if is_working_time(day):
            return day
    return local
