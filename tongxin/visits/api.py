"""API of visits (``/api/v1/visits``, ``/api/v1/knocks``). Thin: parse, authorise, call a
service or a selector, answer. Out of scope is 404; every read of a visit is audited."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ValidationError as PydanticError

from tongxin.core import audit, clock, uploads
from tongxin.core.api_support import Moment, PageMeta, Text, caller, paginate
from tongxin.core.errors import ValidationFailed
from tongxin.core.i18n import lazy_str
from tongxin.core.input_guard import JSONBodyParser
from tongxin.core.models import StoredUpload
from tongxin.core.scoping import access

from . import selectors, services
from .models import Knock, Pair, VisitEscalation, VisitRecord, VisitTask

router = Router(tags=["visits"])


class PersonRef(Schema):
    id: int
    name: str


class RuleRef(Schema):
    id: int
    code: str
    name: Text


class DueItemOut(Schema):
    id: int
    person: PersonRef
    rule: RuleRef
    due_by: dt.datetime
    overdue: bool
    trigger: str
    distance_km: float | None = None


class DueOut(PageMeta):
    items: list[DueItemOut]


class RefState(Schema):
    id: int
    state: str


class RecordOut(Schema):
    id: int
    person: PersonRef
    visitor: PersonRef
    visited_at: dt.datetime
    method: str
    met: str
    checklist: dict[str, str]
    notes: str
    tasks: list[int]
    case: RefState | None = None
    need: RefState | None = None
    photo: str | None = None


class EscalationOut(Schema):
    step: int
    person: PersonRef | None = None
    reason: str
    at: dt.datetime


class TaskOut(Schema):
    id: int
    person: PersonRef
    rule: RuleRef
    state: str
    trigger: str
    period_start: dt.date
    due_by: dt.datetime
    overdue: bool
    assignee: PersonRef | None = None
    assign_reason: str
    cancel_reason: str = ""
    escalated_to: PersonRef | None = None
    escalations: list[EscalationOut] = []
    record: RecordOut | None = None


class RecordIn(Schema):
    method: str = Field(..., max_length=16)
    met: str = Field("", max_length=100)
    checklist: dict[str, str] = Field(default_factory=dict)
    notes: str = Field("", max_length=2000)
    raise_case: str = Field("", max_length=64)
    raise_need: str = Field("", max_length=32)
    visited_at: Moment | None = None


class KnockIn(Schema):
    answered: bool


class KnockOut(Schema):
    id: int
    pair: int
    day: dt.date
    at: dt.datetime
    answered: bool


class PairOut(Schema):
    id: int
    person: PersonRef
    knock_by: dt.time
    helpers: list[PersonRef]
    answered_today: bool


class PairsOut(Schema):
    items: list[PairOut]
    count: int


class MeasureRow(Schema):
    key: str
    label: Text
    due: int
    on_time: int
    late: int
    missed: int
    open: int
    overdue: int
    rate: float


class MeasuresOut(Schema):
    month: str
    by: str
    items: list[MeasureRow]


def _ref(p: Any) -> dict[str, Any] | None:
    return {"id": p.pk, "name": p.name} if p is not None else None


def _rule(r: Any) -> dict[str, Any]:
    return {"id": r.pk, "code": r.code, "name": r.name}


def photo_url(r: VisitRecord, viewer: Any) -> str | None:
    """The record's photo for a viewer who may read the file (the record's readers and the
    one who took it), else nothing: a URL is never handed to someone it would refuse."""
    if not r.photo:
        return None
    upload = StoredUpload.objects.select_related("owner_type").filter(pk=r.photo).first()
    if upload is None or not uploads.can_read(viewer, upload):
        return None
    return reverse("core:file", args=[upload.pk])


def record_out(r: VisitRecord, viewer: Any) -> dict[str, Any]:
    return {
        "id": r.pk,
        "person": _ref(r.person),
        "visitor": _ref(r.visitor),
        "visited_at": r.visited_at,
        "method": r.method,
        "met": r.met,
        "checklist": r.checklist or {},
        "notes": r.notes,
        "tasks": sorted(t.pk for t in r.tasks.all()),
        "case": {"id": r.case.pk, "state": r.case.state} if r.case_id and r.case else None,
        "need": {"id": r.need.pk, "state": r.need.state} if r.need_id and r.need else None,
        "photo": photo_url(r, viewer),
    }


@router.get("/visits/due", response=DueOut, summary=lazy_str("待走访清单"))
def visits_due(request: HttpRequest, mine: int = 1, page: int = 1, q: str = "") -> Any:
    """Open visits, most urgent first (overdue, due today, later), nearest first within each:
    ``mine=1`` (default) those the caller owes or had escalated to them, ``mine=0`` every open
    visit in the caller's care scope; ``q``: part of the resident's name, as on the phone
    page. Paged: ``page`` (from 1), ``page_size`` a page, ``count`` the whole list."""
    user = caller(request)
    q = q.strip()[:50]
    found = selectors.due_list(user, mine=bool(mine), q=q)
    # A list that counts and slices as a queryset does (only the page is read in full).
    sl = paginate(cast("QuerySet[Any]", found), page)
    audit.record(
        actor=user, action="visit.list", detail={"count": sl.count, "page": sl.page, "q": q}
    )
    return sl.answer(
        [
            {
                "id": i.task.pk,
                "person": _ref(i.task.person),
                "rule": _rule(i.task.rule),
                "due_by": i.task.due_by,
                "overdue": i.overdue,
                "trigger": i.task.trigger,
                "distance_km": round(i.distance, 2) if i.distance is not None else None,
            }
            for i in sl.items
        ]
    )


@router.get("/visits/measures", response=MeasuresOut, summary=lazy_str("走访率"))
def visits_measures(request: HttpRequest, by: str = "grid", month: str = "") -> Any:
    """Visits that fell due in ``month`` (YYYY-MM, this month by default) in the caller's
    care scope, by ``grid``, ``rule``, ``tag`` or ``role``: due, on time, late, missed, open."""
    if by not in ("grid", "rule", "tag", "role"):
        reason = _("可选：grid、rule、tag、role")
        raise ValidationFailed(reason, fields=[{"field": "by", "reason": reason}])
    _check_month(month)
    return selectors.measures(caller(request), by=by, month=month or None)


class CoverageRow(Schema):
    key: str
    label: Text
    residents: int
    contacted: int
    home: int
    rate: float


class CoverageOut(Schema):
    month: str
    by: str
    items: list[CoverageRow]


@router.get("/visits/coverage", response=CoverageOut, summary=lazy_str("走访覆盖率"))
def visits_coverage(request: HttpRequest, by: str = "tag", month: str = "") -> Any:
    """Coverage in ``month`` (YYYY-MM, this month by default) in the caller's care scope, by
    care ``tag`` or ``grid``: the cared-for residents, how many had any contact recorded and a
    home visit, and the rate (the 100 % monthly visit target). Empty outside a care scope."""
    if by not in ("tag", "grid"):
        reason = _("可选：tag、grid")
        raise ValidationFailed(reason, fields=[{"field": "by", "reason": reason}])
    _check_month(month)
    return selectors.coverage(caller(request), by=by, month=month or None)


def _check_month(month: str) -> None:
    if month and not re.fullmatch(r"(20\d\d|2100)-(0[1-9]|1[0-2])", month):
        reason = _("月份格式为 YYYY-MM")
        raise ValidationFailed(reason, fields=[{"field": "month", "reason": reason}])


@router.get("/visits/{task_id}", response=TaskOut, summary=lazy_str("走访任务"))
def get_visit(request: HttpRequest, task_id: int) -> Any:
    """One visit task (and its record once made): its resident, rule, due time, who owes it
    and why. 404 outside the caller's care scope. Audited."""
    user = caller(request)
    task = access(
        VisitTask.objects.visible_to(user).select_related(
            "person", "rule", "assignee", "escalated_to"
        ),
        task_id,
    )
    audit.record(actor=user, action="visit.view", obj=task, subject_person_id=task.person_id)
    record = None
    if task.record_id:
        r = (
            VisitRecord.objects.visible_to(user)
            .select_related("person", "visitor", "case", "need")
            .filter(pk=task.record_id)
            .first()
        )
        record = record_out(r, user) if r else None
    return {
        "id": task.pk,
        "person": _ref(task.person),
        "rule": _rule(task.rule),
        "state": task.state,
        "trigger": task.trigger,
        "period_start": task.period_start,
        "due_by": task.due_by,
        "overdue": task.overdue_at(clock.now()),
        "assignee": _ref(task.assignee),
        "assign_reason": task.assign_reason,
        "cancel_reason": task.cancel_reason,
        "escalated_to": _ref(task.escalated_to),
        "escalations": [
            {"step": e.step, "person": _ref(e.person), "reason": e.reason, "at": e.at}
            for e in VisitEscalation.objects.visible_to(user)
            .filter(task=task)
            .select_related("person")
        ],
        "record": record,
    }


