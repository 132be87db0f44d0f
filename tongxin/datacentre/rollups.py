"""The one writer of the data centre's rollups.

``rebuild(day_from, day_to)`` recomputes every row of those local days from the records;
``incremental()`` (the scheduled job) recomputes only the days whose records changed since its
last run. Both write the same rows for the same records: a day is always recomputed whole
(its rows deleted and inserted again in one transaction), never patched.

What counts (the same base as ``cases.selectors.measures``, so the two agree):

- a case belongs to the local day it was received (``created_at``), to its grid (else the
  community its place lies in) and to its category; merged cases are not counted;
- ``accepted``: has an acceptance time; ``resolved``: resolved at least once and not reopened
  since, or closed after a follow-up; ``on_time``: resolved on time; ``reopened``: reopened at
  least once; ``overdue``: marked overdue; ``open``: still open; ``followed_up``: has a
  follow-up verdict; ``satisfied``: 满意 or 基本满意;
- ``accept_seconds``: the sum over accepted cases of acceptance time − receipt;
  ``resolve_seconds`` / ``resolve_timed``: the sum over cases with a resolution time of
  resolution − receipt, and how many they are.

A day is "touched" when one of its cases changed (``updated_at``) or gained an event
(``CaseEvent`` ids) since the mark; the mark is read back ``OVERLAP`` earlier each run, so
a transaction that committed late with an earlier change time is still seen.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce, Substr, TruncDate
from django.utils import timezone

from tongxin.cases.models import Case, CaseEvent, Feedback
from tongxin.cases.workflow import OPEN_STATES, State
from tongxin.core import clock
from tongxin.places.models import Place

from .models import CaseRollup, CaseStateRollup, RollupMark

log = logging.getLogger("tongxin.datacentre")

OVERLAP = dt.timedelta(minutes=10)
CASES = "cases"
# The count figures of a case rollup, funnel order: the one list (the API's columns, the
# dashboard's links and the tests read it); each is a number of cases, so it clicks through.
COUNTS = (
    "received",
    "accepted",
    "resolved",
    "on_time",
    "reopened",
    "overdue",
    "open",
    "followed_up",
    "satisfied",
)
FIGURES = (
    *COUNTS,
    "accept_seconds",
    "resolve_timed",
    "resolve_seconds",
)


def community_path_length() -> int | None:
    """Communities sit at one depth of the place tree: the length of their paths."""
    sample = Place.objects.filter(kind="community").values_list("path", flat=True).first()
    return len(sample) if sample else None


def area_path(length: int | None) -> Any:
    """The expression of a case's area: its grid's path, else its place's community."""
    fallback = Substr("place_path", 1, length) if length else F("place_path")
    return Coalesce(F("grid__path"), fallback)


def counted_cases() -> QuerySet[Any]:
    """Every case the rollups count (not the merged ones), annotated with ``area`` and
    ``day`` (the local day of receipt)."""
    return counted(Case.objects.all())


def counted(qs: QuerySet[Case]) -> QuerySet[Any]:
    """``qs`` (every case, or those a viewer may see) as the rollups count them."""
    return (
        qs.exclude(state=State.MERGED)
        .annotate(area=area_path(community_path_length()))
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
    )


EVER_RESOLVED = Q(resolved_at__isnull=False) | Q(state=State.CLOSED, feedback__gt="")
SATISFIED = Q(feedback__in=[Feedback.SATISFIED, Feedback.BASIC])

# Each figure as the condition a counted case meets (the click-through lists these).
CONDITIONS: dict[str, Q] = {
    "received": Q(),
    "accepted": Q(accepted_at__isnull=False),
    "resolved": EVER_RESOLVED,
    "on_time": Q(resolved_on_time=True),
    "reopened": Q(reopen_count__gt=0),
    "overdue": Q(overdue=True),
    "open": Q(state__in=OPEN_STATES),
    "followed_up": Q(feedback__gt=""),
    "satisfied": SATISFIED,
}


def _seconds(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.timedelta):
        return round(value.total_seconds())
    return round(float(value) / 1_000_000)  # SQLite answers microseconds


def _rows(qs: QuerySet[Any]) -> list[CaseRollup]:
    to_accept = ExpressionWrapper(F("accepted_at") - F("created_at"), output_field=DurationField())
    to_resolve = ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
    figures: dict[str, Any] = {
        name: Count("pk", filter=cond) if cond else Count("pk") for name, cond in CONDITIONS.items()
    }
    figures["accept_seconds"] = Sum(to_accept, filter=Q(accepted_at__isnull=False))
    figures["resolve_timed"] = Count("pk", filter=Q(resolved_at__isnull=False))
    figures["resolve_seconds"] = Sum(to_resolve, filter=Q(resolved_at__isnull=False))
    grouped = (
        qs.order_by()
        .values("day", "area", "category_id")
        .annotate(grid_ref=Max("grid_id"), **figures)
    )
    out = []
    for row in grouped:
        row["accept_seconds"] = _seconds(row["accept_seconds"])
        row["resolve_seconds"] = _seconds(row["resolve_seconds"])
        out.append(
            CaseRollup(
                day=row["day"],
                path=row["area"] or "",
                grid_id=row["grid_ref"],
                category_id=row["category_id"],
                **{name: row[name] for name in FIGURES},
            )
        )
    return out


