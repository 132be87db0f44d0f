"""Working days and working minutes: weekends, the 2026 public holidays and make-up days as
published, the admin's overrides, and years not yet published."""

from __future__ import annotations

import datetime as dt

import pytest

from tongxin.cases import worktime
from tongxin.cases.models import WorkCalendarDay

from .support import at

pytestmark = pytest.mark.dates

D = dt.date


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 10, 20), True),  # a Tuesday
        (D(2026, 10, 24), False),  # a Saturday
        (D(2026, 10, 25), False),  # a Sunday
        (D(2026, 1, 1), False),  # 元旦
        (D(2026, 9, 25), False),  # 中秋 (a Friday)
        (D(2026, 10, 1), False),  # 国庆
        (D(2026, 10, 5), False),  # 国庆, a Monday
        (D(2026, 10, 7), False),  # 国庆, a Wednesday
        (D(2026, 10, 8), True),  # back at work
        (D(2026, 9, 20), True),  # make-up day, a Sunday
        (D(2026, 10, 10), True),  # make-up day, a Saturday
        (D(2027, 6, 14), True),  # a year not yet known: Monday to Friday
        (D(2031, 1, 4), False),  # a Saturday of an unknown year
    ],
)
def test_published_working_days(day, working):
    assert worktime.is_workday(day) is working


@pytest.mark.django_db
def test_overrides_win():
    WorkCalendarDay.objects.create(date=D(2026, 10, 20), is_workday=False, note="临时放假")
    WorkCalendarDay.objects.create(date=D(2026, 10, 3), is_workday=True, note="防汛值守")
    assert worktime.is_workday(D(2026, 10, 20)) is False
    assert worktime.is_workday(D(2026, 10, 3)) is True
    calendar = worktime.Calendar(D(2026, 10, 1), D(2026, 10, 31))
    assert [d for d in (D(2026, 10, 3), D(2026, 10, 20)) if calendar.is_workday(d)] == [
        D(2026, 10, 3)
    ]
    # A day outside the window read at construction still sees its override.
    WorkCalendarDay.objects.create(date=D(2026, 12, 1), is_workday=False)
    assert calendar.is_workday(D(2026, 12, 1)) is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("moment", "working"),
    [
        (at(2026, 10, 20, 8, 29), False),
        (at(2026, 10, 20, 8, 30), True),
        (at(2026, 10, 20, 11, 59), True),
        (at(2026, 10, 20, 12, 0), False),  # lunch
        (at(2026, 10, 20, 14, 0), True),
        (at(2026, 10, 20, 18, 0), False),
        (at(2026, 10, 20, 23, 0), False),
        (at(2026, 10, 25, 10, 0), False),  # Sunday
        (at(2026, 10, 10, 10, 0), True),  # make-up Saturday
        (dt.datetime(2026, 10, 20, 2, 0, tzinfo=dt.UTC), True),  # 10:00 in Beijing
    ],
)
def test_working_time(moment, working):
    assert worktime.is_working_time(moment) is working


@pytest.mark.django_db
def test_add_minutes():
    start = at(2026, 10, 20, 9, 0)
    assert worktime.add_minutes(start, 90, working=False) == at(2026, 10, 20, 10, 30)
    assert worktime.add_minutes(start, 180, working=True) == at(2026, 10, 20, 12, 0)
    assert worktime.add_minutes(start, 181, working=True) == at(2026, 10, 20, 14, 1)
    # Starting off hours: the count begins at the next opening.
    assert worktime.add_minutes(at(2026, 10, 20, 22, 0), 30, working=True) == at(2026, 10, 21, 9, 0)
    assert worktime.add_minutes(at(2026, 10, 24, 10, 0), 30, working=True) == at(2026, 10, 26, 9, 0)
    # Across the National Day holiday.
    assert worktime.add_minutes(at(2026, 9, 30, 17, 30), 60, working=True) == at(2026, 10, 8, 9, 0)
    # A naive moment is read as local time.
    naive = dt.datetime(2026, 10, 20, 9, 0)
    assert worktime.add_minutes(naive, 60, working=True) == at(2026, 10, 20, 10, 0)


