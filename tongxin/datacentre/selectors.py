"""Reads of the data centre: the figures of a place from the rollups (never the raw tables),
and the records behind one figure, exactly those counted, under the viewer's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet, Sum
from django.utils.translation import gettext as _

from tongxin.cases.models import Case, CaseCategory
from tongxin.cases.workflow import State
from tongxin.core import clock
from tongxin.core.actors import Actor
from tongxin.core.errors import Forbidden, NotFound, ValidationFailed
from tongxin.core.scoping import access, scope_for
from tongxin.places.models import Place

from . import rollups
from .models import CaseRollup, CaseStateRollup, RollupMark
from .policies import may_view_datacentre

LEVELS = ("community", "street", "district")
GROUPINGS = ("grid", "category", "day")
MAX_DAYS = 3 * 366
SUMMED = rollups.FIGURES


def problem(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(_("查询条件有误"), fields=[{"field": field, "reason": reason}])


def stats_place(user: Actor, *, level: str | None = None, place_id: int | None = None) -> Place:
    """The place whose figures are read: ``place_id`` if the viewer may see it (else 404),
    without one the viewer's widest place of case scope; with ``level``, that place or its
    ancestor of that kind (422 when there is none). 403 for those with no case scope."""
    if not may_view_datacentre(user):
        raise Forbidden(_("只有有诉求办理范围的工作人员可以查看数据中心"))
    if level is not None and level not in LEVELS:
        raise problem("level", _("应为 community、street 或 district"))
    if place_id is not None:
        place = access(Place.objects.visible_to(user), place_id)
    else:
        paths = sorted(scope_for(user).case_paths, key=lambda p: (len(p), p))
        found = Place.objects.filter(path=paths[0]).first() if paths else None
        if found is None:
            raise NotFound(_("没有可查看的地点"))
        place = found
    if level is not None:
        above = place.at_or_above(level)
        if above is None:
            raise problem("level", _("该地点不在这一层级之下"))
        if place_id is None:
            # The viewer's own place, widened to the level asked for, if they may see it.
            place = access(Place.objects.visible_to(user), above.pk)
        elif above.pk != place.pk:
            raise problem("place_id", _("该地点不是这一层级"))
    return place


def period(day_from: dt.date | None, day_to: dt.date | None) -> tuple[dt.date, dt.date]:
    """The days asked for (both included); the last 30 days by default."""
    day_to = day_to or clock.today()
    day_from = day_from or day_to - dt.timedelta(days=29)
    if day_to < day_from:
        raise problem("to", _("结束日期不能早于开始日期"))
    if (day_to - day_from).days >= MAX_DAYS:
        raise problem("from", _("一次最多查询三年"))
    return day_from, day_to


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _hours(seconds: int, n: int) -> float | None:
    return round(seconds / n / 3600, 1) if n else None


def with_rates(row: dict[str, Any]) -> dict[str, Any]:
    """A row of sums, with the rates and averages the dashboards show."""
    row["on_time_rate"] = _rate(row["on_time"], row["resolved"])
    row["resolution_rate"] = _rate(row["resolved"], row["accepted"])
    row["satisfaction_rate"] = _rate(row["satisfied"], row["followed_up"])
    row["satisfaction"] = row["satisfaction_rate"]
    row["accept_hours"] = _hours(row["accept_seconds"], row["accepted"])
    row["resolve_hours"] = _hours(row["resolve_seconds"], row["resolve_timed"])
    return row


def _rollups(
    place: Place, day_from: dt.date, day_to: dt.date, category: str | None
) -> QuerySet[CaseRollup]:
    qs = CaseRollup.objects.filter(path__prefix=place.path, day__gte=day_from, day__lte=day_to)
    if category:
        qs = qs.filter(category__code=category)
    return qs


def case_totals(
    place: Place, day_from: dt.date, day_to: dt.date, *, category: str | None = None
) -> dict[str, Any]:
    sums = _rollups(place, day_from, day_to, category).aggregate(
        **{name: Sum(name) for name in SUMMED}
    )
    return with_rates({name: sums[name] or 0 for name in SUMMED})


def total_of(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The totals of rows of ``case_stats`` that partition the figures (any one ``by``: every
    rollup row falls in exactly one grid, category and day), with their rates: the same as
    ``case_totals`` without reading the rollups again."""
    return with_rates({name: sum(row[name] for row in rows) for name in SUMMED})


