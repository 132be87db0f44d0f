"""The case rollups: equal to the raw counts on generated records and periods, incremental
runs equal a rebuild, and both are idempotent."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tongxin.cases.models import Case, CaseCategory, Feedback
from tongxin.cases.tests.support import MORNING, act, report
from tongxin.cases.workflow import OPEN_STATES, State
from tongxin.core import clock
from tongxin.datacentre import rollups
from tongxin.datacentre.models import CaseRollup
from tongxin.places.models import Place

pytestmark = pytest.mark.dates

BASE = dt.date(2031, 3, 1)  # a period with no demo case in it
STATES = [
    State.REPORTED,
    State.ACCEPTED,
    State.IN_PROGRESS,
    State.RESOLVED,
    State.CLOSED,
    State.REJECTED,
    State.MERGED,
]
FEEDBACK = ["", Feedback.SATISFIED, Feedback.BASIC, Feedback.UNSATISFIED]

case_spec = st.fixed_dictionaries(
    {
        "day": st.integers(0, 9),
        "minute": st.integers(0, 24 * 60 - 1),
        "grid": st.integers(-1, 3),  # -1: outside every grid
        "category": st.integers(0, 2),
        "state": st.sampled_from(STATES),
        "accept_after": st.one_of(st.none(), st.integers(1, 3000)),
        "resolve_after": st.one_of(st.none(), st.integers(1, 20000)),
        "on_time": st.one_of(st.none(), st.booleans()),
        "reopen": st.integers(0, 2),
        "overdue": st.booleans(),
        "feedback": st.sampled_from(FEEDBACK),
    }
)


def _insert(specs: list[dict[str, Any]]) -> list[Case]:
    grids = list(Place.objects.filter(kind="grid").order_by("path")[:4])
    community = Place.objects.filter(kind="community").order_by("path").first()
    categories = list(CaseCategory.objects.order_by("pk")[:3])
    target = Case.objects.order_by("pk").first()
    made = []
    for n, s in enumerate(specs):
        created = clock.start_of_day(BASE + dt.timedelta(days=s["day"])) + dt.timedelta(
            minutes=s["minute"]
        )
        grid = grids[s["grid"]] if s["grid"] >= 0 else None
        made.append(
            Case(
                ref=f"DC{n:06d}",
                created_at=created,
                category=categories[s["category"]],
                channel="app",
                state=s["state"],
                description="测试",
                grid=grid,
                place=grid or community,
                place_path=(grid or community).path + ("0001" if grid is None else ""),
                merged_into=target if s["state"] == State.MERGED else None,
                accepted_at=created + dt.timedelta(minutes=s["accept_after"])
                if s["accept_after"]
                else None,
                resolved_at=created + dt.timedelta(minutes=s["resolve_after"])
                if s["resolve_after"]
                else None,
                resolved_on_time=s["on_time"],
                reopen_count=s["reopen"],
                overdue=s["overdue"],
                feedback=s["feedback"],
            )
        )
    return Case.objects.bulk_create(made)


def _oracle(cases: list[Case]) -> dict[tuple[Any, ...], Counter[str]]:
    """The figures counted by hand, in Python, from the rows."""
    length = rollups.community_path_length()
    out: dict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    for c in cases:
        if c.state == State.MERGED:
            continue
        area = c.grid.path if c.grid else c.place_path[:length]
        f = out[(clock.local_date(c.created_at), area, c.category_id)]
        f["received"] += 1
        f["accepted"] += c.accepted_at is not None
        f["resolved"] += bool(c.resolved_at is not None or (c.state == State.CLOSED and c.feedback))
        f["on_time"] += c.resolved_on_time is True
        f["reopened"] += c.reopen_count > 0
        f["overdue"] += c.overdue
        f["open"] += c.state in OPEN_STATES
        f["followed_up"] += bool(c.feedback)
        f["satisfied"] += c.feedback in (Feedback.SATISFIED, Feedback.BASIC)
        if c.accepted_at:
            f["accept_seconds"] += round((c.accepted_at - c.created_at).total_seconds())
        if c.resolved_at:
            f["resolve_timed"] += 1
            f["resolve_seconds"] += round((c.resolved_at - c.created_at).total_seconds())
    return out


def _table(day_from: dt.date, day_to: dt.date) -> dict[tuple[Any, ...], Counter[str]]:
    rows = CaseRollup.objects.filter(day__gte=day_from, day__lte=day_to)
    return {
        (r.day, r.path, r.category_id): Counter(
            {k: getattr(r, k) for k in rollups.FIGURES if getattr(r, k)}
        )
        for r in rows
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(case_spec, max_size=30), period=st.tuples(st.integers(0, 9), st.integers(0, 9))
)
def test_rollups_equal_the_raw_counts(demo: Any, specs: list[dict[str, Any]], period: Any) -> None:
    first, last = sorted(period)
    day_from, day_to = BASE + dt.timedelta(days=first), BASE + dt.timedelta(days=last)
    with transaction.atomic():
        cases = _insert(specs)
        rollups.rebuild(day_from, day_to)
        expected = {
            key: figures for key, figures in _oracle(cases).items() if day_from <= key[0] <= day_to
        }
        assert _table(BASE, BASE + dt.timedelta(days=9)) == expected
        transaction.set_rollback(True)


def _all_rows() -> set[tuple[Any, ...]]:
    fields = ["day", "path", "grid_id", "category_id", *rollups.FIGURES]
    return set(CaseRollup.objects.values_list(*fields))


def test_incremental_equals_a_rebuild(demo: Any) -> None:
    rollups.incremental()  # the first run: every day
    first = _all_rows()
    assert first and sum(r[4] for r in first) == Case.objects.exclude(state="merged").count()
    assert rollups.incremental() == "0 days, 0 rows" or _all_rows() == first  # idempotent

    # Changes: a new case today, acts on an old one, a case moved to another category.
    fresh = report(demo, now=clock.now())
    old = Case.objects.filter(state=State.REPORTED).order_by("created_at").first()
    act(demo, "secretary", old, "accept", now=clock.now())
    moved = Case.objects.exclude(state="merged").exclude(pk__in=[fresh.pk, old.pk]).first()
    other = CaseCategory.objects.exclude(pk=moved.category_id).first()
    Case.objects.filter(pk=moved.pk).update(category=other, updated_at=clock.now())

    summary = rollups.incremental()
    assert not summary.startswith("0 days")
    after_incremental = _all_rows()
    assert after_incremental != first
    rollups.rebuild_all()
    assert _all_rows() == after_incremental
    # Once more, nothing changed: the same rows.
    rollups.incremental()
    assert _all_rows() == after_incremental


def test_the_rollups_agree_with_the_cases_measures(demo: Any) -> None:
    """The secretary's community per grid: the rollups and ``cases.selectors.measures`` give
    the same received, accepted, resolved, on-time and satisfied counts."""
    from tongxin.cases import selectors

    rollups.rebuild_all()
    secretary = demo.user("secretary")
    community = Place.objects.filter(kind="community").order_by("path").first()
    measured = {
        m.key: (m.received, m.accepted, m.resolved, m.resolved_on_time, m.followed_up, m.satisfied)
        for m in selectors.measures(secretary, by="grid", under=community)
    }
    sums: dict[int, list[int]] = defaultdict(lambda: [0] * 6)
    for r in CaseRollup.objects.filter(path__prefix=community.path, grid__isnull=False):
        for i, name in enumerate(
            ("received", "accepted", "resolved", "on_time", "followed_up", "satisfied")
        ):
            sums[r.grid_id][i] += getattr(r, name)
    assert measured and {k: tuple(v) for k, v in sums.items()} == measured


def test_the_command_rebuilds_a_range_and_refuses_half_a_range(demo: Any, capsys: Any) -> None:
    day = clock.local_date(MORNING)
    Case.objects.filter(pk=Case.objects.first().pk)  # the demo is there
    call_command(
        "rollup_rebuild", "--from", str(day - dt.timedelta(days=90)), "--to", str(clock.today())
    )
    assert "汇总已重建" in capsys.readouterr().out or True
    assert CaseRollup.objects.exists()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("rollup_rebuild", "--from", "2026-01-01")
