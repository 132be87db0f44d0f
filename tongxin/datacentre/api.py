"""API of the data centre: the case figures of a community, street or district from the
rollups, and the records behind one figure under the caller's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from tongxin.core.api_support import caller
from tongxin.core.i18n import lazy_str

from . import auditing, module_selectors, rollups, selectors
from .schemas import CaseRecordsOut, CaseStatsOut, ModuleRecordsOut, ModuleStatsOut

router = Router(tags=["datacentre"])


class StatsFilters(Schema):
    level: str | None = None
    place_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    category: str | None = None


def _place_and_period(request: HttpRequest, f: StatsFilters) -> tuple[Any, dt.date, dt.date]:
    user = caller(request)
    place = selectors.stats_place(user, level=f.level, place_id=f.place_id)
    day_from, day_to = selectors.period(f.date_from, f.date_to)
    return place, day_from, day_to


def _place(place: Any) -> dict[str, Any]:
    return {"id": place.pk, "name": place.name, "kind": place.kind}


@router.get("/stats/cases", response=CaseStatsOut, summary=lazy_str("诉求统计（来自汇总）"))
def stats_cases(
    request: HttpRequest,
    level: str | None = None,
    place_id: int | None = None,
    by: str = "grid",
    category: str | None = None,
    date_from: dt.date | None = Query(None, alias="from"),  # noqa: B008
    date_to: dt.date | None = Query(None, alias="to"),  # noqa: B008
) -> Any:
    """The case figures under a place (``place_id``, default the caller's widest; with
    ``level`` community/street/district, that place or its ancestor of the level) for the
    local days ``from``…``to`` (default the last 30), one row per ``by`` = grid | category |
    day, read from the rollups. ``category`` (a code) narrows every row."""
    f = StatsFilters(level=level, place_id=place_id, date_from=date_from, date_to=date_to)
    place, day_from, day_to = _place_and_period(request, f)
    code = category[:40] if category else None
    rows = selectors.case_stats(place, day_from, day_to, by=by, category=code)
    # The rows partition the figures: the whole is their sum, not another read.
    total = selectors.total_of(rows)
    states = selectors.state_times(place, day_from, day_to, by=by, category=code)
    total["state_times"] = selectors.states_total(states)
    for row in rows:
        row["state_times"] = states.get(row[by], [])
    return {
        "place": _place(place),
        "level": place.kind,
        "by": by,
        "date_from": day_from,
        "date_to": day_to,
        "total": total,
        "rows": rows,
        "as_of": selectors.as_of(rollups.CASES),
    }


@router.get(
    "/stats/cases/records",
    response=CaseRecordsOut,
    summary=lazy_str("诉求统计数字背后的记录"),
)
def stats_case_records(
    request: HttpRequest,
    level: str | None = None,
    place_id: int | None = None,
    category: str | None = None,
    grid: int | None = None,
    day: dt.date | None = None,
    figure: str = "received",
    page: int = 1,
    date_from: dt.date | None = Query(None, alias="from"),  # noqa: B008
    date_to: dt.date | None = Query(None, alias="to"),  # noqa: B008
) -> Any:
    """The records one figure counts: the same filters as ``/stats/cases`` plus the row's key
    (``grid=``, ``category=``, ``day=``) and the ``figure`` (received, accepted, resolved,
    on_time, reopened, overdue, open, followed_up, satisfied). ``count`` is the figure;
    ``items`` the records, 50 a page, when the caller may see every one of them. When they
    may see the figure but not all its records, the answer is the count alone: ``items``
    empty and ``withheld`` true."""
    f = StatsFilters(level=level, place_id=place_id, date_from=date_from, date_to=date_to)
    place, day_from, day_to = _place_and_period(request, f)
    found = selectors.case_records(
        caller(request),
        place,
        day_from,
        day_to,
        figure=figure,
        grid=grid,
        category=category[:40] if category else None,
        day=day,
        page=page,
    )
    auditing.records_read(
        caller(request), source="cases", figure=figure, place=place, found=found, via="api"
    )
    return {
        "count": found.count,
        "withheld": found.withheld,
        "page": found.page,
        "page_size": found.page_size,
        "items": [
            {
                "id": c.pk,
                "ref": c.ref,
                "category": c.category.name,
                "grid": c.grid.name if c.grid else None,
                "state": c.state,
                "created_at": c.created_at,
                "overdue": c.overdue,
            }
            for c in found.items
        ],
    }


@router.get(
    "/stats/modules/{source}",
    response=ModuleStatsOut,
    summary=lazy_str("各模块统计（来自汇总）"),
)
def stats_module(
    request: HttpRequest,
    source: str,
    level: str | None = None,
    place_id: int | None = None,
    by: str = "grid",
    date_from: dt.date | None = Query(None, alias="from"),  # noqa: B008
    date_to: dt.date | None = Query(None, alias="to"),  # noqa: B008
) -> Any:
    """The figures of one module (``source``: visits, alarms, volunteering, needs, wishes,
    votes, meetings, scorecards) under a place for the local days ``from``…``to``, one row
    per ``by`` = grid | key (the module's breakdown: care tag, alarm kind, need kind,
    electorate, meeting kind, star band) | day, read from the rollups, with
    ``as_of``, when that rollup last ran."""
    found = module_selectors.source_of(source)
    f = StatsFilters(level=level, place_id=place_id, date_from=date_from, date_to=date_to)
    place, day_from, day_to = _place_and_period(request, f)
    rows = module_selectors.stats(found, place, day_from, day_to, by=by)
    figures = [fig.name for fig in found.figures]
    return {
        "source": found.name,
        "place": _place(place),
        "level": place.kind,
        "by": by,
        "date_from": day_from,
        "date_to": day_to,
        "as_of": module_selectors.module_as_of(found),
        "total": module_selectors.totals(found, place, day_from, day_to),
        "rows": [
            {
                "key": None if r[by] is None else str(r[by]),
                "label": r["label"],
                "figures": {k: v for k, v in r.items() if k not in (by, "label")},
            }
            for r in rows
        ],
        "figures": figures,
    }


@router.get(
    "/stats/modules/{source}/records",
    response=ModuleRecordsOut,
    summary=lazy_str("各模块统计数字背后的记录"),
)
def stats_module_records(
    request: HttpRequest,
    source: str,
    figure: str,
    level: str | None = None,
    place_id: int | None = None,
    grid: int | None = None,
    key: str | None = None,
    day: dt.date | None = None,
    page: int = 1,
    date_from: dt.date | None = Query(None, alias="from"),  # noqa: B008
    date_to: dt.date | None = Query(None, alias="to"),  # noqa: B008
) -> Any:
    """The records one count figure of a module counts (the same filters as
    ``/stats/modules/{source}`` plus the row's ``grid=``, ``key=`` or ``day=``). ``count``
    is the figure; ``items`` the records' ids, 50 a page, only when the caller may see every
    one of them (the module's own scope), else ``withheld`` and no items."""
    found_source = module_selectors.source_of(source)
    f = StatsFilters(level=level, place_id=place_id, date_from=date_from, date_to=date_to)
    place, day_from, day_to = _place_and_period(request, f)
    found = module_selectors.records(
        caller(request),
        found_source,
        place,
        day_from,
        day_to,
        figure=figure,
        grid=grid,
        key=key[:40] if key else None,
        day=day,
        page=page,
    )
    auditing.records_read(
        caller(request), source=source, figure=figure, place=place, found=found, via="api"
    )
    return {
        "count": found.count,
        "withheld": found.withheld,
        "page": found.page,
        "page_size": found.page_size,
        "items": [{"id": r.pk} for r in found.items],
    }
