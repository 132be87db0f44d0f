"""Recurring schedules: the periods a cadence expects, and which of them were missed.

Periods are local calendar periods: an ISO week (Monday to Sunday), a month, a quarter, a
half year, a year. A period is *missed* once it has ended (its last day is before today) with
no held meeting of the kind convened by the organisation inside it; the period running today
is *due* while it has none yet. A schedule starting mid-period expects that period too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import Cadence


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def label(self, cadence: str) -> str:
        s = self.start
        if cadence == Cadence.WEEKLY:
            iso = s.isocalendar()
            return _("{y} 年第 {w} 周").format(y=iso.year, w=iso.week)
        if cadence == Cadence.MONTHLY:
            return _("{y} 年 {m} 月").format(y=s.year, m=s.month)
        if cadence == Cadence.QUARTERLY:
            return _("{y} 年第 {q} 季度").format(y=s.year, q=(s.month - 1) // 3 + 1)
        if cadence == Cadence.HALF_YEARLY:
            half = _("上半年") if s.month <= 6 else _("下半年")
            return _("{y} 年{h}").format(y=s.year, h=half)
        return _("{y} 年").format(y=s.year)


MONTHS: dict[str, int] = {
    Cadence.MONTHLY.value: 1,
    Cadence.QUARTERLY.value: 3,
    Cadence.HALF_YEARLY.value: 6,
    Cadence.YEARLY.value: 12,
}


def _month_start(year: int, month: int) -> dt.date:
    while month > 12:
        year, month = year + 1, month - 12
    return dt.date(year, month, 1)


def period_of(cadence: str, day: dt.date) -> Period:
    """The period of ``cadence`` that holds ``day``."""
    if cadence == Cadence.WEEKLY:
        start = day - dt.timedelta(days=day.weekday())
        return Period(start, start + dt.timedelta(days=6))
    months = MONTHS.get(str(cadence))
    if months is None:
        raise ValueError(f"no periods for cadence {cadence!r}")
    first_month = (day.month - 1) // months * months + 1
    start = dt.date(day.year, first_month, 1)
    end = _month_start(day.year, first_month + months) - dt.timedelta(days=1)
    return Period(start, end)


def periods(cadence: str, start: dt.date, end: dt.date) -> Iterator[Period]:
    """Every period of ``cadence`` that overlaps [start, end], in order."""
    if end < start:
        return
    p = period_of(cadence, start)
    while p.start <= end:
        yield p
        p = period_of(cadence, p.end + dt.timedelta(days=1))
