"""The monthly report: its months by the one clock across a year end and in the Spring
Festival week, its figures those of the rollups (cases added to a month move exactly that
month's figures), the worst grids with a minimum count, the PDF (rendered to PNG pages in
var/screenshots to be looked at) and the Excel workbook with its own charts."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tongxin.cases.models import Case, CaseCategory, Feedback
from tongxin.cases.workflow import State
from tongxin.core import clock
from tongxin.datacentre import charts, report_files, rollups
from tongxin.datacentre import report as reports
from tongxin.places.models import Place

pytestmark = pytest.mark.dates

LOCAL = ZoneInfo("Asia/Shanghai")
NEW_YEAR = dt.datetime(2027, 1, 2, 10, 0, tzinfo=LOCAL)
SPRING_FESTIVAL = dt.datetime(2027, 2, 8, 10, 0, tzinfo=LOCAL)  # 春节 2027-02-06
SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


def test_months_across_the_year_end() -> None:
    with time_machine.travel(NEW_YEAR, tick=False):
        assert reports.last_month() == dt.date(2026, 12, 1)
        assert reports.add_months(reports.last_month(), -1) == dt.date(2026, 11, 1)
        assert reports.add_months(reports.last_month(), -12) == dt.date(2025, 12, 1)
        assert reports.month_end(dt.date(2026, 12, 1)) == dt.date(2026, 12, 31)
        assert reports.recent_months(3) == [
            dt.date(2026, 12, 1),
            dt.date(2026, 11, 1),
            dt.date(2026, 10, 1),
        ]
        assert reports.parse_month("2026-12") == dt.date(2026, 12, 1)
        for bad in ("2027-01", "2026-13", "12/2026", "2026-1x", "1999-12"):
            with pytest.raises(reports.ValidationFailed):
                reports.parse_month(bad)
    with time_machine.travel(SPRING_FESTIVAL, tick=False):
        assert reports.last_month() == dt.date(2027, 1, 1)
        assert reports.add_months(reports.last_month(), -12) == dt.date(2026, 1, 1)
        assert reports.month_end(dt.date(2027, 2, 1)) == dt.date(2027, 2, 28)
        with pytest.raises(reports.ValidationFailed):
            reports.parse_month("2027-02")


def _grids(demo: Any) -> list[Place]:
    """Three new grids in the secretary's community: their figures are exactly ours."""
    community = demo.grid(1).at_or_above("community")
    return [
        Place.objects.add_child(
            community, {"kind": "grid", "code": f"RPT-G{i}", "name": f"报告测试网格{i}"}
        )
        for i in range(1, 4)
    ]


def _case(n: int, grid: Place, at: dt.datetime, **kw: Any) -> Case:
    category = CaseCategory.objects.get(code=kw.pop("category", "env.garbage"))
    resolved = kw.pop("resolved", True)
    return Case(
        ref=f"RPT{n:06d}",
        created_at=at,
        category=category,
        channel="app",
        state=State.RESOLVED if resolved else State.ACCEPTED,
        description="测试",
        grid=grid,
        place=grid,
        place_path=grid.path,
        accepted_at=at + dt.timedelta(minutes=30),
        resolved_at=at + dt.timedelta(hours=20) if resolved else None,
        feedback=Feedback.SATISFIED if resolved else "",
        **kw,
    )


def _add_cases(grids: list[Place]) -> None:
    g1, g2, g3 = grids
    dec = dt.datetime(2026, 12, 10, 9, 0, tzinfo=LOCAL)
    made = []
    # December 2026: g1 six resolved, three on time, one reopened, two overdue.
    for i in range(6):
        made.append(
            _case(
                i,
                g1,
                dec + dt.timedelta(days=i),
                resolved_on_time=i < 3,
                reopen_count=1 if i == 0 else 0,
                overdue=i >= 4,
            )
        )
    # g2: five, all on time, two reopened (one received in the last minutes of the year).
    for i in range(4):
        made.append(_case(10 + i, g2, dec, resolved_on_time=True, reopen_count=int(i < 2)))
    made.append(
        _case(14, g2, dt.datetime(2026, 12, 31, 23, 30, tzinfo=LOCAL), resolved_on_time=True)
    )
    # g3: two, both late: too few to be "worst".
    made += [_case(20 + i, g3, dec, resolved_on_time=False) for i in range(2)]
    # Not December: just after midnight on New Year's Day, in November, a year before.
    made.append(_case(30, g1, dt.datetime(2027, 1, 1, 0, 10, tzinfo=LOCAL), resolved=False))
    made += [
        _case(40 + i, g1, dt.datetime(2026, 11, 3, 10, tzinfo=LOCAL), resolved_on_time=True)
        for i in range(4)
    ]
    made += [
        _case(50 + i, g1, dt.datetime(2025, 12, 20, 10, tzinfo=LOCAL), resolved_on_time=True)
        for i in range(3)
    ]
    Case.objects.bulk_create(made)


@pytest.fixture
def new_year(demo: Any) -> Any:
    with time_machine.travel(NEW_YEAR, tick=False):
        rollups.rebuild_all()
        yield demo


