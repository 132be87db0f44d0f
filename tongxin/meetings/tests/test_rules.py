"""Quorum arithmetic and recurring periods (pure functions), at their boundaries."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from tongxin.meetings import quorum, schedules
from tongxin.meetings.models import Cadence


@pytest.mark.parametrize(
    ("expected", "fraction", "strict", "required"),
    [
        (10, Fraction(1, 2), False, 5),  # at least half of 10: 5
        (10, Fraction(1, 2), True, 6),  # more than half of 10: 6
        (9, Fraction(1, 2), False, 5),
        (9, Fraction(1, 2), True, 5),
        (10, Fraction(4, 5), False, 8),  # an election: at least 4/5
        (11, Fraction(4, 5), False, 9),
        (3, Fraction(2, 3), True, 3),  # more than two thirds of 3: all three
        (7, Fraction(0, 1), False, 0),  # no quorum rule (恳谈会)
    ],
)
def test_required_seats(expected, fraction, strict, required):
    assert quorum.required_seats(expected, fraction, strict=strict) == required


def test_apologies_lower_the_number_expected_only_where_the_kind_says_so():
    plain = quorum.compute(
        invited=10,
        present=5,
        excused=2,
        fraction=Fraction(1, 2),
        strict=True,
        apologies_reduce_expected=False,
    )
    assert (plain.expected, plain.required, plain.met, plain.absent) == (10, 6, False, 3)
    reduced = quorum.compute(
        invited=10,
        present=5,
        excused=2,
        fraction=Fraction(1, 2),
        strict=True,
        apologies_reduce_expected=True,
    )
    assert (reduced.expected, reduced.required, reduced.met) == (8, 5, True)


def test_a_meeting_without_invitees_is_never_quorate():
    q = quorum.compute(
        invited=0,
        present=0,
        excused=0,
        fraction=Fraction(0, 1),
        strict=False,
        apologies_reduce_expected=False,
    )
    assert not q.met


@pytest.mark.parametrize(
    ("cadence", "day", "start", "end"),
    [
        (Cadence.WEEKLY, dt.date(2026, 12, 31), dt.date(2026, 12, 28), dt.date(2027, 1, 3)),
        (Cadence.MONTHLY, dt.date(2028, 2, 29), dt.date(2028, 2, 1), dt.date(2028, 2, 29)),
        (Cadence.MONTHLY, dt.date(2026, 12, 31), dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
        (Cadence.QUARTERLY, dt.date(2026, 3, 31), dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        (Cadence.QUARTERLY, dt.date(2026, 4, 1), dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        (Cadence.QUARTERLY, dt.date(2026, 12, 31), dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        (Cadence.HALF_YEARLY, dt.date(2026, 7, 1), dt.date(2026, 7, 1), dt.date(2026, 12, 31)),
        (Cadence.YEARLY, dt.date(2027, 1, 1), dt.date(2027, 1, 1), dt.date(2027, 12, 31)),
    ],
)
def test_period_of(cadence, day, start, end):
    assert schedules.period_of(cadence, day) == schedules.Period(start, end)


def test_periods_cover_a_range_across_the_year_end():
    got = list(schedules.periods(Cadence.QUARTERLY, dt.date(2026, 11, 15), dt.date(2027, 4, 1)))
    assert [p.start for p in got] == [
        dt.date(2026, 10, 1),
        dt.date(2027, 1, 1),
        dt.date(2027, 4, 1),
    ]
    weeks = list(schedules.periods(Cadence.WEEKLY, dt.date(2026, 12, 28), dt.date(2027, 1, 10)))
    assert [p.label(Cadence.WEEKLY) for p in weeks] == ["2026 年第 53 周", "2027 年第 1 周"]
