"""Working time: which days are working days and how deadlines count working minutes.

A day is a working day by, in order: the admin's override table (``WorkCalendarDay``, for the
arrangement the State Council publishes late each year), the published arrangement as the
``chinese_calendar`` package knows it (public holidays and the make-up working days 调休), and
for years the package does not know yet, Monday to Friday. Office hours come from
``TONGXIN_WORKING_HOURS`` (local time, e.g. 08:30–12:00 and 14:00–18:00).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar
from django.conf import settings
from django.utils import timezone

MAX_DAYS = 3 * 366  # no deadline runs longer than this


def _overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    from .models import WorkCalendarDay

    return dict(
        WorkCalendarDay.objects.filter(date__range=(start, end)).values_list("date", "is_workday")
    )


@lru_cache(maxsize=4096)
def published_workday(day: dt.date) -> bool:
    """The published arrangement (or Monday–Friday for a year not yet published)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


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
    return timezone.localtime(at) if timezone.is_aware(at) else timezone.make_aware(at)


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