def _row(rows: list[dict[str, Any]], grid: Place) -> dict[str, Any]:
    return next(r for r in rows if r.get("grid") == grid.pk)


def test_the_report_moves_by_exactly_the_cases_of_its_months(new_year: Any) -> None:
    community = new_year.grid(1).at_or_above("community")
    month = reports.last_month()
    before = reports.build(community, month, with_charts=False)
    grids = _grids(new_year)
    _add_cases(grids)
    rollups.rebuild(dt.date(2025, 12, 1), dt.date(2027, 1, 1))
    after = reports.build(community, month)
    delta = {
        p.key: p.totals["received"] - q.totals["received"]
        for p, q in zip(after.periods, before.periods, strict=True)
    }
    assert delta == {"this": 13, "previous": 4, "last_year": 3}
    assert [p.month for p in after.periods] == [
        dt.date(2026, 12, 1),
        dt.date(2026, 11, 1),
        dt.date(2025, 12, 1),
    ]
    assert after.this.totals["overdue"] - before.this.totals["overdue"] == 2
    received = next(line for line in after.lines if line.key == "received")
    assert received.vs_previous == received.this - received.previous
    g1, g2, g3 = (_row(after.grids, g) for g in grids)
    assert (g1["received"], g1["on_time_rate"], g1["reopen_rate"]) == (6, 50.0, 16.7)
    assert (g2["received"], g2["on_time_rate"], g2["reopen_rate"]) == (5, 100.0, 40.0)
    assert g3["received"] == 2
    # The worst: at least MIN_COUNT, never a perfect grid, never the tiny one.
    on_time = after.worst["grids"]["on_time"]
    reopen = after.worst["grids"]["reopen"]
    for row in on_time:
        assert row["resolved"] >= reports.MIN_COUNT and row["on_time_rate"] < 100
    assert [r["on_time_rate"] for r in on_time] == sorted(r["on_time_rate"] for r in on_time)
    labels = {r["label"] for r in on_time + reopen}
    assert "报告测试网格3" not in labels
    assert "报告测试网格2" not in {r["label"] for r in on_time}
    if g1["on_time_rate"] <= max(r["on_time_rate"] for r in on_time):
        assert "报告测试网格1" in {r["label"] for r in on_time}
    assert reopen[0]["reopen_rate"] >= 40.0
    assert set(after.charts) == {"trend", "comparison", "units", "categories"}
    for svg in after.charts.values():
        assert svg.startswith("<svg") and "style=" not in svg and "<style" not in svg
        assert "<text" in svg


def test_the_street_report_is_its_communities(new_year: Any) -> None:
    street = new_year.grid(1).at_or_above("street")
    got = reports.build(street, reports.last_month(), with_charts=False)
    assert got.level == "street" and got.unit_title == "社区"
    communities = Place.objects.filter(path__prefix=street.path, kind="community").count()
    assert len(got.units) == communities
    assert sum(u["received"] for u in got.units) <= got.this.totals["received"]
    assert all(" · " in g["label"] for g in got.grids)  # grids named with their community
    got = reports.build(street, reports.last_month())
    document = report_files.pdf_bytes(got)
    assert document.startswith(b"%PDF")
    _pages(document, "datacentre-report-street")


def _pages(document: bytes, name: str) -> None:
    """The PDF as PNG pages in var/screenshots, to be looked at."""
    if not shutil.which("pdftoppm"):
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    target = SHOTS / f"{name}.pdf"
    target.write_bytes(document)
    subprocess.run(  # noqa: S603 - a fixed program on our own file
        ["pdftoppm", "-png", "-r", "70", str(target), str(SHOTS / name)],  # noqa: S607
        check=True,
        timeout=120,
    )
    assert list(SHOTS.glob(f"{name}-*.png"))


