"""The cases app's configuration tables, read through the process cache (``core.config_cache``):
the category tree, the deadlines, the working calendar's overrides and the routing rules.
Registered from ``CasesConfig.ready``; read with the functions below."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tongxin.core import config_cache

from .models import CaseCategory, CaseDeadline, RoutingRule, WorkCalendarDay


@dataclass(frozen=True)
class Categories:
    """Every category (active or not), by code and by id, with parents resolved in memory."""

    by_code: dict[str, CaseCategory] = field(default_factory=dict)
    by_pk: dict[int, CaseCategory] = field(default_factory=dict)


def _load_categories() -> Categories:
    rows = list(CaseCategory.objects.order_by("order", "code"))
    by_pk = {c.pk: c for c in rows}
    for c in rows:
        # Resolve the parent from the same rows, so that lineage() never queries.
        c.parent = by_pk.get(c.parent_id) if c.parent_id else None
    return Categories(by_code={c.code: c for c in rows}, by_pk=by_pk)


def _load_deadlines() -> dict[tuple[int | None, str], CaseDeadline]:
    return {(d.category_id, d.priority): d for d in CaseDeadline.objects.all()}


def _load_calendar() -> dict[dt.date, bool]:
    return dict(WorkCalendarDay.objects.values_list("date", "is_workday"))


def _load_rules() -> tuple[RoutingRule, ...]:
    return tuple(RoutingRule.objects.filter(is_active=True).select_related("place", "target_org"))


def register() -> None:
    config_cache.entry("cases.categories", _load_categories, CaseCategory)
    config_cache.entry("cases.deadlines", _load_deadlines, CaseDeadline)
    config_cache.entry("cases.calendar", _load_calendar, WorkCalendarDay)
    config_cache.entry("cases.routing_rules", _load_rules, RoutingRule)


def categories() -> Categories:
    value: Categories = config_cache.get("cases.categories")
    return value


def deadlines() -> dict[tuple[int | None, str], CaseDeadline]:
    value: dict[tuple[int | None, str], CaseDeadline] = config_cache.get("cases.deadlines")
    return value


def calendar_overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    """The admins' overrides of the working calendar between ``start`` and ``end``."""
    every: dict[dt.date, bool] = config_cache.get("cases.calendar")
    return {day: work for day, work in every.items() if start <= day <= end}


def routing_rules() -> tuple[RoutingRule, ...]:
    value: tuple[RoutingRule, ...] = config_cache.get("cases.routing_rules")
    return value
