"""The monthly report (月度报告) of a community or a street: the month's figures against the
month before and the same month a year earlier, the grids (and, for a street, the
communities) and categories that did worst, the overdue cases counted, and charts.

Figures come from the data centre's selectors (the rollups): the cases **received** in the
month, and what has become of them so far (the rollups' cohort by day of receipt). Counts
and rates only: no person, no case reference, no address, no text written by anyone.

Months are local calendar months (``tongxin.core.clock``); only whole months that have ended
are reported ("last month" on 2 January is December of the year before).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from tongxin.core import clock
from tongxin.core.errors import ValidationFailed
from tongxin.places.models import Place

from . import charts, module_selectors, selectors
from .sources import CARDS, SOURCES

LEVELS = ("community", "street")
MIN_COUNT = 5  # a grid or category with fewer cases is never "worst"
WORST = 5
COMPARED = (
    "received",
    "accepted",
    "resolved",
    "on_time",
    "reopened",
    "overdue",
    "open",
    "followed_up",
    "satisfied",
)
RATES = ("on_time_rate", "resolution_rate", "satisfaction_rate", "reopen_rate")
HOURS = ("accept_hours", "resolve_hours")
# The columns of the per-grid, per-community and per-category tables.
TABLE = (
    "received",
    "resolved",
    "on_time",
    "reopened",
    "overdue",
    "open",
    "on_time_rate",
    "reopen_rate",
    "satisfaction_rate",
)


def _shown(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with its table cells as printed ("—" for a rate with no base)."""
    for r in rows:
        r["shown"] = [
            "—" if r[k] is None else (f"{r[k]:g}%" if k.endswith("_rate") else str(r[k]))
            for k in TABLE
        ]
    return rows


# Months.


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


def last_month() -> dt.date:
    """The last whole month by the one clock (on 2 January 2027: December 2026)."""
    return add_months(month_start(clock.today()), -1)


def recent_months(n: int = 24) -> list[dt.date]:
    """The last ``n`` whole months, the latest first."""
    latest = last_month()
    return [add_months(latest, -i) for i in range(n)]


def parse_month(raw: str | None) -> dt.date:
    """``YYYY-MM`` → the month's first day; the last whole month when empty. A month that
    has not ended yet, or text that is not a month, is refused (422, in the user's language)."""
    if not raw:
        return last_month()
    try:
        year, month = (int(part) for part in raw.strip().split("-"))
        value = dt.date(year, month, 1)
    except (TypeError, ValueError):
        raise ValidationFailed(
            _("月份应写成 2026-11 这样的年-月"),
            fields=[{"field": "month", "reason": _("应为 年-月")}],
        ) from None
    if value > last_month():
        raise ValidationFailed(
            _("只能查看已经结束的月份"),
            fields=[{"field": "month", "reason": _("该月尚未结束")}],
        )
    if value.year < 2000:
        raise ValidationFailed(
            _("月份超出范围"), fields=[{"field": "month", "reason": _("月份超出范围")}]
        )
    return value


@dataclass
class Period:
    key: str  # "this", "previous", "last_year"
    label: str
    month: dt.date
    totals: dict[str, Any]

    @property
    def has_data(self) -> bool:
        return bool(self.totals["received"])


@dataclass
class Line:
    """One figure compared across the three months."""

    key: str
    label: str
    this: Any
    previous: Any
    last_year: Any
    kind: str  # "count", "rate" (percentage points), "hours", "mean"

    @staticmethod
    def _delta(a: Any, b: Any) -> float | int | None:
        if a is None or b is None:
            return None
        out = a - b
        return round(out, 1) if isinstance(out, float) else out

    def _fmt(self, value: Any, *, delta: bool = False) -> str:
        if value is None:
            return "—"
        text = f"{value:+g}" if delta and value else f"{value:g}"
        return text + ("%" if self.kind == "rate" and not delta else "")

    @property
    def values(self) -> list[Any]:
        """The three months, then the two differences (the workbook's cells)."""
        return [self.this, self.previous, self.last_year, self.vs_previous, self.vs_last_year]

    @property
    def cells(self) -> list[str]:
        """The line as printed: the three months, then the two differences."""
        return [
            self._fmt(self.this),
            self._fmt(self.previous),
            self._fmt(self.last_year),
            self._fmt(self.vs_previous, delta=True),
            self._fmt(self.vs_last_year, delta=True),
        ]

    @property
    def vs_previous(self) -> float | int | None:
        return self._delta(self.this, self.previous)

    @property
    def vs_last_year(self) -> float | int | None:
        return self._delta(self.this, self.last_year)


