"""The printed contact card: a poster for the building's stairwell (照片上墙, 电话公开) and a
card for each household, as one PDF (WeasyPrint), with a QR code (segno) that opens the
resident's report page for their home."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import segno
from django.template.loader import render_to_string

from tongxin.core import clock, pdf
from tongxin.people.display import address_labels
from tongxin.places.models import Place

from . import selectors
from .models import Notice

STYLESHEET = Path(__file__).resolve().parent / "static" / "notices" / "card_print.css"
BULLETIN_STYLESHEET = Path(__file__).resolve().parent / "static" / "notices" / "bulletin.css"

# Cards on one PDF at most: a tower's dwellings, not a community's.
MAX_CARDS = 400


def qr_data_uri(url: str) -> str:
    return str(segno.make(url, error="m").svg_data_uri(scale=4, border=1))


def card_pdf(place: Place, *, report_url: str) -> bytes:
    """The poster of ``place`` followed by one card per dwelling under it (for a dwelling:
    its own card only). ``report_url`` is the absolute address of the report page; each
    QR code adds the dwelling (``?place=``) so the report starts from the resident's home."""
    poster = selectors.card_for(place)
    dwellings = list(
        Place.objects.filter(path__prefix=place.path, kind="dwelling").order_by("path")[:MAX_CARDS]
    )
    if place.kind == "dwelling":
        dwellings = [place]
    homes = address_labels(dwellings)
    cards: list[dict[str, Any]] = [
        {
            "card": selectors.card_for(d),
            "home": homes.get(d.pk, d.name),
            "qr": qr_data_uri(f"{report_url}?place={d.pk}"),
        }
        for d in dwellings
    ]
    html = render_to_string(
        "notices/card_print.html",
        {
            "poster": poster,
            "poster_qr": qr_data_uri(f"{report_url}?place={place.pk}"),
            "show_poster": place.kind != "dwelling",
            "cards": cards,
        },
    )
    return pdf.render(html, stylesheets=[STYLESHEET])


def bulletin_context(notice: Notice) -> dict[str, Any]:
    """What the 简报's masthead and body need: the community (or the publishing place when
    it lies in none), the issue, the date, the publisher's place, the paragraphs."""
    place = notice.audience_place
    community = selectors.community_of(place) or place
    return {
        "n": notice,
        "community": community,
        "place": place,
        "paragraphs": [p.strip() for p in notice.body.split("\n") if p.strip()],
        "attachments": selectors.attachments_of([notice])[notice.pk],
        "year": clock.local(notice.published_at).year,
    }


def bulletin_pdf(notice: Notice) -> bytes:
    """The 简报 on A4 (the same template and stylesheet as its print page)."""
    html = render_to_string("notices/bulletin_print.html", bulletin_context(notice))
    return pdf.render(html, stylesheets=[BULLETIN_STYLESHEET])
