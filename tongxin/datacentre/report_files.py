"""The monthly report as files: a PDF (WeasyPrint through ``core.pdf``, the charts inline as
SVG with their text as text) and an Excel workbook (openpyxl, with Excel's own charts over
the workbook's cells, so the reader can restyle or extend them)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from tongxin.core import clock, csvsafe, pdf

from . import report as reports
from .report import MonthlyReport

STYLESHEET = Path(__file__).resolve().parent / "static" / "datacentre" / "report_print.css"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filename(report: MonthlyReport, ext: str) -> str:
    return f"datacentre-report-{report.place.pk}-{report.month:%Y-%m}.{ext}"


def context(report: MonthlyReport) -> dict[str, Any]:
    """What the report's templates (the page and the printed one) read."""
    labels = reports.labels()
    return {
        "r": report,
        "min_count": reports.MIN_COUNT,
        "notes": notes_text(),
        "columns": [labels[k] for k in reports.TABLE],
    }


def pdf_bytes(report: MonthlyReport) -> bytes:
    html = render_to_string(
        "datacentre/report_print.html",
        {**context(report), "printed_at": clock.local().strftime("%Y-%m-%d %H:%M")},
    )
    return pdf.render(html, stylesheets=[STYLESHEET])


def _sheet_table(ws: Any, title: str, header: list[str], rows: list[list[Any]]) -> None:
    from openpyxl.styles import Font

    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([csvsafe.safe_cell(v) for v in row])
    ws.column_dimensions["A"].width = 26
    for letter in "BCDEFGHIJKLM":
        ws.column_dimensions[letter].width = 12


def xlsx_bytes(report: MonthlyReport) -> bytes:
    """Sheets: 概览 (the three months compared, a bar chart), 逐日 (a bar and line chart),
    the units (grids or communities, a bar chart of on-time rates), 类别 (a bar chart),
    最差 (the worst grids and categories), 各项工作 (the modules' months compared) and 说明
    (what the figures count)."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference

    labels = reports.labels()
    wb = Workbook()
    ws = wb.active
    ws.title = _("概览")
    header = [_("指标"), *[f"{p.label} {p.month:%Y-%m}" for p in report.periods]]
    header += [_("比上月"), _("比去年同月")]
    rows = [[line.label, *line.values] for line in report.lines]
    title = _("{place} {month} 月度报告").format(
        place=report.place.name, month=f"{report.month:%Y-%m}"
    )
    _sheet_table(ws, title, header, rows)
    chart = BarChart()
    chart.type = "col"
    chart.title = _("与上月、去年同月比较")
    n_counts = 5  # received … overdue, the first rows
    data = Reference(ws, min_col=2, max_col=4, min_row=2, max_row=2 + n_counts)
    cats = Reference(ws, min_col=1, min_row=3, max_row=2 + n_counts)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.width, chart.height = 18, 8
    ws.add_chart(chart, "H2")

    days = wb.create_sheet(_("逐日"))
    by_day = {r["day"]: r for r in report.days}
    n = (report.month_end - report.month).days + 1
    day_rows = []
    for i in range(n):
        day = report.month + dt.timedelta(days=i)
        r = by_day.get(day)
        day_rows.append(
            [
                day,
                r["received"] if r else 0,
                r["resolved"] if r else 0,
                r["overdue"] if r else 0,
            ]
        )
    _sheet_table(
        days,
        _("每日受理与办结"),
        [_("日期"), labels["received"], labels["resolved"], labels["overdue"]],
        day_rows,
    )
    for row in days.iter_rows(min_row=3, max_col=1):
        row[0].number_format = "yyyy-mm-dd"
    bars = BarChart()
    bars.title = _("每日受理与办结")
    bars.add_data(Reference(days, min_col=2, min_row=2, max_row=2 + n), titles_from_data=True)
    bars.set_categories(Reference(days, min_col=1, min_row=3, max_row=2 + n))
    line = LineChart()
    line.add_data(Reference(days, min_col=3, min_row=2, max_row=2 + n), titles_from_data=True)
    bars += line
    bars.width, bars.height = 22, 9
    days.add_chart(bars, "F2")

    for sheet_title, source in (
        (report.unit_title, report.units),
        (_("类别"), report.categories),
    ):
        sheet = wb.create_sheet(str(sheet_title)[:31])
        body = [[r["label"], *[r[k] for k in reports.TABLE]] for r in source]
        _sheet_table(
            sheet,
            _("{what}（{month}）").format(what=sheet_title, month=f"{report.month:%Y-%m}"),
            [str(sheet_title), *[labels[k] for k in reports.TABLE]],
            body,
        )
        if body:
            chart = BarChart()
            chart.type = "bar"
            chart.title = labels["on_time_rate"]
            col = 2 + reports.TABLE.index("on_time_rate")
            chart.add_data(
                Reference(sheet, min_col=col, min_row=2, max_row=2 + len(body)),
                titles_from_data=True,
            )
            chart.set_categories(Reference(sheet, min_col=1, min_row=3, max_row=2 + len(body)))
            chart.width, chart.height = 16, max(6, 0.6 * len(body))
            sheet.add_chart(chart, "L2")

    worst = wb.create_sheet(_("最差"))
    worst_rows: list[list[Any]] = []
    for what, key in ((_("网格"), "grids"), (_("类别"), "categories")):
        for measure, name in (
            ("on_time", labels["on_time_rate"]),
            ("reopen", labels["reopen_rate"]),
        ):
            for r in report.worst[key][measure]:
                value = r["on_time_rate"] if measure == "on_time" else r["reopen_rate"]
                worst_rows.append([what, name, r["label"], value, r["received"], r["resolved"]])
    _sheet_table(
        worst,
        _("表现最差的网格与类别（至少 {n} 件才参与排名）").format(n=reports.MIN_COUNT),
        [_("对象"), _("指标"), _("名称"), _("数值"), labels["received"], labels["resolved"]],
        worst_rows,
    )

    if report.modules:
        modules = wb.create_sheet(_("各项工作"))
        _sheet_table(
            modules,
            _("各项工作（{month}）").format(month=f"{report.month:%Y-%m}"),
            [_("模块"), *header],
            [[m.label, line.label, *line.values] for m in report.modules for line in m.lines],
        )
        modules.column_dimensions["B"].width = 24

    notes = wb.create_sheet(_("说明"))
    for text in notes_text():
        notes.append([text])
    notes.column_dimensions["A"].width = 120
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def notes_text() -> list[str]:
    return [
        _("数字来自数据中心的每日汇总：统计当月受理的诉求，以及这些诉求到报告生成时的办理情况。"),
        _("按时办结率 = 按时办结 ÷ 办结；重办率 = 重办 ÷ 受理；满意率 = 满意 ÷ 已回访。"),
        _("“比去年同月”“比上月”为本月减去对比月；比率的差为百分点。"),
        _(
            "表现最差的网格与类别：至少 {n} 件才参与排名，按时办结率 100% 或重办率为 0 的不列入。"
        ).format(n=reports.MIN_COUNT),
        _("各项工作：走访、爱心铃、志愿服务、微需求、微心愿、表决与会议按各自记录的日期统计当月。"),
        _("报告只含数量与比率，不含居民姓名、联系方式、地址或诉求内容。"),
    ]
