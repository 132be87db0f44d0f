"""Reads of the modules' figures (visits, alarms, volunteering, needs, wishes, votes,
meetings, scorecards): from the rollups only (``ModuleRollup``), and the records behind one
figure, exactly those counted, under the viewer's scope: the module model's ``visible_to``,
what the module's own selectors read (a grid worker never sees another grid's residents). A
figure whose records the viewer may not all see is a count only, as for the cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import clock
from tongxin.core.actors import Actor
from tongxin.places.models import Place

from . import module_rollups
from .models import ModuleRollup
from .selectors import PAGE_SIZE, Records, as_of, problem
from .sources import CARDS, SOURCES, Source

BY = ("grid", "key", "day")


def source_of(name: str) -> Source:
    source = SOURCES.get(name)
    if source is None:
        raise problem("source", _("没有这个模块"))
    return source


def _rollups(
    source: Source, place: Place, day_from: dt.date, day_to: dt.date
) -> QuerySet[ModuleRollup]:
    return ModuleRollup.objects.filter(
        source=source.name, path__prefix=place.path, day__gte=day_from, day__lte=day_to
    )


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _mean(total: int, n: int, unit: int) -> float | None:
    return round(total / n / unit, 1) if n else None


def derived(source: Source, row: dict[str, Any]) -> dict[str, Any]:
    """The rates and means of a row of sums (what each panel shows beside the counts)."""
    if source.name == "visits":
        row["on_time_rate"] = _rate(row["on_time"], row["due"])
        row["done_rate"] = _rate(row["on_time"] + row["late"], row["due"])
    elif source.name == "alarms":
        row["false_rate"] = _rate(row["false_presses"], row["presses"])
        row["ack_minutes"] = _mean(row["ack_seconds"], row["acked"], 60)
        row["arrive_minutes"] = _mean(row["arrive_seconds"], row["arrived"], 60)
    elif source.name == "volunteering":
        row["hours"] = round(row["minutes"] / 60, 1)
    elif source.name == "votes":
        row["pass_rate"] = _rate(row["passed"], row["closed"])
        row["turnout"] = _rate(row["participating_heads"], row["eligible_heads"])
    elif source.name == "meetings":
        row["held_rate"] = _rate(row["held"], row["convened"])
        row["minuted_rate"] = _rate(row["minuted"], row["held"])
        row["signins_each"] = _mean(row["signins"], row["held"], 1)
    elif source.name in CARDS:
        row["objected_rate"] = _rate(row["objected"], row["published"] + row["final"])
    else:
        row["match_rate"] = _rate(row["matched"], row["raised"])
        row["fulfil_rate"] = _rate(row["fulfilled"], row["raised"])
    return row


# The derived figures that are percentages (the others are means: minutes, hours, people).
RATES = frozenset(
    {
        "on_time_rate",
        "done_rate",
        "false_rate",
        "match_rate",
        "fulfil_rate",
        "pass_rate",
        "turnout",
        "held_rate",
        "minuted_rate",
        "objected_rate",
    }
)

DERIVED_LABELS = {
    "on_time_rate": gettext_lazy("按时走访率%"),
    "done_rate": gettext_lazy("走访完成率%"),
    "false_rate": gettext_lazy("误按率%"),
    "ack_minutes": gettext_lazy("平均响应用时（分钟）"),
    "arrive_minutes": gettext_lazy("平均到场用时（分钟）"),
    "hours": gettext_lazy("服务时长（小时）"),
    "match_rate": gettext_lazy("认领率%"),
    "fulfil_rate": gettext_lazy("完成率%"),
    "pass_rate": gettext_lazy("通过率%"),
    "turnout": gettext_lazy("参与率%"),
    "held_rate": gettext_lazy("召开率%"),
    "minuted_rate": gettext_lazy("纪要率%"),
    "signins_each": gettext_lazy("平均签到人次"),
    "objected_rate": gettext_lazy("异议率%"),
}


def _blank(source: Source) -> dict[str, Any]:
    return {f.name: 0 for f in source.figures}


def totals(source: Source, place: Place, day_from: dt.date, day_to: dt.date) -> dict[str, Any]:
    row = _blank(source)
    for figure, value in (
        _rollups(source, place, day_from, day_to)
        .order_by()
        .values("figure")
        .annotate(v=Sum("value"))
        .values_list("figure", "v")
    ):
        if figure in row:
            row[figure] = value or 0
    return derived(source, row)


def key_labels(source: Source) -> dict[str, str]:
    if not source.key:
        return {}
    if source.labels is not None:
        return source.labels()
    field = _key_field(source)
    return {str(k): str(v) for k, v in (getattr(field, "choices", None) or [])}


def _key_field(source: Source) -> Any:
    assert source.key
    field: Any = source.model._meta.get_field(source.key.split("__")[0])
    if "__" in source.key:  # a field of a related model (the visit rule's care kind)
        field = field.related_model._meta.get_field(source.key.split("__")[1])
    return field


def _key_value(source: Source, key: str) -> Any:
    """The row's key as its field holds it (a star band is a number): a key the field cannot
    hold is a clear error, not a failed query."""
    try:
        return _key_field(source).to_python(key)
    except ValidationError:
        raise problem("key", _("没有这个分项")) from None


def stats(
    source: Source, place: Place, day_from: dt.date, day_to: dt.date, *, by: str = "grid"
) -> list[dict[str, Any]]:
    """The figures under ``place`` in the period, one row per grid (``None``: outside every
    grid, or a module counted per community), breakdown key or day, from the rollups."""
    if by not in BY:
        raise problem("by", _("应为 grid、key 或 day"))
    field = {"grid": "grid_id", "key": "key", "day": "day"}[by]
    found: dict[Any, dict[str, Any]] = {}
    for value, figure, total in (
        _rollups(source, place, day_from, day_to)
        .order_by()
        .values(field, "figure")
        .annotate(v=Sum("value"))
        .values_list(field, "figure", "v")
    ):
        row = found.setdefault(value, _blank(source))
        if figure in row:
            row[figure] = total or 0
    if by == "grid":
        names = dict(Place.objects.filter(pk__in=[k for k in found if k]).values_list("pk", "name"))
        label = {k: names.get(k, _("网格外")) if k else _("网格外或按社区统计") for k in found}
    elif by == "key":
        labels = key_labels(source)
        label = {k: labels.get(k, k) or _("未分项") for k in found}
    else:
        label = {k: k.isoformat() for k in found}
    rows = [
        derived(source, {by: key, "label": str(label[key]), **row})
        for key, row in sorted(found.items(), key=lambda i: str(label[i[0]]))
    ]
    if by == "day":
        rows.sort(key=lambda r: r["day"])
    return rows


def module_as_of(source: Source) -> dt.datetime | None:
    return as_of(source.name)


def _behind(
    source: Source,
    qs: QuerySet[Any],
    place: Place,
    day_from: dt.date,
    day_to: dt.date,
    *,
    figure: str,
    grid: int | None,
    key: str | None,
    day: dt.date | None,
) -> QuerySet[Any]:
    found = source.figure(figure)
    assert found is not None
    since = clock.start_of_day(day_from)
    until = clock.start_of_day(day_to + dt.timedelta(days=1))
    out = module_rollups.counted(source, qs).filter(
        found.when,
        area__prefix=place.path,
        **{f"{source.at}__gte": since, f"{source.at}__lt": until},
    )
    if grid is not None and source.grid:
        out = out.filter(**{source.grid: grid})
    if key is not None and source.key:
        out = out.filter(**{source.key: _key_value(source, key)})
    if day is not None:
        out = out.filter(
            **{
                f"{source.at}__gte": clock.start_of_day(day),
                f"{source.at}__lt": clock.start_of_day(day + dt.timedelta(days=1)),
            }
        )
    return out


def records(
    user: Actor,
    source: Source,
    place: Place,
    day_from: dt.date,
    day_to: dt.date,
    *,
    figure: str,
    grid: int | None = None,
    key: str | None = None,
    day: dt.date | None = None,
    page: int = 1,
) -> Records:
    """The records behind one count figure of ``source`` (the row ``grid``/``key``/``day``
    under the filters): ``count`` is the figure counted on the records; ``items`` those
    records when the viewer may see every one of them, else none (``withheld``)."""
    found = source.figure(figure)
    if found is None or not found.countable:
        raise problem("figure", _("没有这个指标"))
    if page < 1:
        raise problem("page", _("页码应为从 1 开始的整数"))
    filters: dict[str, Any] = {"figure": figure, "grid": grid, "key": key, "day": day}
    count = _behind(source, source.records(), place, day_from, day_to, **filters).count()
    visible = _behind(source, source.visible(user), place, day_from, day_to, **filters)
    seen = visible.count() if count else 0
    if seen < count:
        return Records(count, [], True, page, PAGE_SIZE)
    start = (page - 1) * PAGE_SIZE
    items = list(
        visible.select_related(*source.related).order_by(source.at, "pk")[start : start + PAGE_SIZE]
    )
    return Records(count, items, False, page, PAGE_SIZE)
