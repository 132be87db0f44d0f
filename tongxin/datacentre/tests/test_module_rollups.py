"""The modules' rollups (visits, alarms, volunteering, needs, wishes): equal to the raw
counts on generated records and periods (counted by hand here, in Python), incremental runs
equal a rebuild, both idempotent; and the time each case spent in each state."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from tongxin.alarms.models import Alarm, Outcome
from tongxin.cases.models import Case, CaseEvent
from tongxin.cases.tests.support import act, report
from tongxin.cases.workflow import State
from tongxin.core import clock
from tongxin.datacentre import module_rollups, rollups
from tongxin.datacentre.models import CaseStateRollup, ModuleRollup
from tongxin.datacentre.sources import ALARMS, SOURCES, VISITS
from tongxin.matching.models import Need
from tongxin.places.models import Place
from tongxin.visits.models import TaskState, VisitTask

from .helpers import (
    BASE,
    HYPOTHESIS,
    assert_incremental_equals_rebuild,
    at,
    period,
    settled_rows,
    table,
)

pytestmark = pytest.mark.dates


def _area(grid: Place | None, place_path: str) -> str:
    from tongxin.datacentre.sources import grid_path_length

    return grid.path if grid else place_path[: grid_path_length()]


visit_spec = st.fixed_dictionaries(
    {
        "day": st.integers(0, 9),
        "minute": st.integers(0, 24 * 60 - 1),
        "grid": st.integers(-1, 2),
        "state": st.sampled_from(list(TaskState)),
        "done_after": st.integers(-3000, 3000),
    }
)


@HYPOTHESIS
@given(specs=st.lists(visit_spec, max_size=25), period=period)
def test_visit_rollups_equal_the_raw_counts(demo: Any, specs: list[Any], period: Any) -> None:
    first, last = sorted(period)
    day_from, day_to = BASE + dt.timedelta(days=first), BASE + dt.timedelta(days=last)
    template = VisitTask.objects.select_related("rule").order_by("pk").first()
    grids = list(Place.objects.filter(kind="grid").order_by("path")[:3])
    with transaction.atomic():
        made = []
        for n, s in enumerate(specs):
            grid = grids[s["grid"]] if s["grid"] >= 0 else None
            due = at(s["day"], s["minute"])
            done = s["state"] == TaskState.DONE
            made.append(
                VisitTask(
                    person_id=template.person_id,
                    rule_id=template.rule_id,
                    trigger=f"dc{n}",
                    period_start=BASE,
                    due_by=due,
                    late_by=due + dt.timedelta(days=3),
                    state=s["state"],
                    done_at=due + dt.timedelta(minutes=s["done_after"]) if done else None,
                    grid=grid,
                    place_path=(grid.path if grid else template.place_path[:12] + "0009"),
                )
            )
        VisitTask.objects.bulk_create(made)
        module_rollups.rebuild(VISITS, day_from, day_to)
        expected: dict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
        for t in made:
            day = clock.local_date(t.due_by)
            if t.state == TaskState.CANCELLED or not day_from <= day <= day_to:
                continue
            f = expected[(day, _area(t.grid, t.place_path), template.rule.care_kind)]
            f["due"] += 1
            f["on_time"] += t.state == TaskState.DONE and t.done_at <= t.due_by
            f["late"] += t.state == TaskState.DONE and t.done_at > t.due_by
            f["missed"] += t.state == TaskState.MISSED
            f["open"] += t.state == TaskState.OPEN
        assert table("visits") == {k: +v for k, v in expected.items()}
        transaction.set_rollback(True)


alarm_spec = st.fixed_dictionaries(
    {
        "day": st.integers(0, 9),
        "minute": st.integers(0, 24 * 60 - 1),
        "kind": st.sampled_from(["press", "fall"]),
        "ack": st.one_of(st.none(), st.integers(1, 900)),
        "arrive": st.one_of(st.none(), st.integers(60, 3600)),
        "outcome": st.sampled_from(["", *Outcome.values]),
    }
)


@HYPOTHESIS
@given(specs=st.lists(alarm_spec, max_size=25), period=period)
def test_alarm_rollups_equal_the_raw_counts(demo: Any, specs: list[Any], period: Any) -> None:
    first, last = sorted(period)
    day_from, day_to = BASE + dt.timedelta(days=first), BASE + dt.timedelta(days=last)
    template = Alarm.objects.order_by("pk").first()
    with transaction.atomic():
        made = []
        for s in specs:
            opened = at(s["day"], s["minute"])
            made.append(
                Alarm(
                    device_id=template.device_id,
                    person_id=template.person_id,
                    kind=s["kind"],
                    state="closed",
                    opened_at=opened,
                    acked_at=opened + dt.timedelta(seconds=s["ack"]) if s["ack"] else None,
                    arrived_at=opened + dt.timedelta(seconds=s["arrive"]) if s["arrive"] else None,
                    outcome=s["outcome"],
                    place_path=template.place_path,
                    grid_id=template.grid_id,
                )
            )
        Alarm.objects.bulk_create(made)
        module_rollups.rebuild(ALARMS, day_from, day_to)
        expected: dict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
        for a in made:
            day = clock.local_date(a.opened_at)
            if not day_from <= day <= day_to:
                continue
            f = expected[(day, _area(template.grid, a.place_path), a.kind)]
            f["presses"] += 1
            f["false_presses"] += a.outcome == Outcome.FALSE_PRESS
            if a.acked_at:
                f["acked"] += 1
                f["ack_seconds"] += round((a.acked_at - a.opened_at).total_seconds())
            if a.arrived_at:
                f["arrived"] += 1
                f["arrive_seconds"] += round((a.arrived_at - a.opened_at).total_seconds())
        assert table("alarms") == {k: +v for k, v in expected.items()}
        transaction.set_rollback(True)


def test_every_module_rolled_up_equals_its_raw_counts(demo: Any) -> None:
    """On the demo: each source's total of each count figure is the number of its records
    meeting the figure's condition."""
    module_rollups.rebuild_every()
    for source in SOURCES.values():
        counted = module_rollups.counted(source, source.records())
        for figure in source.figures:
            if not figure.countable:
                continue
            rolled = sum(
                ModuleRollup.objects.filter(source=source.name, figure=figure.name).values_list(
                    "value", flat=True
                )
            )
            assert rolled == counted.filter(figure.when).count(), (source.name, figure.name)
        assert ModuleRollup.objects.filter(source=source.name).exists(), source.name


