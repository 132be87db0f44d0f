"""The monthly ranking report, exported: an Excel workbook (openpyxl, as the 日志本's export)
and a printable PDF (WeasyPrint through ``core.pdf``, as the other printed layouts). Both hold
what the report page shows the user: the published scores of the month they may see, ranked
per street, with each score's parts, and the credit of each company ranked."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from tongxin.core import audit, clock, csvsafe, pdf
from tongxin.core.actors import Actor

from . import selectors
from .services import credit

STYLESHEET = Path(__file__).resolve().parent / "static" / "property" / "report_print.css"


@dataclass
class Line:
    street: str
    rank: int
    estate: str
    company: str
    total: Decimal
    grade: str
    parts: dict[str, str]


def report(user: Actor | None, month: dt.date) -> dict[str, Any]:
    """The report's content for ``user``: rankings, one line per score with each part's
    score before weighting (from the score's stored result: a month published before the
    survey existed has no survey column), the parts' labels and the companies' credit."""
    ranks = selectors.rankings(user, month)
    lines: list[Line] = []
    part_labels: dict[str, str] = {}
    companies: dict[int, Any] = {}
    for street, rows in ranks.items():
        for r in rows:
            s = r.score
            stored = s.result or {}
            labels = stored.get("part_labels", {})
            parts = {str(k): str(v) for k, v in stored.get("parts", {}).items()}
            for code in parts:
                part_labels.setdefault(code, str(labels.get(code, code)))
            lines.append(
                Line(
                    street,
                    r.rank,
                    s.contract.estate.name,
                    s.contract.company.name,
                    s.total,
                    s.grade,
                    parts,
                )
            )
            org = s.contract.company
            if org.pk not in companies:
                companies[org.pk] = credit.credit_of(org)
    credits = sorted(companies.values(), key=lambda c: (-c.score, c.company.name))
    return {
        "month": month,
        "rankings": ranks,
        "lines": lines,
        "part_labels": part_labels,
        "credits": credits,
    }


def _record(actor: Actor, fmt: str, month: dt.date, rows: int) -> None:
    audit.record(
        actor=actor,
        action="property_report_export",
        detail={"format": fmt, "month": f"{month:%Y-%m}", "rows": rows},
    )


def xlsx_bytes(*, actor: Actor, month: dt.date) -> bytes:
    """Two sheets: the ranking (street, rank, estate, company, the parts, total, grade) and
    the companies' credit."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    data = report(actor, month)
    _record(actor, "xlsx", month, len(data["lines"]))
    wb = Workbook()
    ws = wb.active
    ws.title = _("月度排名")
    codes = list(data["part_labels"])
    ws.append(
        [
            _("街道"),
            _("名次"),
            _("小区"),
            _("物业企业"),
            *[data["part_labels"][c] for c in codes],
            _("得分"),
            _("等次"),
        ]
    )
    for line in data["lines"]:
        ws.append(
            [
                csvsafe.safe_cell(line.street),
                line.rank,
                csvsafe.safe_cell(line.estate),
                csvsafe.safe_cell(line.company),
                *[_number(line.parts.get(c, "")) for c in codes],
                float(line.total),
                csvsafe.safe_cell(line.grade),
            ]
        )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGHIJ", (14, 6, 20, 28, 12, 12, 12, 10, 10, 10), strict=False):
        ws.column_dimensions[letter].width = width
    ws2 = wb.create_sheet(_("企业信用"))
    ws2.append([_("物业企业"), _("信用分"), _("等级")])
    for c in data["credits"]:
        ws2.append([csvsafe.safe_cell(c.company.name), float(c.score), c.grade])
    for cell in ws2[1]:
        cell.font = Font(bold=True)
    ws2.column_dimensions["A"].width = 30
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _number(value: str) -> Any:
    try:
        return float(value)
    except ValueError:
        return value


def pdf_bytes(*, actor: Actor, month: dt.date) -> bytes:
    data = report(actor, month)
    _record(actor, "pdf", month, len(data["lines"]))
    html = render_to_string(
        "property/report_print.html",
        {
            **data,
            "codes": list(data["part_labels"]),
            "printed_at": clock.local().strftime("%Y-%m-%d %H:%M"),
            "printed_by": getattr(actor, "display_name", "") or getattr(actor, "username", ""),
        },
    )
    return pdf.render(html, stylesheets=[STYLESHEET])
