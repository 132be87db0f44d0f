"""The 日志本: the filtered log printed as a diary book (PDF, rendered to PNG with pdftoppm so
that a person can look at it), and the same rows as CSV and Excel; for staff, scoped."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tongxin.core.models import AuditEvent
from tongxin.notices import services
from tongxin.places.models import Place

pytestmark = pytest.mark.django_db


def building_in(grid):
    return Place.objects.filter(kind="building", path__startswith=grid.path).order_by("path")[0]


def out_dir(tmp_path: Path) -> Path:
    return Path(os.environ.get("TONGXIN_PRINT_OUT") or tmp_path)


def entries(demo):
    b = building_in(demo.grid(1))
    kw = {"actor": demo.user("grid1"), "place": b}
    return [
        services.log_entry_record(
            **kw,
            met="3栋2单元 王阿姨",
            visitors="楼栋长李师傅",
            raised="甲乙丙日志本：电梯经常停运，老人上下楼困难。",
            difficulties="独居，腿脚不便，子女在外地。",
            requests="希望尽快修好电梯，平时有人帮忙买菜。",
            done="已联系物业报修。",
            follow_up="周五回访电梯维修情况。",
            tags="电梯 养老",
            source="visit",
        ),
        services.log_entry_record(
            **kw, raised='甲乙丙日志本：=HYPERLINK("http://x") 楼道堆物', tags="环境"
        ),
    ]


def test_the_log_prints_as_a_diary_book(demo, tmp_path):
    entries(demo)
    response = demo.client("grid1").get("/log/export/", {"format": "pdf", "q": "甲乙丙日志本"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False  # printing leaves the upload checks alone
    assert AuditEvent.objects.filter(action="log_entry.export", detail__format="pdf").exists()
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: the PDF was not rendered")
    out = out_dir(tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    (out / "logbook.pdf").write_bytes(pdf)
    subprocess.run(  # noqa: S603 — poppler on the PDF we just wrote
        [pdftoppm, "-png", "-r", "70", str(out / "logbook.pdf"), str(out / "logbook")], check=True
    )
    pages = sorted(out.glob("logbook*.png"))
    assert len(pages) == 1 and pages[0].stat().st_size > 10000
    text = shutil.which("pdftotext")
    if text:
        words = subprocess.run(  # noqa: S603
            [text, str(out / "logbook.pdf"), "-"], check=True, capture_output=True
        ).stdout.decode()
        for label in ("民情日志", "走访对象", "走访人", "困难问题", "意见诉求", "后续计划"):
            assert label in words
        assert "王阿姨" in words and "周五回访" in words


def test_csv_and_excel_carry_the_same_rows_safely(demo):
    entries(demo)
    client = demo.client("grid1")
    csv = client.get("/log/export/", {"format": "csv", "q": "甲乙丙日志本"})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8")
    assert text.startswith("\ufeff") and "走访对象" in text and "王阿姨" in text
    lines = [line for line in text.splitlines() if "甲乙丙日志本" in line]
    assert len(lines) == 2
    from openpyxl import load_workbook

    xlsx = client.get("/log/export/", {"format": "xlsx", "q": "甲乙丙日志本"})
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][3] == "走访对象" and len(rows) == 3
    assert rows[1][6] == "独居，腿脚不便，子女在外地。"


def test_a_formula_in_the_text_is_written_as_text(demo):
    services.log_entry_record(
        actor=demo.user("grid1"), place=building_in(demo.grid(1)), raised="=1+1 甲乙丙公式"
    )
    text = demo.client("grid1").get("/log/export/", {"q": "甲乙丙公式"}).content.decode()
    assert "'=1+1 甲乙丙公式" in text


def test_the_export_is_scoped_and_for_staff(demo):
    entries(demo)
    services.log_entry_record(
        actor=demo.user("grid2"), place=building_in(demo.grid(2)), raised="甲乙丙日志本：二号网格"
    )
    grid1 = demo.client("grid1").get("/log/export/", {"q": "甲乙丙日志本"}).content.decode()
    assert "二号网格" not in grid1
    secretary = demo.client("secretary").get("/log/export/", {"q": "甲乙丙日志本"})
    assert "二号网格" in secretary.content.decode()
    assert demo.client("resident").get("/log/export/").status_code == 403
    assert demo.client("grid1").get("/log/export/", {"format": "doc"}).status_code == 400
    assert demo.client("grid1").get("/log/export/", {"place": demo.grid(2).pk}).status_code == 404