def test_the_page_and_both_files(new_year: Any) -> None:
    from openpyxl import load_workbook

    client = new_year.client("secretary")
    grids = _grids(new_year)
    _add_cases(grids)
    rollups.rebuild(dt.date(2025, 12, 1), dt.date(2027, 1, 1))
    page = client.get("/datacentre/report/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="2026-12" selected' in html  # last month by the clock, across the year end
    assert "2027-01" not in re.findall(r'<option value="([^"]+)"', html)
    for section in ("rp-compare", "rp-trend", "rp-overdue", "rp-worst", "rp-units"):
        assert f'id="{section}"' in html, section
    assert "<svg" in html and "报告测试网格1" in html
    query = re.search(r'href="/datacentre/report/pdf/\?([^"]+)"', html).group(1)
    query = query.replace("&amp;", "&")

    r = client.get("/datacentre/report/xlsx/?" + query)
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames[:2] == ["概览", "逐日"] and "说明" in wb.sheetnames
    overview = wb["概览"]
    assert overview["A3"].value == "受理"
    assert isinstance(overview["B3"].value, int) and overview["B3"].value >= 13
    assert overview._charts and wb["逐日"]._charts and wb["网格"]._charts
    december = [row[0].value for row in wb["逐日"].iter_rows(min_row=3, max_col=1)]
    assert len(december) == 31

    r = client.get("/datacentre/report/pdf/?" + query)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert r["Content-Disposition"].startswith("attachment;")
    _pages(r.content, "datacentre-report")
    # Both downloads are in the audit log, with the month and the format.
    from tongxin.core.models import AuditEvent

    rows = AuditEvent.objects.filter(action="datacentre.report").order_by("pk")
    assert [(e.detail["month"], e.detail["format"]) for e in rows] == [
        ("2026-12", "xlsx"),
        ("2026-12", "pdf"),
    ]


def test_a_month_without_data_and_bad_input(new_year: Any) -> None:
    client = new_year.client("secretary")
    empty = client.get("/datacentre/report/", {"month": "2020-03"})
    assert empty.status_code == 200
    html = empty.content.decode()
    assert 'id="rp-empty"' in html and "rp-pdf" not in html
    assert client.get("/datacentre/report/pdf/", {"month": "2020-03"}).status_code == 404
    for bad in ({"month": "2027-01"}, {"month": "abc"}, {"level": "district"}):
        r = client.get("/datacentre/report/", bad)
        assert r.status_code == 400, bad
        assert 'id="rp-error"' in r.content.decode()
    assert client.get("/datacentre/report/xlsx/", {"month": "2027-01"}).status_code == 400
    for role in ("grid1", "resident"):
        assert new_year.client(role).get("/datacentre/report/").status_code == 403


def test_the_spring_festival_week_reports_january(demo: Any) -> None:
    with time_machine.travel(SPRING_FESTIVAL, tick=False):
        page = demo.client("secretary").get("/datacentre/report/")
        assert page.status_code == 200
        assert 'value="2027-01" selected' in page.content.decode()


def test_charts_keep_their_text_as_text_in_chinese() -> None:
    svg = charts.comparison_chart(["受理", "办结"], [("本月", [3, 2]), ("上月", [None, None])])
    assert "受理" in svg and "本月" in svg
    assert "WenQuanYi Micro Hei" in svg  # CJK fonts named first
    assert "style=" not in svg and "<style" not in svg  # the pages allow no inline style
    assert svg == charts.comparison_chart(
        ["受理", "办结"], [("本月", [3, 2]), ("上月", [None, None])]
    )
    assert clock.today()  # the clock is the one clock


def test_the_modules_months_in_the_report_and_the_workbook(new_year: Any) -> None:
    """Each module's month against the month before and a year earlier, from its rollups:
    needs raised on given days move exactly those months' lines; the year's scorecards are
    not in it; the page and the workbook carry the section."""
    from openpyxl import load_workbook

    from tongxin.datacentre import module_rollups
    from tongxin.matching.models import Need

    community = new_year.grid(1).at_or_above("community")
    month = reports.last_month()  # December 2026
    # The month's cases too: a report without cases is a month without data, whatever day the
    # demo was made on (at the session's clock: its cases may all fall before December).
    _add_cases(_grids(new_year))
    rollups.rebuild(dt.date(2025, 12, 1), dt.date(2027, 1, 1))
    module_rollups.rebuild_every()
    before = reports.build(community, month, with_charts=False)
    model = Need.objects.filter(community=community).order_by("pk").first()
    days = (
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 31),
        dt.date(2026, 11, 30),
        dt.date(2025, 12, 15),
    )
    for day in days:
        model.pk = None
        model.save()
        at = dt.datetime.combine(day, dt.time(23, 50), tzinfo=LOCAL)
        Need.objects.filter(pk=model.pk).update(created_at=at, updated_at=at)
    module_rollups.rebuild_every()
    after = reports.build(community, month, with_charts=False)

    def raised(r: reports.MonthlyReport) -> tuple[Any, ...]:
        needs = next((m for m in r.modules if m.name == "needs"), None)
        if needs is None:
            return (0, 0, 0)
        line = next(x for x in needs.lines if x.key == "raised")
        return (line.this, line.previous, line.last_year)

    assert [a - b for a, b in zip(raised(after), raised(before), strict=True)] == [2, 1, 1]
    names = [m.name for m in after.modules]
    assert "needs" in names and not {"scorecards", "unit_cards", "service_cards"} & set(names)
    for m in after.modules:  # counts and rates only: no duration summed in seconds
        assert not {x.key for x in m.lines} & {"ack_seconds", "arrive_seconds"}

    client = new_year.client("secretary")
    html = client.get("/datacentre/report/").content.decode()
    assert 'id="rp-modules"' in html and 'id="rp-module-needs"' in html
    query = re.search(r'href="/datacentre/report/xlsx/\?([^"]+)"', html).group(1)
    wb = load_workbook(
        io.BytesIO(client.get("/datacentre/report/xlsx/?" + query.replace("&amp;", "&")).content)
    )
    sheet = wb["各项工作"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    needs_raised = next(r for r in rows if r[0] == "微需求" and r[1] == "提出")
    assert tuple(needs_raised[2:5]) == raised(after)
    pdf = client.get("/datacentre/report/pdf/?" + query.replace("&amp;", "&"))
    assert pdf.status_code == 200
    _pages(pdf.content, "datacentre-report-modules")