def _state_rows(qs: QuerySet[Any]) -> list[CaseStateRollup]:
    """Time in each state of the cases of ``qs``: each case starts in REPORTED at its
    receipt; every event that changes the state ends a stay (its length summed into the
    state's row) and begins the next. A stay not yet ended is not counted."""
    cases = {
        pk: (day, area or "", grid, cat, created)
        for pk, day, area, grid, cat, created in qs.order_by().values_list(
            "pk", "day", "area", "grid_id", "category_id", "created_at"
        )
    }
    if not cases:
        return []
    events = (
        CaseEvent.objects.filter(case_id__in=qs.order_by().values("pk"))
        .exclude(to_state="")
        .order_by("case_id", "seq")
        .values_list("case_id", "at", "to_state")
    )
    sums: dict[tuple[Any, ...], list[int]] = {}
    current: tuple[int, str, dt.datetime] | None = None  # case, state, since
    for case_id, at, to_state in events.iterator(chunk_size=5000):
        if current is None or current[0] != case_id:
            current = (case_id, State.REPORTED, cases[case_id][4])
        if to_state == current[1]:
            continue
        day, area, grid, cat, _created = cases[case_id]
        row = sums.setdefault((day, area, cat, current[1], grid), [0, 0])
        row[0] += 1
        row[1] += max(0, round((at - current[2]).total_seconds()))
        current = (case_id, to_state, at)
    return [
        CaseStateRollup(
            day=day, path=area, category_id=cat, state=state, grid_id=grid, spells=n, seconds=sec
        )
        for (day, area, cat, state, grid), (n, sec) in sums.items()
    ]


def _days_range(day_from: dt.date, day_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return clock.start_of_day(day_from), clock.start_of_day(day_to + dt.timedelta(days=1))


def rebuild(day_from: dt.date, day_to: dt.date) -> int:
    """Recompute the case rollups of the local days ``day_from``…``day_to`` (both included)
    from the cases; returns the number of rows written."""
    if day_to < day_from:
        return 0
    since, until = _days_range(day_from, day_to)
    with transaction.atomic():
        CaseRollup.objects.filter(day__gte=day_from, day__lte=day_to).delete()
        CaseStateRollup.objects.filter(day__gte=day_from, day__lte=day_to).delete()
        cases = counted_cases().filter(created_at__gte=since, created_at__lt=until)
        rows = _rows(cases)
        CaseRollup.objects.bulk_create(rows, batch_size=2000)
        CaseStateRollup.objects.bulk_create(_state_rows(cases), batch_size=2000)
    return len(rows)


def _runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days joined into ranges (one query per range rather than per day)."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + dt.timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def touched_days(mark: RollupMark) -> set[dt.date]:
    """The local days of receipt of the cases changed, or given an event, since the mark."""
    cases = Case.objects.all()
    if mark.changed_to is not None:
        changed = Q(updated_at__gte=mark.changed_to - OVERLAP)
        if mark.event_to:
            changed |= Q(pk__in=CaseEvent.objects.filter(pk__gt=mark.event_to).values("case_id"))
        cases = cases.filter(changed)
    days = cases.annotate(
        day=TruncDate("created_at", tzinfo=timezone.get_current_timezone())
    ).order_by()
    return set(days.values_list("day", flat=True).distinct())


def incremental() -> str:
    """Recompute the days touched since the last run (all days, the first time) and move
    the mark; safe to run again at any time. Returns a summary for the job record."""
    mark, _ = RollupMark.objects.get_or_create(name=CASES)
    # Read the new mark before the records, so that nothing written meanwhile is skipped.
    newest = Case.objects.aggregate(at=Max("updated_at"))["at"]
    last_event = CaseEvent.objects.aggregate(pk=Max("pk"))["pk"] or 0
    days = touched_days(mark)
    rows = sum(rebuild(a, b) for a, b in _runs(days))
    RollupMark.objects.filter(pk=mark.pk).update(
        changed_to=newest or mark.changed_to,
        event_to=max(last_event, mark.event_to),
        ran_at=clock.now(),
        days=len(days),
    )
    log.info("case rollups: %s days recomputed, %s rows", len(days), rows)
    return f"{len(days)} days, {rows} rows"


def rebuild_all() -> str:
    """Every row again, from the first case's day to today, and the mark moved: what
    ``rollup_rebuild`` does without dates."""
    first = Case.objects.order_by("created_at").values_list("created_at", flat=True).first()
    last = Case.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    newest = Case.objects.aggregate(at=Max("updated_at"))["at"]
    last_event = CaseEvent.objects.aggregate(pk=Max("pk"))["pk"] or 0
    with transaction.atomic():
        CaseRollup.objects.all().delete()
        CaseStateRollup.objects.all().delete()
        rows = 0
        if first is not None and last is not None:
            rows = rebuild(clock.local_date(first), max(clock.local_date(last), clock.today()))
        RollupMark.objects.update_or_create(
            name=CASES,
            defaults={
                "changed_to": newest,
                "event_to": last_event,
                "ran_at": clock.now(),
                "days": 0,
            },
        )
    return f"{rows} rows"


NIGHTLY_DAYS = 35


def nightly() -> str:
    """The nightly run: the last ``NIGHTLY_DAYS`` days rebuilt whole (what an incremental
    run cannot see, such as an erased case, is gone from them), then the days touched
    before them."""
    today = clock.today()
    rows = rebuild(today - dt.timedelta(days=NIGHTLY_DAYS), today)
    return f"{rows} rows rebuilt; {incremental()}"