def case_stats(
    place: Place,
    day_from: dt.date,
    day_to: dt.date,
    *,
    by: str = "grid",
    category: str | None = None,
) -> list[dict[str, Any]]:
    """The figures under ``place`` in the period, one row per grid (``grid`` null: cases
    outside every grid), category (its code) or day, from the rollups."""
    if by not in GROUPINGS:
        raise problem("by", _("应为 grid、category 或 day"))
    qs = _rollups(place, day_from, day_to, category).order_by()
    sums = {name: Sum(name) for name in SUMMED}
    if by == "grid":
        rows = list(qs.values("grid_id").annotate(**sums).order_by("grid_id"))
        names = dict(
            Place.objects.filter(pk__in=[r["grid_id"] for r in rows if r["grid_id"]]).values_list(
                "pk", "name"
            )
        )
        out = [
            {"grid": r["grid_id"], "label": names.get(r["grid_id"], _("网格外")), **r} for r in rows
        ]
    elif by == "category":
        rows = list(
            qs.values(code=F("category__code"), name=F("category__name"))
            .annotate(**sums)
            .order_by("code")
        )
        out = [{"category": r["code"], "label": r["name"], **r} for r in rows]
    else:
        rows = list(qs.values("day").annotate(**sums).order_by("day"))
        out = [{"day": r["day"], "label": r["day"].isoformat(), **r} for r in rows]
    for row in out:
        for extra in ("grid_id", "code", "name"):
            row.pop(extra, None)
        with_rates(row)
    return out


def _state_rollups(
    place: Place, day_from: dt.date, day_to: dt.date, category: str | None
) -> QuerySet[CaseStateRollup]:
    qs = CaseStateRollup.objects.filter(path__prefix=place.path, day__gte=day_from, day__lte=day_to)
    if category:
        qs = qs.filter(category__code=category)
    return qs


STATE_ORDER = {state: n for n, state in enumerate(State.values)}


def _state_list(found: dict[str, tuple[int, int]]) -> list[dict[str, Any]]:
    labels = dict(State.choices)
    return [
        {
            "state": state,
            "label": str(labels.get(state, state)),
            "spells": n,
            "seconds": sec,
            "mean_hours": _hours(sec, n),
        }
        for state, (n, sec) in sorted(found.items(), key=lambda i: STATE_ORDER.get(i[0], 99))
    ]


def state_times(
    place: Place,
    day_from: dt.date,
    day_to: dt.date,
    *,
    by: str | None = None,
    category: str | None = None,
) -> dict[Any, list[dict[str, Any]]]:
    """Time in each state of the cases received in the period under ``place``, from the
    rollups: per state the ended stays, their summed seconds and the mean in hours; keyed by
    the row key of ``by`` (grid id, category code, day), or ``None`` for the whole."""
    qs = _state_rollups(place, day_from, day_to, category).order_by()
    field = {None: None, "grid": "grid_id", "category": "category__code", "day": "day"}[by]
    keys = [field] if field else []
    grouped: dict[Any, dict[str, tuple[int, int]]] = {}
    for row in qs.values(*keys, "state").annotate(n=Sum("spells"), sec=Sum("seconds")):
        key = row[field] if field else None
        grouped.setdefault(key, {})[row["state"]] = (row["n"] or 0, row["sec"] or 0)
    return {key: _state_list(found) for key, found in grouped.items()}


