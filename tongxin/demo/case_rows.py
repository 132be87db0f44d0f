"""Writing the demo's case rows in bulk, and the lookups memoised while building them."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection

from tongxin.cases import sla
from tongxin.cases.models import Case, CaseCategory, RoutingRule
from tongxin.demo.generator import insert_rows
from tongxin.places.models import Place


def insert(objs: Sequence[Any]) -> None:
    """``insert_rows``, after forgetting relations set to None (insert_rows would read the
    id of the cached None)."""
    for obj in objs:
        cache = obj._state.fields_cache
        for name in [k for k, v in cache.items() if v is None]:
            del cache[name]
    insert_rows(objs)


def report_in_minutes(priority: str) -> int:
    from django.conf import settings

    return int(settings.TONGXIN_CASE_REPORT_IN_MINUTES[priority])


def restore_timestamps(model: Any, stamps: dict[int, tuple[dt.datetime, dt.datetime]]) -> None:
    """Set ``created_at``/``updated_at`` to the given times (bulk_create stamps them now)."""
    table = connection.ops.quote_name(model._meta.db_table)
    f_created = model._meta.get_field("created_at")
    rows = [
        (
            f_created.get_db_prep_save(created, connection),
            f_created.get_db_prep_save(updated, connection),
            pk,
        )
        for pk, (created, updated) in stamps.items()
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET created_at = %s, updated_at = %s WHERE id = %s",  # noqa: S608
            rows,
        )


def reset_sequences(*models_: Any) -> None:
    """After rows inserted with explicit ids, move PostgreSQL's sequences past them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


@contextlib.contextmanager
def memoised_lookups() -> Iterator[None]:
    """Memoise, for the length of a bulk build, the lookups the services repeat for every
    case: the working-calendar overrides, the deadline rows, who is responsible for a place
    for a duty (as of the first case that asks), and the department covering a place. The
    module functions are put back afterwards."""
    from tongxin.cases import routing, worktime
    from tongxin.cases.models import CaseDeadline, WorkCalendarDay

    overrides = dict(WorkCalendarDay.objects.values_list("date", "is_workday"))
    deadlines = {(d.category_id, d.priority): d for d in CaseDeadline.objects.all()}
    responsible: dict[tuple[Any, ...], Any] = {}
    departments: dict[tuple[Any, ...], Any] = {}
    rules: list[RoutingRule] = []
    loaded: list[bool] = []
    saved = (worktime._overrides, sla.deadline_for, routing.responsible_for, routing.department_for)
    real_rules = routing._matching_rules
    real_responsible, real_department = routing.responsible_for, routing.department_for

    def cached_overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
        return {d: w for d, w in overrides.items() if start <= d <= end}

    def cached_deadline(case: Case) -> Any:
        for cat in case.category.lineage():
            if (cat.pk, case.priority) in deadlines:
                return deadlines[(cat.pk, case.priority)]
        return deadlines.get((None, case.priority))

    def cached_responsible(place: Place, *, duty: str = "general", on: Any = None) -> Any:
        key = (place.pk, duty)
        if key not in responsible:
            responsible[key] = real_responsible(place, duty=duty, on=on)
        return responsible[key]

    def cached_department(category: CaseCategory, place: Place | None) -> Any:
        key = (category.department_kind, place.path[:8] if place else "")
        if key not in departments:
            departments[key] = real_department(category, place)
        return departments[key]

    def cached_rules(case: Case, *, off_hours: bool) -> list[RoutingRule]:
        # routing._matching_rules on the rules read once (after the demo's rules exist).
        if not loaded:
            rules.extend(
                RoutingRule.objects.filter(is_active=True).select_related("place", "target_org")
            )
            loaded.append(True)
        depth = {c.pk: i for i, c in enumerate(case.category.lineage())}
        hours = ("", RoutingRule.Hours.OFF if off_hours else "working")
        out = [
            r
            for r in rules
            if (r.category_id is None or r.category_id in depth)
            and r.priority in ("", case.priority)
            and r.hours in hours
            and (r.place is None or case.place_path.startswith(r.place.path))
        ]

        def specificity(r: RoutingRule) -> tuple[int, int, int, int]:
            cat = depth[r.category_id] if r.category_id else 99
            place_depth = -len(r.place.path) if r.place is not None else 0
            return (cat, place_depth, r.order, r.pk)

        return sorted(out, key=specificity)

    worktime._overrides = cached_overrides  # type: ignore[assignment]
    routing._matching_rules = cached_rules  # type: ignore[assignment]
    sla.deadline_for = cached_deadline  # type: ignore[assignment]
    routing.responsible_for = cached_responsible  # type: ignore[assignment]
    routing.department_for = cached_department  # type: ignore[assignment]
    try:
        yield
    finally:
        (worktime._overrides, sla.deadline_for, routing.responsible_for, routing.department_for) = (
            saved
        )
        routing._matching_rules = real_rules
