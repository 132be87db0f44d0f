"""The demo community's cases: every state, the demo users' own cases, and each case's fields
agreeing with its timeline and clocks as the services would have left them."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

import pytest
from django.utils import timezone

from tongxin.cases import selectors
from tongxin.cases.models import Case, DepartmentCall, DutyShift, RoutingRule
from tongxin.cases.workflow import FINAL_STATES, OPEN_STATES, State


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
    now = timezone.now()
    for days in range(0, 30, 3):
        night = timezone.localtime(now + dt.timedelta(days=days)).replace(hour=23, minute=0)
        assert DutyShift.objects.filter(
            place__kind="community", starts_at__lte=night, ends_at__gt=night
        ).exists()
        assert DutyShift.objects.filter(
            place__kind="street", starts_at__lte=night, ends_at__gt=night
        ).exists()


@pytest.mark.django_db
def test_fields_agree_with_timeline_and_clocks():
    now = timezone.now()
    for case in Case.objects.prefetch_related("events", "calls"):
        events = list(case.events.all())
        acts = [e.act for e in events]
        assert [e.seq for e in events] == list(range(1, len(events) + 1)), case.ref
        assert acts[:2] == ["report", "route"], case.ref
        assert events[-1].to_state == case.state, case.ref
        assert all(a.at <= b.at for a, b in pairwise(events)), case.ref
        assert events[0].at == case.created_at <= now
        assert case.ref.startswith(f"SQ{timezone.localtime(case.created_at):%Y%m%d}")
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
        # The clock worker's marks: a clock whose due time passed while it ran was breached.
        running = case.state in OPEN_STATES and case.state != State.SUSPENDED
        if running and case.resolved_at is None and case.resolve_due < now:
            assert case.overdue and case.clocks["resolve"]["stage"] == "due", case.ref
            assert "breach" in acts
        if case.overdue:
            assert case.breach_level >= 1 and "breach" in acts, case.ref
        if case.state == State.ESCALATED:
            assert case.calls.exists()
        if case.reopen_count:
            assert case.feedback == "unsatisfied" or "feedback" in acts
