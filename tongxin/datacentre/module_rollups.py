"""The one writer of the modules' rollups (``ModuleRollup``), the same pattern as the case
rollups: ``rebuild(source, day_from, day_to)`` recomputes those local days whole from the
records; ``incremental(source)`` recomputes the days whose records changed (``updated_at``)
since the source's mark, reread ``OVERLAP`` earlier; running either twice writes the same
rows. The figures are those of ``sources.py``."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from tongxin.core import clock
from tongxin.core.models import AuditEvent
from tongxin.places.models import Place, PlaceKind

from .models import ModuleRollup, RollupMark
from .rollups import NIGHTLY_DAYS, OVERLAP, _runs, _seconds, community_path_length
from .rollups import nightly as case_nightly
from .sources import AREA_GRID, SOURCES, Source

log = logging.getLogger("tongxin.datacentre")


def counted(source: Source, qs: QuerySet[Any]) -> QuerySet[Any]:
    """``qs`` (every record of the source, or those a viewer may see) as the rollups count
    them, annotated with ``area`` and ``day`` (the local day of ``source.at``), and for a
    source whose records name no grid, ``area_grid`` (the grid that is their area). A record
    without an area (no place known) is not counted."""
    out = (
        qs.filter(source.base, **{f"{source.at}__isnull": False})
        .annotate(area=source.area(community_path_length()))
        .filter(area__isnull=False)
        .annotate(day=TruncDate(source.at, tzinfo=timezone.get_current_timezone()))
    )
    if source.grid == AREA_GRID:
        grid = Place.objects.filter(kind=PlaceKind.GRID, path=OuterRef("area")).values("pk")
        out = out.annotate(**{AREA_GRID: Subquery(grid[:1])})
    return out


def _key(value: Any) -> str:
    """A breakdown key as stored: none is the empty key, a grade band 0 is "0"."""
    return "" if value is None else str(value)


def _rows(source: Source, qs: QuerySet[Any]) -> list[ModuleRollup]:
    aggregates: dict[str, Any] = {}
    for f in source.figures:
        if f.summed is None:
            aggregates[f.name] = Count("pk", filter=f.when) if f.when else Count("pk")
        else:
            aggregates[f.name] = Sum(f.summed, filter=f.when) if f.when else Sum(f.summed)
    keys = ["day", "area"]
    if source.key:
        keys.append(source.key)
    extra = {"grid_ref": Max(source.grid)} if source.grid else {}
    out = []
    for row in qs.order_by().values(*keys).annotate(**extra, **aggregates):
        for f in source.figures:
            value = row[f.name]
            value = _seconds(value) if f.seconds else int(value or 0)
            if not value:
                continue
            out.append(
                ModuleRollup(
                    source=source.name,
                    day=row["day"],
                    path=row["area"] or "",
                    grid_id=row.get("grid_ref"),
                    key=_key(row[source.key]) if source.key else "",
                    figure=f.name,
                    value=value,
                )
            )
    return out


def _bounds(day_from: dt.date, day_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return clock.start_of_day(day_from), clock.start_of_day(day_to + dt.timedelta(days=1))


def rebuild(source: Source, day_from: dt.date, day_to: dt.date) -> int:
    """Recompute the source's rows of the local days ``day_from``…``day_to`` (both
    included); returns the number of rows written."""
    if day_to < day_from:
        return 0
    since, until = _bounds(day_from, day_to)
    span = {f"{source.at}__gte": since, f"{source.at}__lt": until}
    with transaction.atomic():
        ModuleRollup.objects.filter(source=source.name, day__gte=day_from, day__lte=day_to).delete()
        rows = _rows(source, counted(source, source.records()).filter(**span))
        ModuleRollup.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def touched_days(source: Source, mark: RollupMark) -> set[dt.date]:
    qs = source.records().filter(**{f"{source.at}__isnull": False})
    if mark.changed_to is not None:
        since = mark.changed_to - OVERLAP
        changed = source.changed(since)
        if source.journal:
            ids = AuditEvent.objects.filter(object_type=source.journal, at__gte=since).values_list(
                "object_id", flat=True
            )
            changed |= Q(pk__in=sorted({int(i) for i in ids if i.isdigit()}))
        qs = qs.filter(changed)
    days = qs.annotate(day=TruncDate(source.at, tzinfo=timezone.get_current_timezone()))
    return set(days.order_by().values_list("day", flat=True).distinct())


def _newest(source: Source) -> dt.datetime | None:
    """Where the next incremental run reads from: the newest change of a record, or for
    records without a change time, this run's start."""
    if not source.stamped:
        return clock.now()
    return source.records().aggregate(at=Max("updated_at"))["at"]  # type: ignore[no-any-return]


def incremental(source: Source) -> str:
    mark, _ = RollupMark.objects.get_or_create(name=source.name)
    newest = _newest(source)
    days = touched_days(source, mark)
    rows = sum(rebuild(source, a, b) for a, b in _runs(days))
    RollupMark.objects.filter(pk=mark.pk).update(
        changed_to=newest or mark.changed_to, ran_at=clock.now(), days=len(days)
    )
    log.info("%s rollups: %s days recomputed, %s rows", source.name, len(days), rows)
    return f"{source.name}: {len(days)} days, {rows} rows"


def rebuild_all(source: Source) -> str:
    span = source.records().filter(**{f"{source.at}__isnull": False})
    ends = span.aggregate(first=Min(source.at), last=Max(source.at))
    ends["newest"] = _newest(source)
    with transaction.atomic():
        ModuleRollup.objects.filter(source=source.name).delete()
        rows = 0
        if ends["first"] is not None:
            rows = rebuild(
                source,
                clock.local_date(ends["first"]),
                max(clock.local_date(ends["last"]), clock.today()),
            )
        RollupMark.objects.update_or_create(
            name=source.name,
            defaults={"changed_to": ends["newest"], "ran_at": clock.now(), "days": 0},
        )
    return f"{source.name}: {rows} rows"


def incremental_all() -> str:
    return "; ".join(incremental(s) for s in SOURCES.values())


def rebuild_every(day_from: dt.date | None = None, day_to: dt.date | None = None) -> str:
    """Every source, for those days (or all of them, marks reset)."""
    if day_from is None or day_to is None:
        return "; ".join(rebuild_all(s) for s in SOURCES.values())
    return "; ".join(f"{s.name}: {rebuild(s, day_from, day_to)} rows" for s in SOURCES.values())


def nightly() -> str:
    """The modules' nightly run, as the cases': the last ``NIGHTLY_DAYS`` days rebuilt
    whole (an erased record is gone from them), then the days touched before them."""
    today = clock.today()
    start = today - dt.timedelta(days=NIGHTLY_DAYS)
    rebuilt = sum(rebuild(s, start, today) for s in SOURCES.values())
    return f"{rebuilt} rows rebuilt; {incremental_all()}"


def nightly_everything() -> str:
    """The nightly job: the cases' rollups, then the modules'."""
    return f"{case_nightly()} | {nightly()}"
