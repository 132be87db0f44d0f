"""Import (all or nothing, every bad row reported) and export (masked, scoped, audited)."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from tongxin.conftest import run_queued_tasks
from tongxin.core.errors import Forbidden, ValidationFailed
from tongxin.core.models import AuditEvent
from tongxin.core.validators import id_check_char
from tongxin.people import exporter, importer
from tongxin.people.models import Household, ImportJob, Person
from tongxin.places.models import Place


def make_id(region: str, birth: str, seq: int) -> str:
    body = f"{region}{birth}{seq:03d}"
    return body + id_check_char(body)


def empty_dwelling(grid: Place) -> Place:
    return (
        Place.objects.filter(path__prefix=grid.path, kind="dwelling")
        .exclude(households__isnull=False)
        .order_by("path")
        .first()
    )


def workbook(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append([c.title for c in importer.COLUMNS])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def row(dwelling: str, name: str, id_number: str, relation: str, phone: str = "") -> list[object]:
    return [
        dwelling,
        name,
        id_number,
        phone,
        relation,
        "群众",
        "户籍人口",
        "汉族",
        "退休",
        "",
        "自有",
    ]


def run_import(actor, data: bytes, django_capture_on_commit_callbacks) -> ImportJob:
    with django_capture_on_commit_callbacks(execute=True):
        job = importer.start_import(actor=actor, filename="居民.xlsx", data=data)
    assert job.status == ImportJob.Status.QUEUED
    assert run_queued_tasks() == 1  # through the real task backend
    job.refresh_from_db()
    return job


def test_template_has_every_column_and_reads_back():
    wb = load_workbook(io.BytesIO(importer.template_workbook()))
    header = [c.value for c in wb.worksheets[0][1]]
    assert header == [c.title for c in importer.COLUMNS]
    assert "填写说明" in wb.sheetnames


def test_valid_file_creates_household_and_members(demo, django_capture_on_commit_callbacks):
    grid1 = demo.grid(1)
    d = empty_dwelling(grid1)
    data = workbook(
        [
            row(d.code, "欧阳明", make_id("420902", "19600101", 11), "户主", "13900001111"),
            row(d.code, "李秀兰", make_id("420902", "19620202", 22), "配偶"),
        ]
    )
    job = run_import(demo.user("grid1"), data, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE, job.errors
    assert (job.created_count, job.household_count) == (2, 1)
    assert job.payload is None  # the upload is not kept
    hh = Household.objects.get(dwelling=d)
    members = {p.name: p for p in hh.members.all()}
    assert members["欧阳明"].relation == "head" and members["李秀兰"].relation == "spouse"
    assert members["欧阳明"].grid_id == grid1.pk
    assert members["欧阳明"].phone_masked == "139****1111"
    assert members["欧阳明"].name_initials == "oym"
    assert AuditEvent.objects.filter(action="people_import", actor__username="grid1").exists()


def test_one_bad_row_writes_nothing_and_names_the_row(demo, django_capture_on_commit_callbacks):
    d = empty_dwelling(demo.grid(1))
    before = (Person.objects.count(), Household.objects.count())
    good_id = make_id("420902", "19700505", 31)
    bad_id = good_id[:17] + ("0" if good_id[17] != "0" else "1")
    data = workbook(
        [
            row(d.code, "王建国", make_id("420902", "19700101", 33), "户主"),
            row(d.code, "王小明", bad_id, "子女"),
            row(d.code, "王小红", make_id("420902", "20000101", 42), "子女", "12345"),
        ]
    )
    job = run_import(demo.user("grid1"), data, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.FAILED
    assert (Person.objects.count(), Household.objects.count()) == before
    errors = {(e["row"], e["column"]): e["reason"] for e in job.errors}
    assert errors[(3, "身份证号")] == "身份证号校验位错误"
    assert "手机号" in errors[(4, "手机号")] or errors[(4, "手机号")].startswith("手机号")
    assert (2, "身份证号") not in errors
    assert "未导入任何数据" in job.message


def test_household_rules_and_duplicates(demo, django_capture_on_commit_callbacks):
    d = empty_dwelling(demo.grid(1))
    existing = Person.objects.filter(grid=demo.grid(1)).exclude(id_number_hash="").first()
    same = make_id("420902", "19800101", 51)
    data = workbook(
        [
            row(d.code, "赵一", same, "子女"),
            row(d.code, "赵二", same, "子女"),
            row("NO-SUCH", "赵三", make_id("420902", "19800101", 61), "户主"),
            row(d.code, "赵四", make_id("420902", "19800101", 71), "表亲"),
        ]
    )
    job = run_import(demo.user("grid1"), data, django_capture_on_commit_callbacks)
    reasons = [(e["row"], e["reason"]) for e in job.errors]
    assert (3, "与第 2 行的身份证号重复") in reasons
    assert any(r == 2 and "缺少户主" in m for r, m in reasons)
    assert any(r == 4 and "找不到编码为 NO-SUCH" in m for r, m in reasons)
    assert any(r == 5 and "不是可选值" in m for r, m in reasons)
    assert existing is not None


def test_other_grid_dwelling_is_reported_as_missing(demo, django_capture_on_commit_callbacks):
    d = empty_dwelling(demo.grid(2))
    data = workbook([row(d.code, "钱多", make_id("420902", "19900101", 81), "户主")])
    job = run_import(demo.user("grid1"), data, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.FAILED
    assert job.errors == [
        {"row": 2, "column": "房屋编码", "reason": f"找不到编码为 {d.code} 的房屋（户）"}
    ]


def test_unreadable_upload_and_non_staff_are_refused(demo):
    with pytest.raises(ValidationFailed, match="无法读取"):
        importer.start_import(actor=demo.user("grid1"), filename="a.xlsx", data=b"not excel")
    with pytest.raises(ValidationFailed, match="表头缺少"):
        wb = Workbook()
        wb.active.append(["姓名"])
        buf = io.BytesIO()
        wb.save(buf)
        importer.start_import(actor=demo.user("grid1"), filename="a.xlsx", data=buf.getvalue())
    with pytest.raises(Forbidden):
        importer.start_import(actor=demo.user("building"), filename="a.xlsx", data=b"")


def test_export_is_masked_scoped_and_audited(demo):
    user = demo.user("grid1")
    data = exporter.export_persons(actor=user, queryset=Person.objects.all())
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "姓名"
    body = rows[1:]
    assert len(body) == Person.objects.visible_to(user).count()
    grid_names = {r[9] for r in body}
    # grid1's worker is A of grid 1 and B (AB角) of grid 4: both, never grid 2.
    # ...plus the worker's own record, which lies in no grid.
    assert grid_names == {demo.grid(1).name, demo.grid(4).name, None}
    assert sum(1 for r in body if r[9] is None) == 1
    assert all(r[3].startswith("**************") for r in body if r[3])
    assert all("****" in r[4] for r in body if r[4])
    assert AuditEvent.objects.filter(
        action="people_export", actor=user, detail__rows=len(body)
    ).exists()
    with pytest.raises(Forbidden):
        exporter.export_persons(actor=demo.user("resident"), queryset=Person.objects.all())


def test_export_quotes_text_that_a_spreadsheet_would_run(demo):
    person = Person.objects.filter(grid=demo.grid(1)).first()
    Person.objects.filter(pk=person.pk).update(name='=HYPERLINK("http://x","点我")')
    user = demo.user("grid1")
    data = exporter.export_persons(actor=user, queryset=Person.objects.filter(pk=person.pk))
    cell = load_workbook(io.BytesIO(data)).worksheets[0]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("'=")
