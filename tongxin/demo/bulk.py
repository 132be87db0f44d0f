"""Loading the demo's big tables fast: ``insert_rows`` and ``bulk_load_tuning``.

Rows are written in bulk (tree paths computed by the generator, as treebeard would); the big
tables go through ``insert_rows``, which skips the ORM's per-field work, so the district scale
takes minutes, not hours.
"""

from __future__ import annotations

import contextlib
import gc
import operator
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import connection, models

from tongxin.core import clock

# Field types whose Python values both database drivers take as they are.
_PLAIN_FIELDS = frozenset(
    {
        "CharField",
        "TextField",
        "BooleanField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "PositiveBigIntegerField",
        "FloatField",
        "ForeignKey",
        "OneToOneField",
    }
)


def insert_rows(objs: Sequence[models.Model]) -> None:
    """``bulk_create`` for the generator's big tables (places, households, persons, care tags).

    The same rows, and the primary keys set on the objects as ``bulk_create`` sets them, but
    without the ORM's per-field, per-row SQL compilation, which was more than half of the time
    of generating the district. Values are read with one ``attrgetter`` per row; only fields
    that need converting (dates, JSON) go through ``get_db_prep_save``. ``auto_now`` fields get
    one timestamp per call. The statements go to the driver's cursor directly, so that a
    DEBUG query log does not format a million rows.
    """
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    assert not meta.parents, "insert_rows handles models without multi-table inheritance"
    pk = meta.pk
    assert pk is not None
    now = clock.now()
    plain: list[models.Field[Any, Any]] = []
    converted: list[tuple[models.Field[Any, Any], bool]] = []
    relations: list[Any] = []  # foreign keys: models.ForeignKey
    for f in meta.concrete_fields:
        if f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            converted.append((f, True))
        elif f.get_internal_type() in _PLAIN_FIELDS:
            plain.append(f)
            if f.is_relation:
                relations.append(f)
        else:
            converted.append((f, False))
    fields = plain + [f for f, _ in converted]
    read_plain: Callable[[Any], Any] = operator.attrgetter(*(f.attname for f in plain))
    if len(plain) == 1:
        read_one = read_plain

        def read_plain(obj: Any) -> tuple[Any]:
            return (read_one(obj),)

    stamp = {f.attname: f.get_db_prep_save(now, connection) for f, auto in converted if auto}

    def row_of(obj: Any) -> list[Any]:
        assert obj.pk is None, "insert_rows only inserts new rows"
        for f in relations:  # as bulk_create: take the id of a related object saved since
            if getattr(obj, f.attname) is None and f.is_cached(obj):
                setattr(obj, f.attname, f.get_cached_value(obj).pk)
        row = list(read_plain(obj))
        for f, auto in converted:
            if auto:
                setattr(obj, f.attname, now)
                row.append(stamp[f.attname])
            else:
                row.append(f.get_db_prep_save(getattr(obj, f.attname), connection))
        return row

    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    row_marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # Identifiers come from the model and values are bound parameters: nothing to inject.
    head = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES "  # noqa: S608
    tail = f" RETURNING {qn(pk.column)}"
    chunk = 1000

    def saved(batch: Sequence[models.Model], ids: list[Any]) -> None:
        assert len(ids) == len(batch)
        for obj, new_id in zip(batch, ids, strict=True):
            obj.pk = new_id
            obj._state.adding = False
            obj._state.db = connection.alias

    if connection.vendor == "sqlite":
        # Many rows a statement, as many as the bound-parameter limit allows
        # (sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER is 3).
        per_statement = max(1, min(chunk, connection.connection.getlimit(3) // len(fields)))

        def sql_for(n: int) -> str:
            return head + ", ".join([row_marks] * n) + tail

        full_sql = sql_for(per_statement)
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor  # the driver's cursor, past any DEBUG query log
            for start in range(0, len(objs), per_statement):
                batch = objs[start : start + per_statement]
                params = [value for obj in batch for value in row_of(obj)]
                sql = full_sql if len(batch) == per_statement else sql_for(len(batch))
                cursor.execute(sql, params)
                saved(batch, [row[0] for row in cursor.fetchall()])
    elif connection.vendor == "postgresql":
        # One statement per chunk with one array parameter per column (as Django 5.2 does
        # for plain rows): a short statement that psycopg parses once, instead of thousands
        # of placeholders, whose parsing in Python cost more than the insert itself.
        arrays = ", ".join(f"%b::{f.db_type(connection)}[]" for f in fields)
        sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) SELECT * FROM UNNEST({arrays}){tail}"  # noqa: S608
        import psycopg

        connection.ensure_connection()
        # Server-side parameters: the arrays travel in binary, without text quoting.
        with psycopg.Cursor(connection.connection) as cursor:
            for start in range(0, len(objs), chunk):
                batch = objs[start : start + chunk]
                columns_of_batch = zip(*map(row_of, batch), strict=True)
                cursor.execute(sql, [list(column) for column in columns_of_batch])
                saved(batch, [row[0] for row in cursor.fetchall()])
    else:
        model._default_manager.bulk_create(objs)


@contextlib.contextmanager
def bulk_load_tuning() -> Iterator[None]:
    """Settings for loading a million rows in one transaction, restored afterwards.

    - SQLite's page cache is 2 MB by default: once the person indexes (keyed hashes, random
      order) outgrow it, every insert reads pages back and the load slows down as it goes.
    - The rows built here stay alive until the end; without freezing them, each full garbage
      collection walks all of them again.
    """
    previous = None
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            previous = cursor.fetchone()[0]
            cursor.execute("PRAGMA cache_size = -524288")  # 512 MB
    try:
        yield
    finally:
        gc.unfreeze()
        if previous is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(previous)}")
