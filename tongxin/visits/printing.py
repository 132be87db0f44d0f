"""The printed visit sheet (走访登记表): the visits a visitor owes, most urgent first, with the
resident's address and blank columns to fill in at the door (how, who was met, the checklist,
a signature), for days without a phone signal and for the paper file. One HTML template,
printed through ``core.pdf``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from tongxin.core import pdf

STYLESHEET = Path(__file__).resolve().parent / "static" / "visits" / "sheet_print.css"


def sheet_pdf(context: dict[str, Any]) -> bytes:
    html = render_to_string("visits/sheet_print.html", context)
    return pdf.render(html, stylesheets=[STYLESHEET])
