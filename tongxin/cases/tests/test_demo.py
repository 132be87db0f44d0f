"""The demo community's cases: every state, the demo users' own cases, and each case's fields
agreeing with its timeline and clocks as the services would have left them."""

from __future__ import annotations

import ast
import datetime as dt
from itertools import pairwise
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from tongxin.cases import selectors, sla
from tongxin.cases.models import (
    Case,
    CaseEvent,
    DepartmentCall,
    DutyShift,
    RoutingDecision,
    RoutingRule,
)
from tongxin.cases.workflow import FINAL_STATES, OPEN_STATES, State
from tongxin.core import clock
from tongxin.demo.cases import build_demo_cases
from tongxin.demo.cases_bulk import bulk_cases

pytestmark = pytest.mark.dates


@pytest.mark.django_db
def test_every_state_and_the_demo_users_cases(demo):
    states = set(Case.objects.values_list("state", flat=True))
    assert states == set(State.values)
    assert Case.objects.filter(overdue=True, state__in=OPEN_STATES).exists()
    assert DepartmentCall.objects.filter(status=DepartmentCall.Status.CALLED).exists()
    assert set(Case.objects.exclude(feedback="").values_list("feedback", flat=True)) == {
        "satisfied",
        "basic",
        "unsatisfied",
    }
    assert RoutingRule.objects.count() >= 1

    resident = demo.user("resident")
    reported = selectors.worklist(resident, "reported")
    assert reported.filter(state__in=OPEN_STATES).exists()
    assert reported.filter(state=State.RESOLVED).exists()
    mine = selectors.worklist(demo.user("grid1"), "mine")
    assert mine.filter(state=State.REPORTED).count() >= 2
    assert selectors.worklist(demo.user("dept"), "escalated").exists()
    assert selectors.measures(demo.user("secretary"), by="grid")


@pytest.mark.django_db
def test_duty_roster_covers_nights_and_weekends_ahead(demo):
    now = clock.now()
    for days in range(0, 30, 3):
        night = clock.local(now + dt.timedelta(days=days)).replace(hour=23, minute=0)
        assert DutyShift.objects.filter(
            place__kind="community", starts_at__lte=night, ends_at__gt=night
        ).exists()
        assert DutyShift.objects.filter(
            place__kind="street", starts_at__lte=night, ends_at__gt=night
        ).exists()


def check_story(cases, now):
    """Each case's fields agree with its timeline and clocks, as the services leave them."""
    for case in cases.prefetch_related("events", "calls"):
        events = list(case.events.all())
        acts = [e.act for e in events]
        assert [e.seq for e in events] == list(range(1, len(events) + 1)), case.ref
        assert acts[:2] == ["report", "route"], case.ref
        assert events[-1].to_state == case.state, case.ref
        assert all(a.at <= b.at for a, b in pairwise(events)), case.ref
        assert all(a.to_state == b.from_state for a, b in pairwise(events)), case.ref
        assert events[0].at == case.created_at <= now
        assert case.ref.startswith(f"SQ{clock.local(case.created_at):%Y%m%d}")
        assert case.grid_id and case.place_path.startswith(case.grid.path)
        assert case.accept_due and case.resolve_due and case.clocks
        if case.state in FINAL_STATES:
            assert case.closed_at is not None, case.ref
            assert all(c["stage"] in ("stopped", "due") for c in case.clocks.values()), case.ref
        else:
            assert case.closed_at is None, case.ref
        if case.state == State.MERGED:
            assert case.merged_into_id and "merge" in acts
        if case.state in (State.RESOLVED, State.CLOSED) and "close" not in acts:
            assert case.resolved_at is not None and case.resolved_on_time is not None
        if case.state == State.CLOSED and acts[-1] == "feedback":
            assert case.feedback in ("satisfied", "basic") and case.feedback_at
        if case.resolved_at is not None:
            assert case.resolved_on_time == (case.resolved_at <= case.resolve_due), case.ref
        if case.accepted_at is not None:
            assert case.owner_id is not None
        # The clock worker's marks: a clock whose due time passed while it ran was breached,
        # and no moment that had come is left unmarked.
        running = case.state in OPEN_STATES and case.state != State.SUSPENDED
        if running and case.resolved_at is None and case.resolve_due < now:
            assert case.overdue and case.clocks["resolve"]["stage"] == "due", case.ref
            assert "breach" in acts
        assert not sla.moments_until(case, now - dt.timedelta(minutes=1)), case.ref
        if case.overdue:
            assert case.breach_level >= 1 and "breach" in acts, case.ref
        if case.state == State.ESCALATED:
            assert case.calls.exists()
        if case.reopen_count:
            assert case.feedback == "unsatisfied" or "feedback" in acts


