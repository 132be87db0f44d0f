"""Recurring schedules and missed meetings under frozen clocks, at hard dates (the year's
end, quarter boundaries, 29 February)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from tongxin.meetings import selectors, services
from tongxin.meetings.models import Cadence, Meeting, MeetingKind, Schedule

from .helpers import committee, convene

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.fixture(autouse=True)
def _no_demo_meetings(db):
    """These tests hold their own meetings at fixed dates: the demo's (dated from today) and
    its schedules would mix in."""
    Schedule.objects.all().delete()
    Meeting.objects.all().delete()


def at(y, m, d, h=10):
    return timezone.make_aware(dt.datetime(y, m, d, h, 0))


def hold(demo, when, kind="joint"):
    with time_machine.travel(when - dt.timedelta(hours=2), tick=False):
        m = convene(demo, kind=kind, starts_at=when)
    with time_machine.travel(when, tick=False):
        services.meeting_act(actor=demo.user("secretary"), meeting_id=m.pk, act="hold")
    return m


def schedule(kind="joint", cadence=Cadence.QUARTERLY, starts_on=dt.date(2026, 1, 1)):
    return Schedule.objects.create(
        organisation=committee(),
        kind=MeetingKind.objects.get(code=kind),
        cadence=cadence,
        starts_on=starts_on,
    )


def statuses(start, end):
    return [
        (o.period.start, o.status)
        for o in selectors.occurrences(Schedule.objects.all(), start=start, end=end)
        if o.schedule.organisation_id == committee().pk
    ]


def test_quarterly_joint_meeting_missed_and_held_across_the_year_end(demo):
    schedule()
    hold(demo, at(2026, 3, 31, 20))  # late on the quarter's last day: Q1
    hold(demo, at(2026, 10, 1, 9))  # first day of Q4
    # Q2 and Q3 without one.
    with time_machine.travel(at(2026, 12, 31, 23), tick=False):
        got = statuses(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
        assert got == [
            (dt.date(2026, 1, 1), "held"),
            (dt.date(2026, 4, 1), "missed"),
            (dt.date(2026, 7, 1), "missed"),
            (dt.date(2026, 10, 1), "held"),
        ]
        missed = selectors.missed_periods(
            [committee().pk], start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
        )
        assert [o.label for o in missed] == ["2026 年第 2 季度", "2026 年第 3 季度"]
    # On New Year's Day the new quarter is due, not missed.
    with time_machine.travel(at(2027, 1, 1, 0), tick=False):
        got = statuses(dt.date(2026, 10, 1), dt.date(2027, 3, 31))
        assert got == [(dt.date(2026, 10, 1), "held"), (dt.date(2027, 1, 1), "due")]
    with time_machine.travel(at(2027, 4, 1, 0), tick=False):
        got = statuses(dt.date(2027, 1, 1), dt.date(2027, 6, 30))
        assert got == [(dt.date(2027, 1, 1), "missed"), (dt.date(2027, 4, 1), "due")]


def test_a_cancelled_or_planned_meeting_does_not_count(demo):
    schedule(kind="theme_day", cadence=Cadence.MONTHLY, starts_on=dt.date(2028, 2, 1))
    with time_machine.travel(at(2028, 2, 20), tick=False):
        m = convene(demo, kind="theme_day", starts_at=at(2028, 2, 28))
        services.meeting_act(actor=demo.user("secretary"), meeting_id=m.pk, act="cancel")
        convene(demo, kind="theme_day", starts_at=at(2028, 2, 29))  # never held
    with time_machine.travel(at(2028, 3, 1, 0), tick=False):
        assert statuses(dt.date(2028, 2, 1), dt.date(2028, 3, 31)) == [
            (dt.date(2028, 2, 1), "missed"),
            (dt.date(2028, 3, 1), "due"),
        ]


def test_weekly_schedule_starting_mid_week_and_ending(demo):
    Schedule.objects.create(
        organisation=committee(),
        kind=MeetingKind.objects.get(code="weekly"),
        cadence=Cadence.WEEKLY,
        starts_on=dt.date(2026, 12, 30),
        ends_on=dt.date(2027, 1, 12),
    )
    hold(demo, at(2027, 1, 4), kind="weekly")
    with time_machine.travel(at(2027, 2, 1), tick=False):
        assert statuses(dt.date(2026, 12, 1), dt.date(2027, 1, 31)) == [
            (dt.date(2026, 12, 28), "missed"),
            (dt.date(2027, 1, 4), "held"),
            (dt.date(2027, 1, 11), "missed"),
        ]