def test_module_incremental_equals_a_rebuild(demo: Any) -> None:
    first = settled_rows()  # the first run: every day, then idempotent

    # Changes: a visit done, an alarm acknowledged, a need claimed.
    task = VisitTask.objects.filter(state=TaskState.OPEN).order_by("due_by").first()
    VisitTask.objects.filter(pk=task.pk).update(
        state=TaskState.DONE, done_at=task.due_by, updated_at=clock.now()
    )
    alarm = Alarm.objects.filter(acked_at__isnull=True).first() or Alarm.objects.first()
    Alarm.objects.filter(pk=alarm.pk).update(
        acked_at=alarm.opened_at + dt.timedelta(minutes=3),
        outcome=Outcome.FALSE_PRESS,
        updated_at=clock.now(),
    )
    need = Need.objects.filter(claimed_at__isnull=True).first()
    if need is not None:
        Need.objects.filter(pk=need.pk).update(claimed_at=clock.now(), updated_at=clock.now())

    assert "0 days" not in module_rollups.incremental(VISITS)
    assert_incremental_equals_rebuild(first)


def _state_oracle() -> dict[tuple[Any, ...], list[int]]:
    """Time in each state by hand: each case from REPORTED at its receipt, each change of
    state ending a stay."""
    length = rollups.community_path_length()
    out: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for case in Case.objects.exclude(state=State.MERGED).select_related("grid"):
        area = case.grid.path if case.grid else case.place_path[:length]
        state, since = State.REPORTED, case.created_at
        for ev in CaseEvent.objects.filter(case=case).order_by("seq"):
            if not ev.to_state or ev.to_state == state:
                continue
            row = out[(clock.local_date(case.created_at), area, case.category_id, state)]
            row[0] += 1
            row[1] += max(0, round((ev.at - since).total_seconds()))
            state, since = ev.to_state, ev.at
    return dict(out)


def _state_rows() -> dict[tuple[Any, ...], list[int]]:
    return {
        (r.day, r.path, r.category_id, r.state): [r.spells, r.seconds]
        for r in CaseStateRollup.objects.all()
    }


def test_time_in_each_state_equals_the_timeline_and_incremental_equals_rebuild(
    demo: Any,
) -> None:
    rollups.incremental()
    assert _state_rows() == _state_oracle()
    assert CaseStateRollup.objects.filter(state=State.REPORTED).exists()
    fresh = report(demo, now=clock.now())
    act(demo, "secretary", fresh, "accept", now=clock.now() + dt.timedelta(minutes=42))
    rollups.incremental()
    after = _state_rows()
    assert after == _state_oracle()
    rollups.rebuild_all()
    assert _state_rows() == after