@pytest.mark.django_db
def test_working_minutes_between():
    assert worktime.working_minutes_between(at(2026, 10, 20, 9), at(2026, 10, 20, 8)) == 0
    assert worktime.working_minutes_between(at(2026, 10, 20, 9), at(2026, 10, 20, 15)) == 240
    # Friday 17:00 to Monday 09:00: one hour on Friday, half an hour on Monday.
    assert worktime.working_minutes_between(at(2026, 10, 23, 17), at(2026, 10, 26, 9)) == 90
    # The whole National Day week is not working time.
    assert worktime.working_minutes_between(at(2026, 9, 30, 18), at(2026, 10, 8, 8, 30)) == 0


@pytest.mark.django_db
def test_add_and_between_agree():
    start = at(2026, 9, 28, 10, 17)
    for minutes in (1, 59, 450, 451, 2400, 4000):
        end = worktime.add_minutes(start, minutes, working=True)
        assert worktime.working_minutes_between(start, end) == minutes


# ---------------------------------------------------------------- years chinese-calendar lacks


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2027, 1, 1), False),  # 元旦
        (D(2027, 2, 5), False),  # 除夕 (a Friday)
        (D(2027, 2, 8), False),  # 春节, a Monday
        (D(2027, 2, 10), False),  # 春节 (the break made whole)
        (D(2027, 2, 11), True),  # back at work
        (D(2027, 4, 5), False),  # 清明 (a Monday)
        (D(2027, 10, 1), False),  # 国庆
        (D(2027, 10, 4), False),  # 国庆, a Monday
        (D(2027, 10, 6), True),  # a Wednesday after the break
        (D(2028, 1, 26), False),  # 春节 2028
        (D(2028, 2, 29), True),  # a leap day, a Tuesday
    ],
)
def test_later_years_take_statutory_holidays_from_the_holidays_package(day, working):
    assert not worktime.arrangement_published(day.year)
    assert worktime.is_workday(day) is working


@pytest.mark.django_db
def test_the_admin_table_overrides_the_estimate():
    # The State Council's notice makes a Sunday a working day: entered in the admin, it wins.
    WorkCalendarDay.objects.create(date=D(2027, 2, 14), is_workday=True, note="春节调休上班")
    WorkCalendarDay.objects.create(date=D(2027, 2, 11), is_workday=False, note="春节")
    assert worktime.is_workday(D(2027, 2, 14)) is True
    assert worktime.is_workday(D(2027, 2, 11)) is False


@pytest.mark.django_db
def test_working_clocks_skip_the_spring_festival_2027():
    # Thursday 4 Feb 2027 17:00 plus two working hours: the break runs 5–10 February, so the
    # deadline falls on Thursday the 11th (09:30), not on Friday the 5th.
    due = worktime.add_minutes(at(2027, 2, 4, 17, 0), 120, working=True)
    assert due == at(2027, 2, 11, 9, 30)


@pytest.mark.django_db
def test_unconfirmed_years_are_named_from_the_first_of_november(django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from tongxin.cases.models import WorkCalendarYear

    cache.clear()
    assert worktime.unconfirmed_years(D(2026, 10, 31)) == []  # 2026 is published
    assert worktime.unconfirmed_years(D(2026, 11, 1)) == [2027]
    assert worktime.unconfirmed_years(D(2027, 3, 1)) == [2027]
    with django_capture_on_commit_callbacks(execute=True):
        WorkCalendarYear.objects.create(year=2027, note="国办发明电")
    assert worktime.unconfirmed_years(D(2026, 12, 31)) == []
    assert worktime.unconfirmed_years(D(2027, 11, 2)) == [2028]