@pytest.mark.django_db
def test_fields_agree_with_timeline_and_clocks():
    """As the clocks stood when the session's demo was generated: a demo deadline that falls
    while a long session runs is marked by the clock worker, which does not run here."""
    from tongxin.conftest import DEMO_SEED
    from tongxin.demo.cases import STORY_ENDS

    check_story(Case.objects.all(), STORY_ENDS.get(DEMO_SEED, clock.now()))


# Hard dates for a story that ends "now": New Year's Eve late evening, the 2027 Spring
# Festival week, a 调休 Saturday (worked), National Day, a month's last day, a leap day in 2028.
HARD_DATES = [
    dt.datetime(2026, 12, 31, 23, 30),
    dt.datetime(2027, 2, 8, 10, 0),
    dt.datetime(2026, 10, 10, 9, 15),
    dt.datetime(2026, 10, 1, 0, 5),
    dt.datetime(2027, 4, 30, 17, 59),
    dt.datetime(2028, 2, 29, 12, 0),
]


@pytest.mark.django_db
@pytest.mark.parametrize("local_now", HARD_DATES, ids=lambda d: d.strftime("%Y-%m-%dT%H%M"))
def test_the_demo_tells_a_true_story_whatever_the_date(local_now):
    """The builder refuses a timeline out of order or an act that skips a clock moment
    (DemoStoryError), and the state machine an act from the wrong state; the fields agree."""
    now = timezone.make_aware(local_now)
    first = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for seed in (1, 2, 3):
        with time_machine.travel(now, tick=False):
            build_demo_cases(seed=seed, count=320, now=now)
            check_story(Case.objects.filter(pk__gt=first), now)


@pytest.mark.django_db
def test_the_benchmark_loader_plays_the_same_workflow(demo):
    """``bulk_cases`` writes rows straight to the driver, but each case went through the
    workflow's acts: the same story checks hold, on every grid and in every state."""
    first = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    events_before, routings_before = CaseEvent.objects.count(), RoutingDecision.objects.count()
    now = clock.now().replace(second=0, microsecond=0)
    counts = bulk_cases(total=900, days=60, open_share=0.3, now=now, batch=400)
    new = Case.objects.filter(pk__gt=first)
    assert new.count() == counts["cases"] == 900
    assert CaseEvent.objects.count() - events_before == counts["case_events"]
    assert RoutingDecision.objects.count() - routings_before == counts["routing_decisions"]
    assert set(new.values_list("state", flat=True)) == set(State.values)
    assert new.filter(overdue=True).count() == counts["overdue"] > 0
    assert DepartmentCall.objects.filter(case__in=new).count() == counts["department_calls"] > 0
    check_story(new, now)


# The fields the acts of the workflow set: only ``cases.changes`` assigns them.
WORKFLOW_FIELDS = {
    "state", "accepted_at", "arrived_at", "resolved_at", "resolved_on_time", "closed_at",
    "feedback", "feedback_at", "merged_into", "merged_into_id", "suspended_from",
    "suspended_at", "overdue", "breach_level", "supervisor", "supervisor_id", "reopen_count",
    "supervised",
}  # fmt: skip
WORKFLOW_ROWS = {"CaseEvent", "RoutingDecision", "DepartmentCall"}


def second_workflow(source: str) -> list[str]:
    """Where ``source`` sets a workflow field of a case or builds a timeline row itself."""
    found = []
    for node in ast.walk(ast.parse(source)):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = [t for target in node.targets for t in ast.walk(target)]
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        found += [
            f"line {t.lineno}: .{t.attr} =" for t in targets
            if isinstance(t, ast.Attribute) and t.attr in WORKFLOW_FIELDS
        ]  # fmt: skip
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in WORKFLOW_ROWS:
                found.append(f"line {node.lineno}: {name}(…)")
    return found


def test_the_services_and_loaders_have_one_workflow():
    """The acts are planned in ``cases/changes.py`` only: the services and the demo and
    benchmark loaders call it and neither set a workflow field nor build a timeline row."""
    root = Path(__file__).resolve().parents[2]
    files = [*(root / "cases" / "services").glob("*.py"), *(root / "demo").glob("*.py")]
    assert len(files) > 10
    offences = {
        str(path.relative_to(root)): found
        for path in files
        if (found := second_workflow(path.read_text(encoding="utf-8")))
    }
    assert offences == {}


def test_the_one_workflow_check_can_fail():
    assert second_workflow("case.state = 'closed'\nx.a, y.closed_at = 1, 2\n") == [
        "line 1: .state =",
        "line 2: .closed_at =",
    ]
    assert second_workflow("CaseEvent(case=c)\nmodels.RoutingDecision()\n") == [
        "line 1: CaseEvent(…)",
        "line 2: RoutingDecision(…)",
    ]
    assert second_workflow("Case(state='reported')\nchanges.accept(case, by=1)\n") == []
