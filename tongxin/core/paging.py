"""Keyset pagination and capped counts, for lists whose scope can hold hundreds of thousands
of rows (a street officer's cases).

``after(queryset, cursor)`` narrows an ordered queryset to the rows after the one the cursor
names; ``cursor_of(queryset, row)`` is the cursor of a row. The cursor carries the row's
values of the ordering's fields (base64 of JSON): page N+1 is an index range read from where
page N stopped, not an ``OFFSET`` that reads and throws away N pages first. The ordering must
be plain fields (``"-overdue"``, ``"resolve_due"``) ending in the primary key, so that every
row has one place; a field that may be empty sorts its empty values last on every database.

``capped_count(queryset, cap)`` counts at most ``cap`` + 1 rows: the answer says "more than
``cap``" instead of counting a whole large scope on every page.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Model, Q, QuerySet


class BadCursor(ValueError):
    """The cursor is not one this list gave out."""


def _keys(queryset: QuerySet[Any]) -> list[tuple[str, bool]]:
    """The ordering as (field name, descending), the primary key last."""
    keys: list[tuple[str, bool]] = []
    for item in queryset.query.order_by or queryset.model._meta.ordering or ():
        if not isinstance(item, str):
            raise TypeError("keyset pagination needs an ordering of plain field names")
        name, desc = (item[1:], True) if item.startswith("-") else (item, False)
        keys.append(("pk" if name in ("pk", "id") else name, desc))
    if not keys or keys[-1][0] != "pk":
        keys.append(("pk", False))
    return keys


def _field(model: type[Model], name: str) -> Any:
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


def ordered(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The queryset in its own order with empty values last on every database (SQLite puts
    them first going up, PostgreSQL last), the primary key breaking ties."""
    terms = []
    for name, desc in _keys(queryset):
        expr = F(name)
        terms.append(expr.desc(nulls_last=True) if desc else expr.asc(nulls_last=True))
    return queryset.order_by(*terms)


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    return value


def cursor_of(queryset: QuerySet[Any], row: Model) -> str:
    """The cursor that continues ``queryset`` after ``row``."""
    values = [_encode(getattr(row, name)) for name, _desc in _keys(queryset)]
    raw = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(queryset: QuerySet[Any], cursor: str) -> list[Any]:
    keys = _keys(queryset)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadCursor(cursor) from None
    if not isinstance(values, list) or len(values) != len(keys):
        raise BadCursor(cursor)
    out = []
    for (name, _desc), value in zip(keys, values, strict=True):
        if isinstance(value, dict):
            value = value.get("t", value.get("d"))
        if isinstance(value, (dict, list)):
            raise BadCursor(cursor)
        try:
            field = _field(queryset.model, name)
            out.append(None if value is None else field.to_python(value))
        except (ValidationError, FieldDoesNotExist, TypeError, ValueError):
            raise BadCursor(cursor) from None
    if out[-1] is None:
        raise BadCursor(cursor)
    return out


def after(queryset: QuerySet[Any], cursor: str) -> QuerySet[Any]:
    """The rows of ``queryset`` (in ``ordered`` order) after the row ``cursor`` names.
    ``BadCursor`` when it names none."""
    keys = _keys(queryset)
    values = _decode(queryset, cursor)
    later = Q(pk__in=[])
    same = Q()
    for (name, desc), value in zip(keys, values, strict=True):
        if value is not None:
            beyond = Q(**{f"{name}__lt" if desc else f"{name}__gt": value})
            if _field(queryset.model, name).null:
                beyond |= Q(**{f"{name}__isnull": True})
            later |= same & beyond
            same &= Q(**{name: value})
        else:  # among the empty values, which come last: only ties continue
            same &= Q(**{f"{name}__isnull": True})
    return ordered(queryset).filter(later)


def capped_count(queryset: QuerySet[Any], cap: int) -> tuple[int, bool]:
    """(count, exact): the number of rows when at most ``cap``, else (``cap``, False)."""
    n = queryset.order_by()[: cap + 1].count()
    return (n, True) if n <= cap else (cap, False)