def states_total(by_key: dict[Any, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The time in each state of the whole, from ``state_times`` keyed by a ``by`` (whose
    keys partition the rows): the same as ``state_times(...)[None]``, one read fewer."""
    found: dict[str, tuple[int, int]] = {}
    for states in by_key.values():
        for s in states:
            n, sec = found.get(s["state"], (0, 0))
            found[s["state"]] = (n + s["spells"], sec + s["seconds"])
    return _state_list(found)


def as_of(*names: str) -> dt.datetime | None:
    """When the rollups of ``names`` (a mark's name: ``cases``, ``visits``…) last ran: the
    oldest of them, the figures' lag against the live records."""
    times = list(RollupMark.objects.filter(name__in=names).values_list("ran_at", flat=True))
    if len(times) < len(names):
        return None
    return min(times)


@dataclass
class Records:
    count: int  # every record the figure counts
    items: list[Any]  # those the viewer may see (empty when withheld)
    withheld: bool  # the viewer may see the figure but not all its records
    page: int
    page_size: int


PAGE_SIZE = 50


def _behind(
    qs: QuerySet[Case],
    place: Place,
    day_from: dt.date,
    day_to: dt.date,
    *,
    figure: str,
    grid: int | None,
    category: str | None,
    day: dt.date | None,
) -> QuerySet[Any]:
    since = clock.start_of_day(day_from)
    until = clock.start_of_day(day_to + dt.timedelta(days=1))
    out = rollups.counted(qs).filter(
        rollups.CONDITIONS[figure],
        area__prefix=place.path,
        created_at__gte=since,
        created_at__lt=until,
    )
    if grid is not None:
        out = out.filter(grid_id=grid)
    if category:
        out = out.filter(category__code=category)
    if day is not None:
        out = out.filter(
            created_at__gte=clock.start_of_day(day),
            created_at__lt=clock.start_of_day(day + dt.timedelta(days=1)),
        )
    return out


def case_records(
    user: Actor,
    place: Place,
    day_from: dt.date,
    day_to: dt.date,
    *,
    figure: str = "received",
    grid: int | None = None,
    category: str | None = None,
    day: dt.date | None = None,
    page: int = 1,
) -> Records:
    """The records behind one figure (``figure`` of the row ``grid``/``category``/``day``
    under the filters): ``count`` is the figure itself, counted on the records; ``items``
    are those records when the viewer may see every one of them, else none (``withheld``):
    a figure the viewer may see but whose records they may not is a count only."""
    if figure not in rollups.CONDITIONS:
        raise problem("figure", _("没有这个指标"))
    if page < 1:
        raise problem("page", _("页码应为从 1 开始的整数"))
    filters: dict[str, Any] = {
        "figure": figure,
        "grid": grid,
        "category": category,
        "day": day,
    }
    everything = _behind(Case.objects.all(), place, day_from, day_to, **filters)
    count = everything.count()
    visible = _behind(Case.objects.visible_to(user), place, day_from, day_to, **filters)
    seen = visible.count() if count else 0
    if seen < count:
        return Records(count, [], True, page, PAGE_SIZE)
    start = (page - 1) * PAGE_SIZE
    items = list(
        visible.select_related("category", "grid").order_by("created_at", "pk")[
            start : start + PAGE_SIZE
        ]
    )
    return Records(count, items, False, page, PAGE_SIZE)


def categories() -> list[tuple[str, str]]:
    return list(CaseCategory.objects.order_by("order", "code").values_list("code", "name"))


def _labels() -> dict[str, Any]:
    from django.utils.translation import gettext_lazy

    return {
        "received": gettext_lazy("受理"),
        "accepted": gettext_lazy("立案"),
        "resolved": gettext_lazy("办结"),
        "on_time": gettext_lazy("按时办结"),
        "reopened": gettext_lazy("重办"),
        "overdue": gettext_lazy("超时"),
        "open": gettext_lazy("未办结"),
        "followed_up": gettext_lazy("已回访"),
        "satisfied": gettext_lazy("满意"),
        "on_time_rate": gettext_lazy("按时办结率%"),
        "resolution_rate": gettext_lazy("办结率%"),
        "satisfaction_rate": gettext_lazy("满意率%"),
        "accept_hours": gettext_lazy("平均受理用时（小时）"),
        "resolve_hours": gettext_lazy("平均办结用时（小时）"),
    }


FIGURE_LABELS = _labels()
TABLE_COLUMNS = (
    *rollups.COUNTS,
    "on_time_rate",
    "resolution_rate",
    "satisfaction_rate",
    "accept_hours",
    "resolve_hours",
)
