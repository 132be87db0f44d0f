"""The daily log as it leaves the system: the printed 日志本 (a diary book, one block per entry
with the template's fields: time, place, person visited, visitors, situation, difficulties,
requests, what was done, the follow-up plan) as a PDF (WeasyPrint, as the contact card), and the
same rows as CSV (``core.csvsafe``) and Excel.

The rows are the caller's filtered, scoped list (``selectors.log_entries_for``); every export is
audited, since the log's free text is sensitive.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from tongxin.core import audit, clock, csvsafe, pdf
from tongxin.core.actors import Actor
from tongxin.people.display import address_labels

from .models import LogEntry

STYLESHEET = Path(__file__).resolve().parent / "static" / "notices" / "logbook_print.css"

# Entries in one export at most (a quarter of a community's log is a few hundred); the printed
# book is slower to lay out (about 300 entries in 40 s on a busy two-core machine), so it stops
# earlier and says so.
MAX_ROWS = 1000
MAX_PDF_ROWS = 300


def _author(e: LogEntry) -> str:
    return e.author.display_name or e.author.username


def columns() -> list[str]:
    return [
        _("编号"),
        _("时间"),
        _("地点"),
        _("走访对象"),
        _("走访人"),
        _("反映情况"),
        _("困难问题"),
        _("意见诉求"),
        _("处理情况"),
        _("后续计划"),
        _("标签"),
        _("来源"),
        _("转立案件"),
    ]


def rows(entries: list[LogEntry]) -> list[list[Any]]:
    labels = address_labels([e.place for e in entries])
    out = []
    for e in entries:
        visitors = "、".join(v for v in (_author(e), e.visitors) if v)
        out.append(
            [
                e.pk,
                clock.local(e.occurred_at).strftime("%Y-%m-%d %H:%M"),
                labels.get(e.place_id) or e.place.name,
                e.met,
                visitors,
                e.raised,
                e.difficulties,
                e.requests,
                e.done,
                e.follow_up,
                e.tags,
                e.get_source_display(),
                e.case.ref if e.case_id and e.case else "",
            ]
        )
    return out


def bounded(qs: QuerySet[LogEntry], limit: int = MAX_ROWS) -> list[LogEntry]:
    """The export's entries, oldest first as in a diary, at most ``limit``."""
    return list(qs.select_related("case").order_by("occurred_at", "pk")[:limit])


def _record(actor: Actor, fmt: str, entries: list[LogEntry], filters: dict[str, Any]) -> None:
    audit.record(
        actor=actor,
        action="log_entry.export",
        detail={"format": fmt, "rows": len(entries), "filters": filters},
    )


def csv_bytes(*, actor: Actor, entries: list[LogEntry], filters: dict[str, Any]) -> bytes:
    _record(actor, "csv", entries, filters)
    return csvsafe.to_text([columns(), *rows(entries)]).encode("utf-8")


def xlsx_bytes(*, actor: Actor, entries: list[LogEntry], filters: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    _record(actor, "xlsx", entries, filters)
    wb = Workbook()
    ws = wb.active
    ws.title = _("民情日志")
    ws.append(columns())
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows(entries):
        ws.append([csvsafe.safe_cell(v) for v in row])
    widths = [8, 17, 24, 14, 14, 40, 30, 30, 30, 30, 14, 10, 18]
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    for row_cells in ws.iter_rows(min_row=2):
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def pdf_bytes(
    *, actor: Actor, entries: list[LogEntry], filters: dict[str, Any], heading: str
) -> bytes:
    """The 日志本: a cover line (whose log, which period, how many entries), then one block
    per entry with the template's fields, never split across pages."""
    _record(actor, "pdf", entries, filters)
    blocks = [
        dict(
            zip(
                (
                    "id",
                    "when",
                    "place",
                    "met",
                    "visitors",
                    "raised",
                    "difficulties",
                    "requests",
                    "done",
                    "follow_up",
                    "tags",
                    "source",
                    "case",
                ),
                row,
                strict=True,
            )
        )
        for row in rows(entries)
    ]
    html = render_to_string(
        "notices/log_print.html",
        {
            "blocks": blocks,
            "heading": heading,
            "printed_at": clock.local().strftime("%Y-%m-%d %H:%M"),
            "printed_by": getattr(actor, "display_name", "") or getattr(actor, "username", ""),
        },
    )
    return pdf.render(html, stylesheets=[STYLESHEET])
