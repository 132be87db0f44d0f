"""The trend page (民情趋势): topics per week under a place, spikes marked, each point opening
the texts behind it; everything read through the viewer's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tongxin.core.actors import ActorRequest
from tongxin.core.errors import DomainError
from tongxin.core.scoping import scope_for
from tongxin.places.models import Place
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate

from . import selectors
from .access import trend_place

WEEK_CHOICES = (4, 8, 12, 26, 52)


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) <= 12 else None


def _place(request: ActorRequest) -> Any:
    try:
        return trend_place(request.user, _int(request.GET.get("place")))
    except DomainError as exc:
        raise Http404(exc.message) from None


def _places(request: ActorRequest) -> list[Place]:
    """The viewer's places of case scope, and the grids under a community one, to choose."""
    paths = sorted(scope_for(request.user).case_paths, key=lambda p: (len(p), p))
    places = list(Place.objects.filter(path__in=paths).order_by("path")[:20])
    tops = [p for p in places if p.kind in ("street", "community")]
    if tops:
        places += list(
            Place.objects.filter(path__startswith=tops[0].path, kind="grid").order_by("path")[:40]
        )
    return places


@personal_page
def trends(request: ActorRequest) -> HttpResponse:
    place = _place(request)
    weeks = _int(request.GET.get("weeks")) or 12
    weeks = weeks if weeks in WEEK_CHOICES else 12
    table = selectors.trend_table(request.user, place, weeks=weeks)
    return render(
        request,
        "insight/trends.html",
        {
            "table": table,
            "place": place,
            "weeks": weeks,
            "week_choices": WEEK_CHOICES,
            "places": _places(request),
        },
    )


@personal_page
def texts(request: ActorRequest) -> HttpResponse:
    place = _place(request)
    topic = request.GET.get("topic", "")[:40]
    try:
        week = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        raise Http404(_("日期无效")) from None
    cases, logs = selectors.texts_behind(request.user, place, topic=topic, week=week)
    rows: list[dict[str, Any]] = [{"kind": "case", "at": c.created_at, "obj": c} for c in cases] + [
        {"kind": "log", "at": e.occurred_at, "obj": e} for e in logs
    ]
    rows.sort(key=lambda r: r["at"], reverse=True)
    name, top = selectors._names(topic)
    return render(
        request,
        "insight/texts.html",
        {
            "place": place,
            "topic": topic,
            "topic_name": name,
            "top_name": top,
            "week": selectors.trends.week_of(week),
            "week_end": selectors.trends.week_of(week) + dt.timedelta(days=6),
            "page_obj": paginate(request, rows),
            "total": len(rows),
        },
    )
