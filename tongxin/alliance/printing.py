"""The printed 共建承诺协议书: one HTML template for the browser's print and, through
WeasyPrint (as ``notices.printing``), a PDF for signing and filing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from tongxin.core import pdf

from .models import Agreement
from .selectors import progress

STYLESHEET = Path(__file__).resolve().parent / "static" / "alliance" / "agreement_print.css"


def context(agreement: Agreement) -> dict[str, Any]:
    m = agreement.membership
    return {
        "agreement": agreement,
        "m": m,
        "alliance": m.alliance,
        "progress": progress.of_agreement(agreement),
    }


def agreement_pdf(agreement: Agreement) -> bytes:
    html = render_to_string("alliance/agreement_print.html", {**context(agreement), "pdf": True})
    return pdf.render(html, stylesheets=[STYLESHEET])
