"""Deadlines (时限): the clocks of a case, their warnings and their breach.

Each case has up to three clocks, started when it is reported: accept (受理), arrive on site
(到场; emergencies, in minutes) and resolve (办结). Each has a yellow and a red warning (a
share of the allowed time gone by, ``TONGXIN_CASE_WARNINGS``) and a due time; all are planned
at intake and kept in ``Case.clocks``. A clock stops when its act happens.

The task worker drives the clocks: at intake, and whenever the times move (suspension), a
``check_case_clocks`` task is queued for each future moment. The queue is in the database, so
the clocks survive restarts; a check is idempotent (it acts only on a moment that has come and
has not been acted on), and ``manage.py case_clocks`` sweeps everything as a safety net.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy

from tongxin.core import clock, taskqueue

from . import config
from .models import Case, CaseDeadline
from .workflow import OPEN_STATES, State
from .worktime import Calendar, add_minutes, working_minutes_between

CLOCKS = ("accept", "arrive", "resolve")
CLOCK_LABELS = {
    "accept": gettext_lazy("受理"),
    "arrive": gettext_lazy("到场"),
    "resolve": gettext_lazy("办结"),
}
STAGES = ("yellow", "red", "due")
STAGE_LABELS = {
    "yellow": gettext_lazy("黄色预警"),
    "red": gettext_lazy("红色预警"),
    "due": gettext_lazy("已超时"),
}


def deadline_for(case: Case) -> CaseDeadline | None:
    """The deadline row for the case's category (or its nearest ancestor's) and priority,
    else the default for the priority."""
    lineage = case.category.lineage()
    rows = config.deadlines()
    for cat in lineage:
        if (cat.pk, case.priority) in rows:
            return rows[(cat.pk, case.priority)]
    return rows.get((None, case.priority))


def _iso(at: dt.datetime) -> str:
    return at.isoformat()


def plan_clocks(case: Case, start: dt.datetime) -> dict[str, dict[str, Any]]:
    """The clocks of a case reported at ``start``: per clock the yellow, red and due times."""
    policy = deadline_for(case)
    if policy is None:
        return {}
    fractions = settings.TONGXIN_CASE_WARNINGS
    minutes = {
        "accept": policy.accept_minutes,
        "arrive": policy.arrive_minutes,
        "resolve": policy.resolve_minutes,
    }
    clocks: dict[str, dict[str, Any]] = {}
    # One read of the calendar overrides for every clock (the longest runs ~15 working days).
    first_day = clock.local(start).date()
    calendar = Calendar(first_day, first_day + dt.timedelta(days=90))
    for name in CLOCKS:
        total = minutes[name] or 0
        if not total:
            continue

        def at(share: float, total: int = total) -> str:
            moment = add_minutes(
                start, round(total * share), working=policy.working_time, calendar=calendar
            )
            return _iso(moment)

        clocks[name] = {
            "minutes": total,
            "working": policy.working_time,
            "yellow": at(fractions["yellow"]),
            "red": at(fractions["red"]),
            "due": at(1.0),
            "stage": "",
        }
    return clocks


def apply_clocks(case: Case, clocks: dict[str, dict[str, Any]]) -> None:
    case.clocks = clocks
    for name in CLOCKS:
        due = clocks.get(name, {}).get("due")
        setattr(case, f"{name}_due", dt.datetime.fromisoformat(due) if due else None)


def clock_running(case: Case, name: str) -> bool:
    """Whether the clock still counts: the case is open, not suspended, and the act that
    stops the clock has not happened."""
    if case.state not in OPEN_STATES or case.state == State.SUSPENDED:
        return False
    stopped_by = {
        "accept": case.accepted_at,
        "arrive": case.arrived_at,
        "resolve": case.resolved_at,
    }
    return (
        name in case.clocks and stopped_by[name] is None and case.clocks[name]["stage"] != "stopped"
    )


def moments(case: Case) -> list[dt.datetime]:
    """The future moments at which a check must run."""
    out: list[dt.datetime] = []
    for name, planned in case.clocks.items():
        if not clock_running(case, name):
            continue
        done = STAGES.index(planned["stage"]) + 1 if planned["stage"] in STAGES else 0
        out.extend(dt.datetime.fromisoformat(planned[s]) for s in STAGES[done:])
    return sorted(set(out))


def schedule(case: Case) -> None:
    """Queue a clock check for each future moment, once the transaction commits (all of
    them in one statement, ``core.taskqueue``)."""
    from .tasks import check_case_clocks

    for at in moments(case):
        taskqueue.defer(check_case_clocks, case.pk, run_after=at)


def shift_clocks(
    case: Case,
    delta: dt.timedelta,
    *,
    paused: tuple[dt.datetime, dt.datetime] | None = None,
) -> None:
    """Move every running clock's moments by ``delta`` (after a suspension).

    With ``paused`` (the suspension's start and end), a clock that counts working time moves
    by the working minutes lost in that span, not by the wall-clock time: a case suspended
    from Friday evening to Monday morning loses an hour or so, not a weekend."""
    lost: int | None = None
    for planned in case.clocks.values():
        if planned["stage"] in ("stopped", "due"):
            continue
        if paused is not None and planned.get("working"):
            if lost is None:
                lost = working_minutes_between(*paused)
            if lost:
                for stage in STAGES:
                    moment = dt.datetime.fromisoformat(planned[stage])
                    planned[stage] = _iso(add_minutes(moment, lost, working=True))
            continue
        for stage in STAGES:
            planned[stage] = _iso(dt.datetime.fromisoformat(planned[stage]) + delta)
    apply_clocks(case, case.clocks)


def stop_clock(case: Case, name: str) -> None:
    if name in case.clocks and case.clocks[name]["stage"] != "due":
        case.clocks[name]["stage"] = "stopped"


def due_stages(case: Case, now: dt.datetime) -> list[tuple[str, str]]:
    """(clock, stage) pairs whose moment has come and that have not been acted on: only the
    latest stage of each clock (a check that comes late does not send stale warnings)."""
    out = []
    for name, planned in case.clocks.items():
        if not clock_running(case, name):
            continue
        done = STAGES.index(planned["stage"]) + 1 if planned["stage"] in STAGES else 0
        reached = [s for s in STAGES[done:] if dt.datetime.fromisoformat(planned[s]) <= now]
        if reached:
            out.append((name, reached[-1]))
    return out


def moments_until(case: Case, until: dt.datetime) -> list[tuple[dt.datetime, str, str]]:
    """Every (moment, clock, stage) of the running clocks that has come by ``until`` and not
    been acted on, in time order: what the clock worker acts on when each check it queued runs
    at its moment. The demo replays a case's history through this (``demo.cases``), so its
    warnings and breaches fall exactly where the worker's would."""
    out = []
    for name, planned in case.clocks.items():
        if not clock_running(case, name):
            continue
        done = STAGES.index(planned["stage"]) + 1 if planned["stage"] in STAGES else 0
        for stage in STAGES[done:]:
            at = dt.datetime.fromisoformat(planned[stage])
            if at <= until:
                out.append((at, name, stage))
    return sorted(out)


def is_late(case: Case, name: str, at: dt.datetime) -> bool:
    planned = case.clocks.get(name)
    return bool(planned) and at > dt.datetime.fromisoformat(planned["due"])
