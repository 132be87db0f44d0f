"""API of the trends (民情研判): topics per week under a place, and the texts behind a point.
Counts and texts are read through the caller's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router

from tongxin.core.api_support import caller
from tongxin.core.i18n import lazy_str

from . import selectors
from .access import trend_place
from .schemas import TrendsOut, TrendTextsOut

router = Router(tags=["insight"])


@router.get("/trends", response=TrendsOut, summary=lazy_str("民情趋势：各话题每周条数与突增"))
def trends(request: HttpRequest, place_id: int | None = None, weeks: int = 12) -> Any:
    """The topics of the cases and daily-log entries the caller may see under ``place_id``
    (default: the caller's widest place) in the last ``weeks`` weeks (1–52, this week
    included; ``weeks`` are their Mondays): per topic the weekly ``counts`` and ``spikes``
    (the week rose well above the topic's own baseline), ``spike`` when any week did; topics
    with a spike first, then the busiest. A topic is a case category (its ``code``)."""
    user = caller(request)
    place = trend_place(user, place_id)
    table = selectors.trend_table(user, place, weeks=weeks)
    return {
        "place": {"id": place.pk, "name": place.name},
        "weeks": table.weeks,
        "topics": [
            {
                "code": t.code,
                "name": t.name,
                "top": t.top,
                "counts": t.counts,
                "spikes": t.spikes,
                "spike": t.spiking,
                "total": t.total,
            }
            for t in table.topics
        ],
    }


@router.get(
    "/trends/texts", response=TrendTextsOut, summary=lazy_str("民情趋势某点背后的诉求与日志")
)
def trend_texts(
    request: HttpRequest, topic: str, week: dt.date, place_id: int | None = None
) -> Any:
    """The cases and daily-log entries behind one point of the trend (a topic, the week
    starting on or containing ``week``), those the caller may see, newest first."""
    user = caller(request)
    place = trend_place(user, place_id)
    cases, logs = selectors.texts_behind(user, place, topic=topic[:40], week=week)
    return {
        "place": {"id": place.pk, "name": place.name},
        "topic": topic[:40],
        "week": selectors.trends.week_of(week),
        "cases": [
            {
                "id": c.pk,
                "ref": c.ref,
                "category": c.category.name,
                "description": c.description,
                "created_at": c.created_at,
            }
            for c in cases
        ],
        "log_entries": [
            {"id": e.pk, "occurred_at": e.occurred_at, "place": e.place.name, "raised": e.raised}
            for e in logs
        ],
    }
