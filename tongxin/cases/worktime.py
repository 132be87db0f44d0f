"""Working time: which days are working days and how deadlines count working minutes.

A day is a working day by, in order: the admin's override table (``WorkCalendarDay``, for the
arrangement the State Council publishes late each year), the published arrangement as the
``chinese_calendar`` package knows it (public holidays and the make-up working days 调休), and
for years that package does not know yet, Monday to Friday less China's statutory holidays as
the ``holidays`` package computes them (lunar festivals included, no make-up days: those only
come with the State Council's notice, entered in the admin). Until an administrator confirms
such a year (``WorkCalendarYear``) the workbench says so, from 1 November of the year before.
Office hours come from ``TONGXIN_WORKING_HOURS`` (local time, e.g. 08:30–12:00 and
14:00–18:00).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar
import holidays
from django.conf import settings
from django.core.cache import cache

from tongxin.core import clock

MAX_DAYS = 3 * 366  # no deadline runs longer than this
CONFIRMED_CACHE_SECONDS = 600


def _overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    from . import config

    return config.calendar_overrides(start, end)


@lru_cache(maxsize=64)
def arrangement_published(year: int) -> bool:
    """Whether ``chinese_calendar`` carries the State Council's arrangement for ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> frozenset[dt.date]:
    """China's public holidays of ``year`` from the ``holidays`` package (with the days it
    adds to make the Spring Festival and National Day breaks whole)."""
    return frozenset(holidays.China(years=year))


@lru_cache(maxsize=4096)
def published_workday(day: dt.date) -> bool:
    """The published arrangement, or for a year not yet published Monday–Friday less the
    statutory holidays."""
    if arrangement_published(day.year):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5 and day not in statutory_holidays(day.year)


def unconfirmed_years(today: dt.date) -> list[int]:
    """The years whose arrangement the clocks only estimate and nobody has confirmed: this
    year, and from 1 November next year too."""
    years = [today.year, today.year + 1] if today.month >= 11 else [today.year]
    years = [y for y in years if not arrangement_published(y)]
    if not years:
        return []
    confirmed = confirmed_years()
    return [y for y in years if y not in confirmed]


CONFIRMED_KEY = "worktime:confirmed-years"


def confirmed_years() -> set[int]:
    """Every confirmed year (a handful of rows), read on every workbench: cached, and
    forgotten when a confirmation is saved or deleted."""
    from .models import WorkCalendarYear

    confirmed = cache.get(CONFIRMED_KEY)
    if confirmed is None:
        confirmed = set(WorkCalendarYear.objects.values_list("year", flat=True))
        cache.set(CONFIRMED_KEY, confirmed, CONFIRMED_CACHE_SECONDS)
    return confirmed


def forget_confirmations() -> None:
    """Drop the cached confirmations (after a ``WorkCalendarYear`` changes)."""
    cache.delete(CONFIRMED_KEY)


class Calendar:
    """Working days between two dates, reading the override table once."""

    def __init__(self, start: dt.date, end: dt.date) -> None:
        self.start, self.end = start, end
        self.overrides = _overrides(start, end)

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if not (self.start <= day <= self.end):
            extra = _overrides(day, day)
            if day in extra:
                return extra[day]
        return published_workday(day)


def is_workday(day: dt.date) -> bool:
    return Calendar(day, day).is_workday(day)


def office_hours() -> list[tuple[dt.time, dt.time]]:
    spans = getattr(settings, "TONGXIN_WORKING_HOURS", (("08:30", "12:00"), ("14:00", "18:00")))
    return [(dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in spans]


def _local(at: dt.datetime) -> dt.datetime:
    return clock.local(at)


def is_working_time(at: dt.datetime) -> bool:
    local = _local(at)
    if not is_workday(local.date()):
        return False
    t = local.time()
    return any(a <= t < b for a, b in office_hours())


def add_minutes(
    start: dt.datetime, minutes: int, *, working: bool, calendar: Calendar | None = None
) -> dt.datetime:
    """``start`` plus ``minutes``: on the wall clock, or counting only working minutes.
    ``calendar`` lets a caller that adds several spans read the override table once."""
    if not working:
        return start + dt.timedelta(minutes=minutes)
    local = _local(start)
    tz = local.tzinfo
    calendar = calendar or Calendar(local.date(), local.date() + dt.timedelta(days=60))
    remaining = dt.timedelta(minutes=minutes)
    day = local.date()
    cursor = local
    for _ in range(MAX_DAYS):
        if calendar.is_workday(day):
            for a, b in office_hours():
                span_start = dt.datetime.combine(day, a, tzinfo=tz)
                span_end = dt.datetime.combine(day, b, tzinfo=tz)
                begin = max(span_start, cursor)
                if begin >= span_end:
                    continue
                available = span_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += dt.timedelta(days=1)
        cursor = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    raise ValueError("deadline too far in the future")


def working_minutes_between(start: dt.datetime, end: dt.datetime) -> int:
    """Working minutes from ``start`` to ``end`` (0 if ``end`` is not later)."""
    if end <= start:
        return 0
    a, b = _local(start), _local(end)
    tz = a.tzinfo
    calendar = Calendar(a.date(), b.date())
    total = dt.timedelta()
    day = a.date()
    while day <= b.date():
        if calendar.is_workday(day):
            for s, e in office_hours():
                lo = max(dt.datetime.combine(day, s, tzinfo=tz), a)
                hi = min(dt.datetime.combine(day, e, tzinfo=tz), b)
                if hi > lo:
                    total += hi - lo
        day += dt.timedelta(days=1)
    return int(total.total_seconds() // 60)