PHOTO_FIELD = "photo"
_RECORD_FIELDS = {
    name: {"type": "string"}
    for name in ("method", "met", "notes", "raise_case", "raise_need", "visited_at")
}
RECORD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": RecordIn.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["method"],
                    "properties": {
                        **_RECORD_FIELDS,
                        "checklist": {"type": "string", "description": "JSON object"},
                        PHOTO_FIELD: {"type": "string", "format": "binary"},
                    },
                }
            },
        },
    }
}


def _form_refusal(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(reason, fields=[{"field": field, "reason": reason}])


def _form_data(request: HttpRequest) -> tuple[dict[str, Any], Any]:
    """A multipart record: the JSON body's fields as form fields (``checklist`` a JSON object
    as text, or one ``checklist.<item>`` field per item) and at most one ``photo`` file."""
    stray = [name for name in request.FILES if name != PHOTO_FIELD]
    if stray:
        raise _form_refusal(stray[0], _("只能上传一个名为 photo 的照片文件"))
    photos = request.FILES.getlist(PHOTO_FIELD)
    if len(photos) > 1:
        raise _form_refusal(PHOTO_FIELD, _("每次走访只能附一张照片"))
    data: dict[str, Any] = {
        key: request.POST.get(key) for key in request.POST if not key.startswith("checklist")
    }
    checklist: Any = {
        key.removeprefix("checklist."): request.POST.get(key)
        for key in request.POST
        if key.startswith("checklist.")
    }
    if request.POST.get("checklist"):
        try:
            checklist = json.loads(request.POST["checklist"])
        except (ValueError, RecursionError):
            checklist = None
        if not isinstance(checklist, dict):
            raise _form_refusal("checklist", _("情况清单应为 JSON 对象"))
    data["checklist"] = checklist
    return data, (photos[0] if photos else None)


def _record_input(request: HttpRequest) -> tuple[RecordIn, Any]:
    """The record's fields and its photo: a JSON body (no photo), or multipart/form-data with
    the same fields and an optional ``photo`` file; refusals in the one envelope."""
    if request.content_type == "multipart/form-data":
        data, photo = _form_data(request)
        where: tuple[str, ...] = ("form",)
    else:
        data, photo = JSONBodyParser().parse_body(request), None
        where = ("body", "payload")
    try:
        return RecordIn.model_validate(data), photo
    except PydanticError as exc:
        errors = [{**e, "loc": (*where, *e["loc"])} for e in exc.errors(include_url=False)]
        raise NinjaValidationError(errors) from None


@router.post(
    "/visits/{task_id}/record",
    response={201: RecordOut},
    summary=lazy_str("记录走访"),
    openapi_extra=RECORD_BODY,
)
def record_visit(request: HttpRequest, task_id: int) -> Any:
    """Record a contact (``method``: home, phone, video, hospital; ``met``; the ``checklist``
    of health, safety, mood, living, needs: ok, concern, urgent; ``notes``). It closes every
    open visit of the resident it satisfies. ``raise_case`` (a category code) reports a case,
    ``raise_need`` (a need kind) posts a need, in the same step. A JSON body, or
    multipart/form-data with the same fields (``checklist`` as JSON text) and an optional
    ``photo`` (JPEG, PNG or WebP within the upload limits, stored without its metadata, owned
    by the record): a refused photo refuses the record, nothing is written. The answer's
    ``photo`` is the file's URL for those who may read it."""
    user = caller(request)
    payload, photo = _record_input(request)
    record = services.visit_record(
        actor=user,
        task_id=task_id,
        method=payload.method,
        met=payload.met,
        checklist=payload.checklist,
        notes=payload.notes,
        raise_case=payload.raise_case,
        raise_need=payload.raise_need,
        visited_at=payload.visited_at,
        photo=photo,
    )
    fresh = VisitRecord.objects.visible_to(user).select_related("person", "visitor", "case", "need")
    return Status(201, record_out(access(fresh, record.pk), user))


class TierIn(Schema):
    risk_tier: str = Field(..., max_length=10)
    major_change: bool = False


class ScheduleOut(Schema):
    person: PersonRef
    risk_tier: str
    last_contact_at: dt.datetime | None = None
    open: list[int]


@router.post(
    "/visits/schedules/{person_id}", response=ScheduleOut, summary=lazy_str("调整风险等级")
)
def set_tier(request: HttpRequest, person_id: int, payload: TierIn) -> Any:
    """Set a cared-for resident's ``risk_tier`` (``high``, ``key``, ``general`` or ``""``);
    their schedule follows at once; ``major_change`` owes the high tier's visit within 24 h.
    Care staff over the resident only (404 out of scope, 403 without care)."""
    user = caller(request)
    schedule = services.schedule_set_tier(
        actor=user,
        person_id=person_id,
        risk_tier=payload.risk_tier,
        major_change=payload.major_change,
    )
    person = schedule.person
    open_ids = VisitTask.objects.visible_to(user).filter(person=person, state="open")
    return {
        "person": _ref(person),
        "risk_tier": schedule.risk_tier,
        "last_contact_at": schedule.last_contact_at,
        "open": sorted(open_ids.values_list("pk", flat=True)),
    }


class EventIn(Schema):
    trigger: str = Field(..., max_length=16)
    on: dt.date | None = None


class ScheduledOut(Schema):
    id: int
    rule: RuleRef
    due_by: dt.datetime
    assignee: PersonRef | None = None


class EventOut(Schema):
    tasks: list[ScheduledOut]
    count: int


@router.post("/visits/events/{person_id}", response={201: EventOut}, summary=lazy_str("报告事件"))
def report_event(request: HttpRequest, person_id: int, payload: EventIn) -> Any:
    """Report what happened to a resident (``trigger``: ``hospital`` admission, ``release``,
    ``major_change``, ``must_attend``; ``on``: a date ahead, such as a release date known
    before the release): the visits the rules owe are scheduled within their hours, the one who
    owes each told. Care staff over the resident only (404 out of scope, 403 without care)."""
    user = caller(request)
    made = services.visit_event(
        actor=user, person_id=person_id, trigger=payload.trigger, on=payload.on
    )
    rows = VisitTask.objects.visible_to(user).filter(pk__in=[t.pk for t in made])
    items = [
        {"id": t.pk, "rule": _rule(t.rule), "due_by": t.due_by, "assignee": _ref(t.assignee)}
        for t in rows.select_related("rule", "assignee").order_by("due_by", "pk")
    ]
    return Status(201, {"tasks": items, "count": len(items)})


@router.get("/knocks", response=PairsOut, summary=lazy_str("天天敲门结对"))
def list_pairs(request: HttpRequest) -> Any:
    """The 天天敲门 pairs the caller may see: those they help in, and (care staff) those in
    their care scope; with today's answer."""
    user = caller(request)
    qs = (
        Pair.objects.visible_to(user)
        .filter(active=True)
        .select_related("person")
        .prefetch_related("helpers__person")
        .order_by("pk")[:500]
    )
    rows = list(qs)
    audit.record(actor=user, action="visit.pairs", detail={"count": len(rows)})
    answered = set(
        Knock.objects.visible_to(user)
        .filter(pair__in=rows, day=clock.today(), answered=True)
        .values_list("pair_id", flat=True)
    )
    return {
        "items": [
            {
                "id": p.pk,
                "person": _ref(p.person),
                "knock_by": p.knock_by,
                "helpers": [_ref(h.person) for h in p.helpers.all()],
                "answered_today": p.pk in answered,
            }
            for p in rows
        ],
        "count": len(rows),
    }


@router.post("/knocks/{pair_id}", response={201: KnockOut}, summary=lazy_str("敲门打卡"))
def knock(request: HttpRequest, pair_id: int, payload: KnockIn) -> Any:
    """One tap: ``answered`` true (见到了) or false (没人应答). The pair's helpers and the care
    staff over the resident may knock; 404 for anyone who cannot see the pair."""
    k = services.knock_record(actor=caller(request), pair_id=pair_id, answered=payload.answered)
    return Status(
        201, {"id": k.pk, "pair": k.pair_id, "day": k.day, "at": k.at, "answered": k.answered}
    )
