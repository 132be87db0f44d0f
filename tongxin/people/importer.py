"""Import residents and households from an Excel workbook, all or nothing.

The flow: ``start_import`` checks that the upload is a readable workbook within the limits and
queues a job; the task worker runs ``process_job``, which validates every row (reporting each
bad row with its row number, column and reason, in Chinese) and only when the whole file is
valid writes it in one transaction. The template is downloadable (``template_workbook``).

Rows that share a 房屋编码 form one household at that dwelling. A new household needs exactly
one 户主 row; rows for a dwelling that already has a household join it.
"""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from tongxin.core import audit, clock
from tongxin.core.actors import Actor, as_account
from tongxin.core.errors import Forbidden, ValidationFailed
from tongxin.core.i18n import source_choices, source_labels
from tongxin.places.models import Place

from . import policies
from .models import (
    Household,
    ImportJob,
    Person,
    PoliticalStatus,
    Relation,
    ResidenceStatus,
    Tenure,
)
from .services import (
    PersonData,
    clean_person_data,
    fill_person,
    grid_of,
    id_number_hashes,
)

MAX_BYTES = 10 * 1024 * 1024
PROGRESS_EVERY = 200


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    required: bool = False
    example: str = ""
    note: str = ""
    choices: Any = None

    @property
    def help(self) -> str:
        """The notes sheet's line: the allowed values (in the file's language) and the note."""
        allowed = "、".join(source_labels(self.choices)) if self.choices is not None else ""
        return allowed + self.note


# The template's headers, examples and choice labels are the file format: the same in every
# language (the source language, Chinese), so a file filled in by anyone imports anywhere.
COLUMNS = (  # i18n-data
    Column("dwelling", "房屋编码", True, "", "地点中“户”一级的编码，见地点页面"),
    Column("name", "姓名", True, "张三丰"),
    Column("id_number", "身份证号", True, "", "18位，最后一位可为X"),
    Column("phone", "手机号", False, "13812345678"),
    Column("relation", "与户主关系", True, "户主", choices=Relation),
    Column("political_status", "政治面貌", False, "群众", choices=PoliticalStatus),
    Column("residence_status", "户籍类型", False, "户籍人口", choices=ResidenceStatus),
    Column("ethnicity", "民族", False, "汉族"),
    Column("occupation", "职业", False, "退休"),
    Column("employer", "工作单位", False, ""),
    Column("tenure", "住房性质", False, "自有", "（按户填写一次即可）", choices=Tenure),
)
TITLES = {c.title: c for c in COLUMNS}


def _choice_map(choices: Any) -> dict[str, str]:
    return {label: value for value, label in source_choices(choices)}


