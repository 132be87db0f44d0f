"""API of red property (``/api/v1/property``). Thin: parse, authorise, call a service or a
selector, answer. Errors are the one envelope; a company, estate or record out of the caller's
scope is 404, as if it did not exist."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from tongxin.core import clock
from tongxin.core.api_support import Text, caller
from tongxin.core.errors import NotFound
from tongxin.core.i18n import lazy_str

from . import selectors, services
from .models import ChecklistItem, CreditEvent, ServiceContract, SurveyAnswer, SurveyLevel
from .services import credit, survey

router = Router(tags=["property"])


class ItemIn(Schema):
    code: str
    score: int


class InspectionIn(Schema):
    estate_id: int
    items: list[ItemIn]
    note: str = ""


class InspectionOut(Schema):
    id: int
    estate_id: int
    month: str
    rectifications: list[dict[str, Any]]


class EventOut(Schema):
    id: int
    rule: str
    label: str
    points: str
    state: str
    occurred_on: str
    expires_on: str
    respond_until: str
    evidence: dict[str, Any]
    response: str


class CreditOut(Schema):
    company_id: int
    company: str
    score: str
    grade: str
    blacklisted: bool
    items: list[dict[str, Any]]
    events: list[EventOut]


class ResponseIn(Schema):
    response: str


class ChecklistOut(Schema):
    code: str
    label: Text
    guidance: str
    max_score: int


class RankOut(Schema):
    street: str
    rank: int
    estate_id: int
    estate: str
    company_id: int
    company: str
    total: str
    grade: str


@router.get("/property/checklist", response=list[ChecklistOut], summary=lazy_str("检查项目"))
def checklist(request: HttpRequest) -> Any:
    """The checklist the panel scores, in order."""
    caller(request)
    return [
        {"code": c.code, "label": c.label, "guidance": c.guidance, "max_score": c.max_score}
        for c in ChecklistItem.objects.filter(is_active=True)
    ]


@router.post(
    "/property/inspections",
    response={201: InspectionOut},
    summary=lazy_str("提交月度检查"),
)
def submit_inspection(request: HttpRequest, body: InspectionIn) -> Any:
    """A panelist's inspection of the estate this month: ``items`` is every active checklist
    item with its ``score`` (0 to its maximum). Only the estate's panelists in their term may
    submit (404 for anyone else); a second inspection in the month is 409
    ``INSPECTION_ALREADY_SUBMITTED``. Low items raise rectification orders, listed back."""
    inspection = services.inspection_submit(
        actor=caller(request),
        estate_id=body.estate_id,
        items=[i.dict() for i in body.items],
        note=body.note,
    )
    rects = selectors.rectifications_of(inspection)
    return Status(
        201,
        {
            "id": inspection.pk,
            "estate_id": inspection.contract.estate_id,
            "month": f"{inspection.month:%Y-%m}",
            "rectifications": [
                {"id": r.pk, "text": r.text, "deadline": r.deadline.isoformat()} for r in rects
            ],
        },
    )


def event_out(e: CreditEvent) -> dict[str, Any]:
    return {
        "id": e.pk,
        "rule": e.rule.code,
        "label": e.rule.label,
        "points": str(e.points),
        "state": e.state,
        "occurred_on": e.occurred_on.isoformat(),
        "expires_on": e.expires_on.isoformat(),
        "respond_until": e.respond_until.isoformat(),
        "evidence": {
            "model": e.evidence_model,
            "id": e.evidence_id,
            "text": e.evidence_text,
            "url": e.evidence_url,
        },
        "response": e.response,
    }


def company_for(request: HttpRequest, company_id: int) -> Any:
    """The company when the caller works for it or sees one of its contracts; else 404."""
    from tongxin.orgs.models import Organisation

    user = caller(request)
    company = Organisation.objects.filter(pk=company_id, kind="property_company").first()
    if company is None or not (
        company.pk in _org_ids(user)
        or ServiceContract.objects.visible_to(user).filter(company=company).exists()
    ):
        raise NotFound()
    return company


def _org_ids(user: Any) -> frozenset[int]:
    from tongxin.core.scoping import scope_for

    return scope_for(user).org_ids


@router.get(
    "/property/companies/{company_id}/credit",
    response=CreditOut,
    summary=lazy_str("物业企业信用"),
)
def company_credit(request: HttpRequest, company_id: int) -> Any:
    """The company's credit today: ``score`` (base + good records, at most 40, − bad
    records), ``grade`` (AAA ≥ 85, AA ≥ 80, A ≥ 70, B ≥ 60, C; 黑名单 overrides), the engine's
    ``items``, and every record with its rule, points, state and evidence."""
    company = company_for(request, company_id)
    c = credit.credit_of(company)
    return {
        "company_id": company.pk,
        "company": company.name,
        "score": str(c.score),
        "grade": c.grade,
        "blacklisted": c.blacklisted,
        "items": c.result.as_dict()["items"],
        "events": [event_out(e) for e in c.events],
    }


@router.post(
    "/property/credit-events/{event_id}/response",
    response=EventOut,
    summary=lazy_str("企业申辩"),
)
def respond_to_event(request: HttpRequest, event_id: int, body: ResponseIn) -> Any:
    """The company answers a credit record within its window (the company's staff only)."""
    user = caller(request)
    event = credit.credit_respond(actor=user, event_id=event_id, response=body.response)
    return event_out(CreditEvent.objects.visible_to(user).select_related("rule").get(pk=event.pk))


@router.get("/property/rankings", response=list[RankOut], summary=lazy_str("物业月度排名"))
def rankings(request: HttpRequest, month: str = "") -> Any:
    """The published monthly scores the caller may see, ranked within each street
    (``month`` as ``YYYY-MM``, last month by default)."""
    default = services.add_months(services.month_of(clock.today()), -1)
    chosen = selectors.month_param(month, default)
    out = []
    for street, rows in selectors.rankings(caller(request), chosen).items():
        for r in rows:
            s = r.score
            out.append(
                {
                    "street": street,
                    "rank": r.rank,
                    "estate_id": s.contract.estate_id,
                    "estate": s.contract.estate.name,
                    "company_id": s.contract.company_id,
                    "company": s.contract.company.name,
                    "total": str(s.total),
                    "grade": s.grade,
                }
            )
    return out


class SurveyOut(Schema):
    id: int
    estate_id: int
    estate: str
    company: str
    month: str
    level: int | None
    level_label: str


class SurveyIn(Schema):
    level: int
    comment: str = ""


def survey_out(a: SurveyAnswer) -> dict[str, Any]:
    contract = a.sample.contract
    return {
        "id": a.pk,
        "estate_id": contract.estate_id,
        "estate": contract.estate.name,
        "company": contract.company.name,
        "month": f"{a.sample.month:%Y-%m}",
        "level": a.level,
        "level_label": str(SurveyLevel(a.level).label) if a.level else "",
    }


@router.get("/property/surveys/mine", response=list[SurveyOut], summary=lazy_str("我的满意度调查"))
def my_surveys(request: HttpRequest) -> Any:
    """This month's satisfaction survey of the caller's household, when it is in the
    estate's sample (empty otherwise). ``level`` is null until answered."""
    return [survey_out(a) for a in survey.open_for(caller(request))]


@router.post(
    "/property/surveys/{answer_id}", response=SurveyOut, summary=lazy_str("提交满意度评价")
)
def answer_survey(request: HttpRequest, answer_id: int, body: SurveyIn) -> Any:
    """A sampled household's answer (``level`` 5 非常满意 … 1 非常不满意), by a member of the
    household or a panelist of the estate at the door; once (409 ``SURVEY_ALREADY_ANSWERED``)."""
    user = caller(request)
    row = survey.answer(actor=user, answer_id=answer_id, level=body.level, comment=body.comment)
    return survey_out(row)
