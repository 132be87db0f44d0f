"""Millions of cases for the benchmarks (``bench/case_workflow.py``): ``bulk_cases`` plays
each case's timeline through the workflow's own acts (``demo.timeline``) and writes the rows
straight to the database, computing routes, clocks and superiors once per grid and category
with the services' own functions. The demo community's cases are
built case by case in ``tongxin.demo.cases``."""

from __future__ import annotations

import bisect
import datetime as dt
import enum
import json
import random
import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import F, Max

from tongxin.cases import changes, sla
from tongxin.cases.models import (
    Case,
    CaseCategory,
    CaseEvent,
    Channel,
    DepartmentCall,
    Feedback,
    Priority,
    RoutingDecision,
    case_ref,
)
from tongxin.cases.routing import Route, route_case, superior_for
from tongxin.cases.workflow import OPEN_STATES, State
from tongxin.cases.worktime import is_working_time
from tongxin.core import clock
from tongxin.orgs.models import Organisation, OrgKind, Post
from tongxin.orgs.roles import Role
from tongxin.people.models import Person
from tongxin.places.models import Place

from .case_rows import memoised_lookups, reset_sequences
from .case_words import CATEGORY_MIX, GIVEN, REJECT_REASONS, SURNAMES, SUSPEND_REASONS, pick
from .timeline import Timeline, Who

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
ROUTING_COLUMNS = [
    "case_id", "at", "rule_id", "level", "person_id", "organisation_id", "reason", "override",
    "decided_by_id",
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
    database in batches (``COPY`` on PostgreSQL). For benchmarks: no audit rows or
    messages."""
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
    staff = {p.pk: p for p in Person.objects.filter(pk__in=workers.values())}
    street_depts: dict[str, list[Organisation]] = {}
    for org in Organisation.objects.filter(kind=OrgKind.DEPARTMENT, is_active=True).annotate(
        street=F("places__path")
    ):
        if org.street:
            street_depts.setdefault(org.street, []).append(org)

    routes: dict[tuple[Any, ...], Route] = {}
    superiors: dict[tuple[Any, ...], Any] = {}
    clocks_memo: dict[tuple[Any, ...], dict[str, Any]] = {}
    with memoised_lookups():

        def route_of(grid: Place, cat: CaseCategory) -> Route:
            key = (grid.pk, cat.level, cat.duty, cat.department_kind)
            if key not in routes:
                probe = Case(category=cat, place=grid, place_path=grid.path, grid=grid)
                routes[key] = route_case(probe, now=_working_moment(now))
            return routes[key]

        def superior_of(case: Case, level: int, at: dt.datetime) -> Any:
            key = (case.grid_id, case.level, case.category.duty, level)
            if key not in superiors:
                superiors[key] = superior_for(case, level, on=clock.local_date(now))
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
        routing_writer = _RowWriter(RoutingDecision, ROUTING_COLUMNS)
        first_id = (Case.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        start = now - dt.timedelta(days=days)
        span = (now - start).total_seconds()
        recent = now - dt.timedelta(days=14)
        recent_share = 14 / days
        p_recent = min(0.6, open_share / max(recent_share, 1e-9))
        p_old = max(0.0, (open_share - p_recent * recent_share) / max(1 - recent_share, 1e-9))
        counts = {
            "cases": 0,
            "case_events": 0,
            "department_calls": 0,
            "routing_decisions": 0,
            "open": 0,
            "overdue": 0,
        }
        last_in_grid: dict[int, Case] = {}
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
            routing_rows: list[tuple[Any, ...]] = []
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
                state = pick(rng, OPEN_MIX if is_open else DONE_MIX)
                patrol = rng.random() < 0.3 and grid.pk in workers
                owner = workers[grid.pk] if patrol else (route.person.pk if route.person else None)
                desc = rng.choice(next(m for m in mix if m[0] == code)[2])
                case = Case(
                    pk=case_id,
                    ref=case_ref(t0, case_id),
                    category=cat,
                    priority=priority,
                    channel=Channel.PATROL if patrol else Channel.APP,
                    state=State.REPORTED,
                    description=desc,
                    reporter_name="" if patrol else rng.choice(SURNAMES) + rng.choice(GIVEN),
                    lat=round(b_lat + rng.uniform(-4e-5, 4e-5), 7),
                    lng=round(b_lng + rng.uniform(-4e-5, 4e-5), 7),
                    address=b_addr,
                    place_id=b_id,
                    place_path=b_path,
                    grid=grid,
                    location_source="point",
                    resolution={"grid": grid.pk, "building": b_id},
                    created_at=t0,
                )
                sla.apply_clocks(case, clocks)
                story = Timeline(case, superior_of)
                routed = changes.routed(case, route, at=t0)
                case.owner_id = owner
                reporter = Who(names.get(workers.get(grid.pk, 0), "网格员") if patrol else "居民")
                story.add(reporter, changes.report(case, channel=case.channel), t0)
                story.add(None, routed, t0)
                _play(
                    story,
                    Who(names.get(owner or 0, "工作人员")),
                    state,
                    t0,
                    rng=rng,
                    last=now - dt.timedelta(minutes=1),
                    worker=staff.get(workers.get(grid.pk, 0)),
                    into=last_in_grid.get(grid.pk),
                    departments=street_depts.get(grid.path[: glen - 8], []),
                    mix=mix,
                )
                story.clocks_until(now)
                counts["overdue"] += case.overdue
                counts["open"] += case.state in OPEN_STATES
                case.updated_at = max(e.at for e in story.events)
                cases_rows.append(_row(case, CASE_COLUMNS))
                event_rows.extend(_row(e, EVENT_COLUMNS) for e in story.events)
                call_rows.extend(_row(c, CALL_COLUMNS) for c in story.calls)
                routing_rows.extend(_row(r, ROUTING_COLUMNS) for r in story.routings)
                last_in_grid[grid.pk] = case
            case_writer.write(cases_rows)
            event_writer.write(event_rows)
            call_writer.write(call_rows)
            routing_writer.write(routing_rows)
            counts["cases"] += len(cases_rows)
            counts["case_events"] += len(event_rows)
            counts["department_calls"] += len(call_rows)
            counts["routing_decisions"] += len(routing_rows)
            say(
                f"  诉求：{counts['cases']:,}/{total:,}，记录 {counts['case_events']:,}"
                f"（{time.perf_counter() - started:.0f} s）"
            )
        reset_sequences(Case)
    return counts


def _row(obj: Any, columns: list[str]) -> tuple[Any, ...]:
    """The values of ``columns`` (attribute names) of an unsaved model instance, for the
    driver: JSON as text, choices as their plain values."""
    out = []
    for name in columns:
        value = getattr(obj, name)
        if isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, enum.Enum):
            value = value.value
        out.append(value)
    return tuple(out)


def _play(
    story: Timeline,
    who: Who,
    state: str,
    t0: dt.datetime,
    *,
    rng: random.Random,
    last: dt.datetime,
    worker: Person | None,
    into: Case | None,
    departments: list[Organisation],
    mix: list[tuple[str, int, tuple[str, ...], tuple[str, ...]]],
) -> None:
    """The acts that take a new case to ``state``, spread over its clocks (a few late)."""
    case = story.case
    accept_due = case.accept_due or t0 + dt.timedelta(hours=4)
    resolve_due = case.resolve_due or t0 + dt.timedelta(days=5)
    a_share = rng.uniform(1.05, 1.5) if rng.random() < 0.04 else rng.uniform(0.05, 0.7)
    accepted = min(last, t0 + max((accept_due - t0) * a_share, dt.timedelta(minutes=1)))
    r_share = rng.uniform(1.05, 1.6) if rng.random() < 0.1 else rng.uniform(0.1, 0.85)
    resolved = min(last, max(accepted, t0 + (resolve_due - t0) * r_share))
    accepted, resolved = (max(t0, t).replace(microsecond=0) for t in (accepted, resolved))
    started = (accepted + (resolved - accepted) * 0.3).replace(microsecond=0)
    if state == State.REPORTED:
        return
    if state == State.REJECTED:
        story.act(who, accepted, changes.reject, reason=REJECT_REASONS[0])
        return
    if state == State.MERGED and into is not None:
        story.act(who, accepted, changes.merge, into=into)
        return
    # 受理 by the owner, or by the grid's worker when it went to an organisation.
    story.act(who, accepted, changes.accept, by=case.owner_id or (worker.pk if worker else None))
    if state == State.ACCEPTED:
        return
    if state == State.DISPATCHED:
        if worker is not None:
            route = Route(level=case.level, person=worker)
            reason = "由网格员办理"
            story.act(
                who,
                started,
                changes.dispatch,
                route=route,
                by=None,
                by_label=who.label,
                reason=reason,
            )
        return
    story.act(who, started, changes.start, note="已到现场")
    if state == State.SUSPENDED:
        story.act(who, started, changes.suspend, reason=SUSPEND_REASONS[0])
        return
    if state == State.ESCALATED and departments:
        org = departments[rng.randrange(len(departments))]
        due = started + dt.timedelta(hours=24)
        request = case.description[:40]
        story.act(
            who, started, changes.escalate, organisations=[org], request=request, due=due, by=None
        )
        return
    if state in (State.IN_PROGRESS, State.ESCALATED):
        return
    result = rng.choice(next(m for m in mix if m[0] == case.category.code)[3])
    story.act(who, resolved, changes.resolve, result=result)
    if state == State.RESOLVED:
        return
    closed = min(last, resolved + dt.timedelta(hours=rng.uniform(1, 48))).replace(microsecond=0)
    rating = Feedback.SATISFIED if rng.random() < 0.8 else Feedback.BASIC
    story.act(who, closed, changes.feedback, rating=rating, comment="", by_reporter=False)


def _working_moment(now: dt.datetime) -> dt.datetime:
    """A working-day morning near ``now``: the moment routes are computed at (outside the
    duty roster)."""
    local = clock.local(now).replace(hour=10, minute=0, second=0, microsecond=0)
    for back in range(0, 15):
        day = local - dt.timedelta(days=back)
        if is_working_time(day):
            return day
    return local