def template_workbook() -> bytes:
    """The downloadable template: headers, a notes sheet, and drop-downs for the choices."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("居民")
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FDE9D9")
    for i, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i, value=col.title)
        cell.font = bold
        if col.required:
            cell.fill = fill
        ws.column_dimensions[cell.column_letter].width = max(12, len(col.title) * 3)
    for col_index, choices in (
        (5, source_labels(Relation)),
        (6, source_labels(PoliticalStatus)),
        (7, source_labels(ResidenceStatus)),
        (11, source_labels(Tenure)),
    ):
        letter = ws.cell(row=1, column=col_index).column_letter
        dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
        dv.add(f"{letter}2:{letter}5000")
        ws.add_data_validation(dv)
    notes = wb.create_sheet(_("填写说明"))
    notes.append([_("列"), _("是否必填"), _("说明")])
    for col in COLUMNS:
        notes.append([col.title, _("必填") if col.required else _("选填"), col.help])
    notes.append([])
    notes.append([_("同一房屋编码的多行为同一户；新户须有且仅有一名“户主”。")])
    notes.append([_("整个文件全部校验通过后才会写入；任何一行有误，都不会导入任何数据。")])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass
class RowError:
    row: int
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class ParsedRow:
    row: int
    dwelling: Place | None = None
    data: PersonData | None = None
    relation: str = ""
    tenure: str = ""


@dataclass
class Plan:
    """The validated content of a workbook, ready to write."""

    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _read_rows(data: bytes) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ValidationFailed(_("无法读取该文件：请上传由模板填写的 .xlsx 文件")) from exc
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header_row = next(rows, None)
    if not header_row:
        raise ValidationFailed(_("文件是空的：第一行应为表头"))
    header = [str(h).strip() if h is not None else "" for h in header_row]
    missing = [c.title for c in COLUMNS if c.required and c.title not in header]
    if missing:
        raise ValidationFailed(
            _("表头缺少必填列：{columns}。请使用下载的模板。").format(columns="、".join(missing))
        )
    body: list[tuple[int, list[Any]]] = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        body.append((number, list(values)))
        if len(body) > settings.TONGXIN_IMPORT_MAX_ROWS:
            raise ValidationFailed(
                _("一次最多导入 {max_rows} 行，请拆分文件后再导入").format(
                    max_rows=settings.TONGXIN_IMPORT_MAX_ROWS
                )
            )
    wb.close()
    return header, body


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def validate_rows(*, actor: Actor, data: bytes, on_progress: Any = None) -> Plan:
    """Check every row; nothing is written. Returns the plan with all errors found."""
    header, body = _read_rows(data)
    index = {title: i for i, title in enumerate(header) if title in TITLES}
    plan = Plan()

    codes = {_text(v[index["房屋编码"]]) for _, v in body if index["房屋编码"] < len(v)}
    places = {p.code: p for p in Place.objects.filter(code__in=codes - {""})}
    seen_ids: dict[str, int] = {}
    id_hashes: dict[str, int] = {}

    for n, (row_no, values) in enumerate(body, start=1):

        def get(title: str, values: list[Any] = values) -> str:
            i = index.get(title)
            return _text(values[i]) if i is not None and i < len(values) else ""

        errors: list[RowError] = []
        parsed = ParsedRow(row=row_no)
        code = get("房屋编码")
        place = places.get(code)
        if not code:
            errors.append(RowError(row_no, "房屋编码", _("不能为空")))
        elif place is None or place.kind != "dwelling":
            errors.append(
                RowError(
                    row_no, "房屋编码", _("找不到编码为 {code} 的房屋（户）").format(code=code)
                )
            )
        elif not policies.can_register_at(actor, place.path):
            # Out of scope looks like missing: never confirm that a code exists elsewhere.
            errors.append(
                RowError(
                    row_no, "房屋编码", _("找不到编码为 {code} 的房屋（户）").format(code=code)
                )
            )
        else:
            parsed.dwelling = place

        for title, mapping, attr in (
            ("与户主关系", _choice_map(Relation), "relation"),
            ("住房性质", _choice_map(Tenure), "tenure"),
        ):
            value = get(title)
            if value and value not in mapping:
                errors.append(
                    RowError(
                        row_no,
                        title,
                        _("“{value}”不是可选值（{choices}）").format(
                            value=value, choices="、".join(mapping)
                        ),
                    )
                )
            elif value:
                setattr(parsed, attr, mapping[value])
        if not get("与户主关系"):
            errors.append(RowError(row_no, "与户主关系", _("不能为空")))
        pdata = PersonData(
            name=get("姓名"),
            id_number=get("身份证号"),
            phone=get("手机号"),
            ethnicity=get("民族"),
            occupation=get("职业"),
            employer=get("工作单位"),
        )
        for title, mapping, attr in (
            ("政治面貌", _choice_map(PoliticalStatus), "political_status"),
            ("户籍类型", _choice_map(ResidenceStatus), "residence_status"),
        ):
            value = get(title)
            if value and value not in mapping:
                errors.append(
                    RowError(
                        row_no,
                        title,
                        _("“{value}”不是可选值（{choices}）").format(
                            value=value, choices="、".join(mapping)
                        ),
                    )
                )
            elif value:
                setattr(pdata, attr, mapping[value])
        if not pdata.id_number:
            errors.append(RowError(row_no, "身份证号", _("不能为空")))
        try:
            pdata = clean_person_data(pdata)
        except ValidationFailed as exc:
            field_titles = {"name": "姓名", "id_number": "身份证号", "phone": "手机号"}
            for f in exc.fields:
                errors.append(
                    RowError(row_no, field_titles.get(f["field"], f["field"]), f["reason"])
                )
        else:
            if pdata.id_number:
                if pdata.id_number in seen_ids:
                    errors.append(
                        RowError(
                            row_no,
                            "身份证号",
                            _("与第 {row} 行的身份证号重复").format(row=seen_ids[pdata.id_number]),
                        )
                    )
                else:
                    seen_ids[pdata.id_number] = row_no
                    for h in id_number_hashes(pdata.id_number):
                        id_hashes[h] = row_no
        parsed.data = pdata
        plan.errors.extend(errors)
        plan.rows.append(parsed)
        if on_progress and n % PROGRESS_EVERY == 0:
            on_progress(n, len(body))

    # Already registered ID numbers: one query for the whole file.
    for h in Person.objects.filter(id_number_hash__in=list(id_hashes)).values_list(
        "id_number_hash", flat=True
    ):
        plan.errors.append(RowError(id_hashes[h], "身份证号", _("该身份证号已登记")))

    # Household rules, per dwelling.
    by_dwelling: dict[int, list[ParsedRow]] = defaultdict(list)
    for r in plan.rows:
        if r.dwelling is not None:
            by_dwelling[r.dwelling.pk].append(r)
    existing = {
        hh.dwelling_id: hh for hh in Household.objects.filter(dwelling_id__in=list(by_dwelling))
    }
    has_head = set(
        Person.objects.filter(
            household__in=list(existing.values()), relation=Relation.HEAD, is_active=True
        ).values_list("household__dwelling_id", flat=True)
    )
    for dwelling_id, rows in by_dwelling.items():
        heads = [r for r in rows if r.relation == Relation.HEAD]
        if dwelling_id in has_head:
            for r in heads:
                plan.errors.append(
                    RowError(r.row, "与户主关系", _("该房屋已有户主，不能再登记户主"))
                )
        elif len(heads) == 0:
            code = rows[0].dwelling.code if rows[0].dwelling else ""
            plan.errors.append(
                RowError(
                    rows[0].row, "与户主关系", _("房屋 {code} 的新户缺少户主").format(code=code)
                )
            )
        elif len(heads) > 1:
            for r in heads[1:]:
                plan.errors.append(
                    RowError(
                        r.row,
                        "与户主关系",
                        _("与第 {row} 行同为户主：一户只能有一名户主").format(row=heads[0].row),
                    )
                )
    plan.errors.sort(key=lambda e: (e.row, e.column))
    if on_progress:
        on_progress(len(body), len(body))
    return plan


@transaction.atomic
def write_plan(*, actor: Actor, plan: Plan, job: ImportJob | None = None) -> tuple[int, int]:
    """Write a validated plan in one transaction. Returns (persons, households) created."""
    assert not plan.errors, "write_plan needs a plan without errors"
    by_dwelling: dict[int, list[ParsedRow]] = defaultdict(list)
    for r in plan.rows:
        by_dwelling[r.dwelling.pk].append(r)  # type: ignore[union-attr]
    existing = {
        hh.dwelling_id: hh
        for hh in Household.objects.select_for_update().filter(dwelling_id__in=list(by_dwelling))
    }
    grids = {p.path: p.pk for p in Place.objects.filter(kind="grid")}
    new_households: list[Household] = []
    for dwelling_id, rows in by_dwelling.items():
        if dwelling_id not in existing:
            d = rows[0].dwelling
            tenure = next((r.tenure for r in rows if r.tenure), Tenure.OWNER)
            code = f"H{d.code}"  # type: ignore[union-attr]
            hh = Household(code=code, dwelling=d, place_path=d.path, tenure=tenure)  # type: ignore[union-attr]
            new_households.append(hh)
            existing[dwelling_id] = hh
    Household.objects.bulk_create(new_households)
    persons: list[Person] = []
    for r in plan.rows:
        p = fill_person(Person(), r.data)  # type: ignore[arg-type]
        hh = existing[r.dwelling.pk]  # type: ignore[union-attr]
        p.household, p.relation = hh, r.relation
        anchor_place = r.dwelling
        p.place, p.place_path = anchor_place, anchor_place.path  # type: ignore[union-attr]
        p.grid_id = grid_of(anchor_place, grids_by_path=grids)
        persons.append(p)
    Person.objects.bulk_create(persons, batch_size=1000)
    audit.record(
        actor=actor,
        action="people_import",
        obj=job,
        detail={
            "persons": len(persons),
            "households": len(new_households),
            "filename": job.filename if job else "",
        },
    )
    return len(persons), len(new_households)


def start_import(*, actor: Actor, filename: str, data: bytes) -> ImportJob:
    """Check the upload and queue it for the worker."""
    if not policies.can_import(actor):
        raise Forbidden(_("只有社区和网格工作人员可以导入居民信息"))
    if len(data) > MAX_BYTES:
        raise ValidationFailed(
            _("文件过大：最大 {max_mb} MB").format(max_mb=MAX_BYTES // 1024 // 1024)
        )
    if not filename.lower().endswith(".xlsx"):
        raise ValidationFailed(_("请上传 .xlsx 格式的 Excel 文件（可先下载模板）"))
    _header, body = _read_rows(data)
    if not body:
        raise ValidationFailed(_("文件中没有数据行"))
    from .tasks import run_import

    with transaction.atomic():
        job = ImportJob.objects.create(
            created_by=as_account(actor),
            filename=filename[:200],
            payload=data,
            total_rows=len(body),
        )
        audit.record(
            actor=actor,
            action="people_import_queued",
            obj=job,
            detail={"filename": filename, "rows": len(body)},
        )
        transaction.on_commit(lambda: run_import.enqueue(job.pk))
    return job


def process_job(job_id: int) -> ImportJob:
    """Validate, then write or report. Runs in the task worker; safe to run twice."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if not job.is_running or job.payload is None:
        return job
    actor = job.created_by
    job.status = ImportJob.Status.VALIDATING
    job.save(update_fields=["status"])

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=done, total_rows=total)

    try:
        plan = validate_rows(actor=actor, data=bytes(job.payload), on_progress=progress)
    except ValidationFailed as exc:
        return _finish(job, ImportJob.Status.FAILED, exc.message, [])
    if plan.errors:
        rows = len({e.row for e in plan.errors})
        return _finish(
            job,
            ImportJob.Status.FAILED,
            _("有 {rows} 行存在错误，未导入任何数据。请修改后重新上传。").format(rows=rows),
            [e.as_dict() for e in plan.errors],
        )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.WRITING)
    try:
        persons, households = write_plan(actor=actor, plan=plan, job=job)
    except Exception as exc:  # the transaction rolled back: say so, keep nothing half-written
        return _finish(
            job, ImportJob.Status.FAILED, _("写入失败，已全部撤销：{exc}").format(exc=exc), []
        )
    job.created_count, job.household_count = persons, households
    return _finish(
        job,
        ImportJob.Status.DONE,
        _("已导入 {persons} 名居民（新建 {households} 户）。").format(
            persons=persons, households=households
        ),
        [],
    )


def _finish(job: ImportJob, status: str, message: str, errors: list[dict[str, Any]]) -> ImportJob:
    job.refresh_from_db(fields=["processed_rows", "total_rows"])
    job.status, job.message, job.errors = status, message[:300], errors
    job.finished_at = clock.now()
    job.payload = None  # the uploaded personal data is not kept once processed
    if status == ImportJob.Status.DONE:
        job.processed_rows = job.total_rows
    job.save()
    return job
