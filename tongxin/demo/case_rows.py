"""Writing the demo's case rows in bulk, and the lookups memoised while building them."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection

from tongxin.cases.models import CaseCategory
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
    """Memoise, for the length of a bulk build, the data lookups the services repeat for every
    case: who is responsible for a place for a duty (as of the first case that asks) and the
    department covering a place. (The configuration they read, the calendar, deadlines and
    rules, is cached per process anyway: ``core.config_cache``.) The module functions are put
    back afterwards."""
    from tongxin.cases import routing

    responsible: dict[tuple[Any, ...], Any] = {}
    departments: dict[tuple[Any, ...], Any] = {}
    real_responsible, real_department = routing.responsible_for, routing.department_for

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

    routing.responsible_for = cached_responsible  # type: ignore[assignment]
    routing.department_for = cached_department  # type: ignore[assignment]
    try:
        yield
    finally:
        routing.responsible_for, routing.department_for = real_responsible, real_department