@dataclass
class ModuleSection:
    """One module's month (visits, the alarm, volunteering, needs, wishes, votes, meetings)
    against the same two months, from its rollups."""

    name: str
    label: str
    lines: list[Line]


@dataclass
class MonthlyReport:
    place: Place
    level: str
    month: dt.date
    periods: list[Period]
    lines: list[Line]
    units: list[dict[str, Any]]  # grids (community) or communities (street)
    unit_title: str
    grids: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    days: list[dict[str, Any]]
    worst: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    modules: list[ModuleSection] = field(default_factory=list)
    charts: dict[str, str] = field(default_factory=dict)

    @property
    def this(self) -> Period:
        return self.periods[0]

    @property
    def empty(self) -> bool:
        return not self.this.has_data

    @property
    def month_end(self) -> dt.date:
        return month_end(self.month)

    @property
    def overdue(self) -> dict[str, Any]:
        """The month's overdue cases counted: in all, still open, and where (the units and
        categories with the most)."""

        def top(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return sorted(
                (r for r in rows if r["overdue"]), key=lambda r: (-r["overdue"], r["label"])
            )[:WORST]

        return {
            "total": self.this.totals["overdue"],
            "open": self.this.totals["open"],
            "units": top(self.units),
            "categories": top(self.categories),
        }


def _reopen_rate(row: dict[str, Any]) -> dict[str, Any]:
    row["reopen_rate"] = (
        round(100 * row["reopened"] / row["received"], 1) if row["received"] else None
    )
    return row


def _totals(place: Place, month: dt.date) -> dict[str, Any]:
    return _reopen_rate(selectors.case_totals(place, month, month_end(month)))


def labels() -> dict[str, str]:
    out = {k: str(v) for k, v in selectors.FIGURE_LABELS.items()}
    out["reopen_rate"] = _("重办率%")
    return out


def _worst(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The rows with the lowest on-time rate (among those with at least ``MIN_COUNT``
    resolved, below 100%) and the highest reopen rate (at least ``MIN_COUNT`` received,
    above 0%)."""
    on_time = sorted(
        (
            r
            for r in rows
            if r["resolved"] >= MIN_COUNT
            and r["on_time_rate"] is not None
            and r["on_time_rate"] < 100
        ),
        key=lambda r: (r["on_time_rate"], -r["resolved"], r["label"]),
    )[:WORST]
    reopen = sorted(
        (r for r in rows if r["received"] >= MIN_COUNT and (r["reopen_rate"] or 0) > 0),
        key=lambda r: (-r["reopen_rate"], -r["received"], r["label"]),
    )[:WORST]
    return {"on_time": on_time, "reopen": reopen}


def _grids(place: Place, month: dt.date, level: str) -> list[dict[str, Any]]:
    """The month's figures per grid (cases outside every grid left out: they are no grid's);
    in a street's report each grid is named with its community."""
    rows = [
        _reopen_rate(r)
        for r in selectors.case_stats(place, month, month_end(month), by="grid")
        if r["grid"] is not None
    ]
    if level == "street" and rows:
        grids = Place.objects.filter(pk__in=[r["grid"] for r in rows])
        community_of = {}
        for g in grids:
            above = g.at_or_above("community")
            community_of[g.pk] = above.name if above is not None else ""
        for r in rows:
            r["label"] = f"{community_of.get(r['grid'], '')} · {r['label']}"
    return rows


def _communities(place: Place, month: dt.date) -> list[dict[str, Any]]:
    out = []
    for community in Place.objects.filter(path__prefix=place.path, kind="community").order_by(
        "path"
    ):
        row = _totals(community, month)
        out.append({"label": community.name, "place": community.pk, **row})
    return out


def _module_sections(place: Place, months: list[dt.date]) -> list[ModuleSection]:
    """Each module with a record in any of the three months: its counted figures (not the
    durations summed, whose means are shown) and its rates, month against month. The year's
    scorecards are not monthly work: they are left to the scorecards' own pages."""
    out = []
    for source in SOURCES.values():
        if source.name in CARDS:
            continue
        rows = [module_selectors.totals(source, place, m, month_end(m)) for m in months]
        figures = [f for f in source.figures if not f.seconds]
        if not any(row[f.name] for row in rows for f in figures):
            continue
        this, previous, last_year = rows
        lines = [
            Line(f.name, str(f.label), this[f.name], previous[f.name], last_year[f.name], "count")
            for f in figures
        ]
        derived = [k for k in this if k not in {f.name for f in source.figures}]
        for key in derived:
            kind = "rate" if key in module_selectors.RATES else "mean"
            label = str(module_selectors.DERIVED_LABELS[key])
            lines.append(Line(key, label, this[key], previous[key], last_year[key], kind))
        out.append(ModuleSection(source.name, str(source.label), lines))
    return out


def build(place: Place, month: dt.date, *, with_charts: bool = True) -> MonthlyReport:
    """The report of ``place`` (a community or a street) for ``month`` (its first day)."""
    if place.kind not in LEVELS:
        raise ValidationFailed(
            _("月度报告按社区或街道生成"),
            fields=[{"field": "place", "reason": _("应为社区或街道")}],
        )
    level = place.kind
    periods = [
        Period("this", _("本月"), month, _totals(place, month)),
        Period("previous", _("上月"), add_months(month, -1), {}),
        Period("last_year", _("去年同月"), add_months(month, -12), {}),
    ]
    for p in periods[1:]:
        p.totals = _totals(place, p.month)
    names = labels()
    lines = []
    for key, kind in (
        *((k, "count") for k in COMPARED),
        *((k, "rate") for k in RATES),
        *((k, "hours") for k in HOURS),
    ):
        values = [p.totals[key] if p.has_data or kind == "count" else None for p in periods]
        lines.append(Line(key, names[key], values[0], values[1], values[2], kind=kind))
    grids = _grids(place, month, level)
    categories = [
        _reopen_rate(r) for r in selectors.case_stats(place, month, month_end(month), by="category")
    ]
    units = _communities(place, month) if level == "street" else grids
    _shown(units)
    _shown(grids)
    _shown(categories)
    report = MonthlyReport(
        place=place,
        level=level,
        month=month,
        periods=periods,
        lines=lines,
        units=units,
        unit_title=_("社区") if level == "street" else _("网格"),
        grids=grids,
        categories=sorted(categories, key=lambda r: (-r["received"], r["label"])),
        days=selectors.case_stats(place, month, month_end(month), by="day"),
        worst={
            "grids": _worst(grids),
            "categories": _worst(categories),
        },
        modules=_module_sections(place, [p.month for p in periods]),
    )
    if with_charts and not report.empty:
        report.charts = draw_charts(report)
    return report


def draw_charts(report: MonthlyReport, *, ink: str = charts.PRINT_INK) -> dict[str, str]:
    """The report's charts as SVG elements (the same numbers as its tables)."""
    by_day = {r["day"]: r for r in report.days}
    start, end = report.month, report.month_end
    n = (end - start).days + 1
    series = [by_day.get(start + dt.timedelta(days=i)) for i in range(n)]
    names = labels()
    shown = ("received", "resolved", "on_time", "reopened", "overdue")
    out = {
        "trend": charts.trend_chart(
            [r["received"] if r else 0 for r in series],
            [r["resolved"] if r else 0 for r in series],
            start,
            ink=ink,
            size=(9.0, 2.9),
        ),
        "comparison": charts.comparison_chart(
            [names[k] for k in shown],
            [
                (
                    f"{p.label} {p.month:%Y-%m}",
                    [p.totals[k] if p.has_data else None for k in shown],
                )
                for p in report.periods
            ],
            ink=ink,
        ),
    }
    units = sorted(
        (u for u in report.units if u["resolved"]),
        key=lambda u: (u["on_time_rate"] if u["on_time_rate"] is not None else 101, u["label"]),
    )
    if units:
        out["units"] = charts.rate_bars(
            [(u["label"], u["on_time_rate"]) for u in units],
            title=_("各{unit}按时办结率（%）").format(unit=report.unit_title),
            ink=ink,
        )
    if report.categories:
        out["categories"] = charts.count_bars(
            [(c["label"], c["received"], c["overdue"]) for c in report.categories],
            title=_("各类别受理与超时件数"),
            names=(names["received"], names["overdue"]),
            ink=ink,
        )
    return out
