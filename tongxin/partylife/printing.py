"""The printed scorecard: one HTML template for the browser and, through ``core.pdf``, a
PDF for filing and for the 公示 board."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from tongxin.core import pdf

STYLESHEET = Path(__file__).resolve().parent / "static" / "partylife" / "card_print.css"


def card_pdf(body: dict[str, Any]) -> bytes:
    html = render_to_string("partylife/card_print.html", {"card": body, "pdf": True})
    return pdf.render(html, stylesheets=[STYLESHEET])
