"""The demo community's cases: every state, the demo users' own cases, and each case's fields
agreeing with its timeline and clocks as the services would have left them."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

import pytest
import time_machine
from django.utils import timezone

from tongxin.cases import selectors, sla
from tongxin.cases.models import Case, DepartmentCall, DutyShift, RoutingRule
from tongxin.cases.workflow import FINAL_STATES, OPEN_STATES, State
from tongxin.core import clock
from tongxin.demo.cases import build_demo_cases

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
    check_story(Case.objects.all(), clock.now())


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
    """The builder refuses (DemoStoryError) a timeline out of order, an act from a state the
    previous act did not leave, or an act that skips a clock moment; the fields agree too."""
    now = timezone.make_aware(local_now)
    first = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for seed in (1, 2, 3):
        with time_machine.travel(now, tick=False):
            build_demo_cases(seed=seed, count=320, now=now)
            check_story(Case.objects.filter(pk__gt=first), now)
