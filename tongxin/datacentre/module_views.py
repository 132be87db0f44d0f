"""The modules' panels of the dashboard (visits, alarms, volunteering, needs, wishes, votes,
meetings, scorecards of party life and of the alliance), read
from the rollups only, each count linked to its records, each panel with the time its rollup
last ran; and the page of the records behind one of those counts, under the viewer's scope."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render

from tongxin.core.actors import ActorRequest
from tongxin.core.errors import DomainError
from tongxin.places.models import Place
from tongxin.ui.decorators import personal_page

from . import auditing, module_selectors
from .sources import SOURCES, Source
from .views import Filters, _date, _int

# Each panel's table: per grid where the records have one, else per breakdown key.
TABLE_BY = {
    "visits": "grid",
    "alarms": "grid",
    "needs": "key",
    "votes": "grid",
    "meetings": "key",
    "scorecards": "key",
    "unit_cards": "key",
    "service_cards": "key",
}
DERIVED = {
    "visits": ("on_time_rate", "done_rate"),
    "alarms": ("false_rate", "ack_minutes", "arrive_minutes"),
    "volunteering": ("hours",),
    "needs": ("match_rate", "fulfil_rate"),
    "wishes": ("match_rate", "fulfil_rate"),
    "votes": ("pass_rate", "turnout"),
    "meetings": ("held_rate", "minuted_rate", "signins_each"),
    "scorecards": ("objected_rate",),
    "unit_cards": ("objected_rate",),
    "service_cards": ("objected_rate",),
}


def _cells(f: Filters, source: Source, row: dict[str, Any], key: dict[str, Any]) -> list[Any]:
    """(label, value, link) per figure: a count links to its records, a sum does not; a row
    without a key of its own (outside every grid) links nowhere."""
    linkable = all(v is not None for v in key.values())
    return [
        (
            fig.label,
            row[fig.name],
            f.query(**key, figure=fig.name) if fig.countable and linkable else "",
        )
        for fig in source.figures
        if not fig.seconds
    ]


def panels(f: Filters) -> list[dict[str, Any]]:
    out = []
    for source in SOURCES.values():
        total = module_selectors.totals(source, f.place, f.day_from, f.day_to)
        by = TABLE_BY.get(source.name)
        rows = module_selectors.stats(source, f.place, f.day_from, f.day_to, by=by) if by else []
        for row in rows:
            row["cells"] = _cells(f, source, row, {by: row[by]} if by else {})
            row["extra"] = [row[name] for name in DERIVED[source.name]]
        out.append(
            {
                "source": source.name,
                "label": source.label,
                "as_of": module_selectors.module_as_of(source),
                "cells": _cells(f, source, total, {}),
                "derived": [
                    (module_selectors.DERIVED_LABELS[name], total[name])
                    for name in DERIVED[source.name]
                ],
                "derived_labels": [
                    module_selectors.DERIVED_LABELS[name] for name in DERIVED[source.name]
                ],
                "rows": rows,
            }
        )
    return out


@personal_page
def records(request: ActorRequest, source: str) -> HttpResponse:
    f = Filters(request)
    g = request.GET
    found_source = SOURCES.get(source)
    if found_source is None:
        raise Http404(source)
    figure = g.get("figure", "")
    try:
        found = module_selectors.records(
            request.user,
            found_source,
            f.place,
            f.day_from,
            f.day_to,
            figure=figure,
            grid=_int(g.get("grid")),
            key=g.get("key", "")[:40] or None,
            day=_date(g.get("day")),
            page=_int(g.get("page")) or 1,
        )
    except DomainError as exc:
        raise Http404(exc.message) from None
    auditing.records_read(
        request.user, source=source, figure=figure, place=f.place, found=found, via="page"
    )
    pages = max(1, -(-found.count // found.page_size))
    keep = {k: g.get(k) for k in ("grid", "key", "day", "figure") if g.get(k)}
    fig = found_source.figure(figure)
    return render(
        request,
        "datacentre/module_records.html",
        {
            "f": f,
            "source": found_source,
            "found": found,
            "rows": [(r.pk, found_source.describe(r)) for r in found.items],
            "figure_label": fig.label if fig else figure,
            "grid": Place.objects.filter(pk=_int(g.get("grid")) or 0).first(),
            "key_label": module_selectors.key_labels(found_source).get(g.get("key", ""), ""),
            "day": _date(g.get("day")),
            "pages": pages,
            "prev": f.query(**keep, page=found.page - 1) if found.page > 1 else "",
            "next": f.query(**keep, page=found.page + 1) if found.page < pages else "",
            "back": f.query(),
        },
    )
