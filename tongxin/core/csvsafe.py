"""CSV that spreadsheet programs open safely: no formula injection, Chinese intact.

A cell that begins with ``=``, ``+``, ``-`` or ``@`` (or with a tab or carriage return, which
Excel strips before looking again) is run as a formula when the file is opened in Excel, WPS or
LibreOffice: ``=HYPERLINK(...)`` or ``=cmd|'/C calc'!A0`` typed into a name or a note by anyone
becomes code on the reader's machine. Every text cell that begins with one of those characters
(or their full-width forms, which some input methods produce and some spreadsheet versions
accept) is written with a leading single quote, which the spreadsheet shows as text. Numbers
are written as they are: a real ``-2`` is not a formula.

Files start with a UTF-8 byte order mark so that Excel opens Chinese text correctly.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

from django.utils.translation import gettext as _

BOM = "\ufeff"
FORMULA_PREFIXES = (
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "＝",
    "＋",
    "－",
    "＠",
)
CONTENT_TYPE = "text/csv; charset=utf-8"


class _Writable(Protocol):
    def write(self, s: str, /) -> Any: ...


def safe_cell(value: Any) -> Any:
    """The value to write for one cell: text that a spreadsheet would run is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class SafeWriter:
    """``csv.writer`` that passes every cell through ``safe_cell``."""

    def __init__(self, stream: _Writable, *, bom: bool = True) -> None:
        if bom:
            stream.write(BOM)
        self._writer = csv.writer(stream, lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def to_text(rows: Iterable[Iterable[Any]], *, bom: bool = True) -> str:
    """A whole CSV document (with the byte order mark) as one string."""
    buffer = io.StringIO()
    SafeWriter(buffer, bom=bom).writerows(rows)
    return buffer.getvalue()


def to_xlsx(sheets: Iterable[tuple[str, Iterable[Any], Iterable[Iterable[Any]]]]) -> bytes:
    """An Excel workbook of ``(title, header, rows)`` sheets, every cell through ``safe_cell``
    (the header bold, the columns widened to fit Chinese text)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows in sheets:
        ws = wb.create_sheet(str(title)[:31])
        ws.append([str(h) for h in header])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([safe_cell(v) for v in row])
        for column in ws.columns:
            width = max(len(str(c.value or "")) for c in column)
            ws.column_dimensions[column[0].column_letter].width = min(60, 4 + width * 2)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
