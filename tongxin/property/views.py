"""Pages of red property: the ranking board, an estate's page, the panelist's inspection form
(phone-first), a company's credit page with the response form, rectification orders, the
printable monthly report, the joint meeting form. Thin: parse, authorise, call, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.core import clock
from tongxin.core.actors import ActorRequest
from tongxin.core.errors import DomainError, Forbidden, NotFound
from tongxin.core.scoping import access, scope_for
from tongxin.orgs.models import Organisation
from tongxin.places.models import Place
from tongxin.ui.decorators import personal_page

from . import policies, selectors, services
from .models import (
    ChecklistItem,
    CreditEvent,
    CreditRule,
    MonthlyScore,
    Rectification,
    RectState,
    ServiceContract,
    SurveyAnswer,
    SurveyLevel,
)
from .services import credit, joint, survey
from .workflow import CreditAct, RectAct


def _last_month() -> dt.date:
    return services.add_months(services.month_of(clock.today()), -1)


def _fail(request: ActorRequest, exc: DomainError) -> None:
    messages.error(request, exc.message)
    for f in exc.fields:
        messages.error(request, f["reason"])


@personal_page
def board(request: ActorRequest) -> HttpResponse:
    """The ranking board per street for a month, the estates the user oversees, and for a
    company's people their own company."""
    user = request.user
    month = selectors.month_param(request.GET.get("month"), _last_month())
    contracts = (
        ServiceContract.objects.visible_to(user)
        .filter(ends_on__gte=clock.today())
        .select_related("company", "estate")
    )
    return render(
        request,
        "property/board.html",
        {
            "month": month,
            "rankings": selectors.rankings(user, month),
            "contracts": contracts[:200],
            "my_panels": selectors.panels_of(getattr(user, "person_id", None), clock.today()),
        },
    )


def _estate_contract(request: ActorRequest, estate_id: int) -> ServiceContract:
    contracts = ServiceContract.objects.visible_to(request.user).filter(estate_id=estate_id)
    contract = (
        contracts.select_related("company", "estate", "project_manager", "party_org")
        .order_by("-starts_on")
        .first()
    )
    if contract is None:
        raise NotFound(_("找不到该小区的物业服务合同"))
    return contract


@personal_page
def estate(request: ActorRequest, estate_id: int) -> HttpResponse:
    """An estate's property service: the contract, the panel, this month's live score with its
    evidence, the published months, the open rectification orders."""
    contract = _estate_contract(request, estate_id)
    today = clock.today()
    month = selectors.month_param(request.GET.get("month"), services.month_of(today))
    return render(
        request,
        "property/estate.html",
        {
            "contract": contract,
            "month": month,
            "live": selectors.month_result(contract, month).as_dict(),
            "done": selectors.panelists_done(contract, month),
            "panel": selectors.panel_at(estate_id, today),
            "scores": MonthlyScore.objects.visible_to(request.user)
            .filter(contract=contract)
            .prefetch_related("objections")[:12],
            "rects": Rectification.objects.visible_to(request.user)
            .filter(contract=contract)
            .select_related("item")[:50],
            "manages": policies.manages(request.user, contract),
            "last_month": _last_month(),
        },
    )


@personal_page
def inspect(request: ActorRequest, estate_id: int) -> HttpResponse:
    """The panelist's inspection form, on a phone: each checklist item scored on the spot."""
    place = Place.objects.filter(pk=estate_id, kind="estate").first()
    if place is None or not policies.is_panelist(request.user, place.pk):
        raise NotFound(_("找不到该小区，或您不是该小区本期评议小组成员"))
    items = list(ChecklistItem.objects.filter(is_active=True))
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {c.code: request.POST.get(f"item_{c.code}", "").strip() for c in items}
        try:
            inspection = services.inspection_submit(
                actor=request.user,
                estate_id=place.pk,
                items=[{"code": k, "score": v} for k, v in values.items() if v != ""],
                note=request.POST.get("note", ""),
                photos={c.code: request.FILES.getlist(f"photo_{c.code}") for c in items},
            )
        except DomainError as exc:
            errors = {f["field"].removeprefix("items."): f["reason"] for f in exc.fields}
            messages.error(request, exc.message)
        else:
            raised = selectors.rectifications_of(inspection).count()
            messages.success(
                request,
                _("检查已提交。")
                + (
                    _("有 {n} 项得分偏低，已向物业发出整改通知。").format(n=raised)
                    if raised
                    else ""
                ),
            )
            return redirect(reverse("property:inspect", args=[place.pk]))
    contract = selectors.contract_on(place.pk, clock.today())
    done = (
        contract is not None
        and contract.inspections.filter(
            month=services.month_of(clock.today()), panelist_id=request.user.person_id
        ).exists()
    )
    rows = [(c, values.get(c.code, ""), errors.get(c.code, "")) for c in items]
    return render(
        request,
        "property/inspect.html",
        {"estate": place, "contract": contract, "rows": rows, "done": done},
    )


@require_POST
@personal_page
def publish(request: ActorRequest, contract_id: int) -> HttpResponse:
    contract = access(ServiceContract.objects.visible_to(request.user), contract_id)
    policies.require_manager(request.user, contract)
    month = selectors.month_param(request.POST.get("month"), _last_month())
    try:
        row = services.month_publish(actor=request.user, contract_id=contract.pk, month=month)
        messages.success(
            request, _("已公示：{total} 分（{grade}）").format(total=row.total, grade=row.grade)
        )
    except DomainError as exc:
        _fail(request, exc)
    return redirect(reverse("property:estate", args=[contract.estate_id]))


@require_POST
@personal_page
def object_to(request: ActorRequest, score_id: int) -> HttpResponse:
    score = access(
        MonthlyScore.objects.visible_to(request.user).select_related("contract"), score_id
    )
    if not (
        policies.works_for(request.user, score.contract.company_id)
        or policies.is_panelist(request.user, score.contract.estate_id)
    ):
        raise Forbidden(_("只有物业企业或评议小组成员可以提出异议"))
    try:
        services.objection_raise(
            actor=request.user, score_id=score.pk, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("异议已提交"))
    except DomainError as exc:
        _fail(request, exc)
    return redirect(reverse("property:estate", args=[score.contract.estate_id]))


def _company(request: ActorRequest, company_id: int) -> Organisation:
    company = Organisation.objects.filter(pk=company_id, kind="property_company").first()
    if company is None or not (
        policies.works_for(request.user, company.pk)
        or ServiceContract.objects.visible_to(request.user).filter(company=company).exists()
    ):
        raise NotFound(_("找不到该物业企业"))
    return company


@personal_page
def company(request: ActorRequest, company_id: int) -> HttpResponse:
    """The company's page: its estates, its credit with every record and its evidence, the
    response form (its own people), the reviewer's acts (managers), its orders."""
    org = _company(request, company_id)
    c = credit.credit_of(org)
    user = request.user
    visible = set(
        CreditEvent.objects.visible_to(user).filter(company=org).values_list("pk", flat=True)
    )
    rows = [
        (
            e,
            e.contract is not None and policies.manages(user, e.contract),
        )
        for e in c.events
        if e.pk in visible
    ]
    return render(
        request,
        "property/company.html",
        {
            "company": org,
            "credit": c,
            "rows": rows,
            "own": policies.works_for(user, org.pk),
            "today": clock.today(),
            "contracts": ServiceContract.objects.visible_to(user)
            .filter(company=org)
            .select_related("estate"),
            "rects": Rectification.objects.visible_to(user)
            .filter(contract__company=org)
            .exclude(state="closed")
            .select_related("contract__estate"),
        },
    )


@require_POST
@personal_page
def respond(request: ActorRequest, event_id: int) -> HttpResponse:
    event = access(CreditEvent.objects.visible_to(request.user), event_id)
    policies.require_company(request.user, event.company_id)
    try:
        credit.credit_respond(
            actor=request.user, event_id=event.pk, response=request.POST.get("response", "")
        )
        messages.success(request, _("申辩已提交"))
    except DomainError as exc:
        _fail(request, exc)
    return redirect(reverse("property:company", args=[event.company_id]))


@require_POST
@personal_page
def decide(request: ActorRequest, event_id: int, credit_act: str) -> HttpResponse:
    event = access(
        CreditEvent.objects.visible_to(request.user).select_related("contract"), event_id
    )
    if credit_act not in (CreditAct.POST, CreditAct.WITHDRAW):
        raise NotFound()
    if event.contract is None or not policies.manages(request.user, event.contract):
        raise Forbidden(_("您无权进行此操作"))
    try:
        credit.credit_decide(
            actor=request.user,
            event_id=event.pk,
            act=credit_act,
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("已处理"))
    except DomainError as exc:
        _fail(request, exc)
    return redirect(reverse("property:company", args=[event.company_id]))


@personal_page
def rectification(request: ActorRequest, rect_id: int) -> HttpResponse:
    """An order: what and by when, the company's report, the re-inspection."""
    row = access(
        Rectification.objects.visible_to(request.user).select_related(
            "contract__estate", "contract__company", "item"
        ),
        rect_id,
    )
    if request.method == "POST":
        act = request.POST.get("act", "")
        if act == RectAct.RESPOND:
            policies.require_company(request.user, row.contract.company_id)
        else:
            policies.require_manager(request.user, row.contract)
        try:
            credit.rectification_act(
                actor=request.user,
                rect_id=row.pk,
                act=act,
                text=request.POST.get("text", ""),
            )
            messages.success(request, _("已提交"))
            return redirect(reverse("property:rectification", args=[row.pk]))
        except DomainError as exc:
            _fail(request, exc)
    return render(
        request,
        "property/rectification.html",
        {
            "rect": row,
            "own": policies.works_for(request.user, row.contract.company_id),
            "manages": policies.manages(request.user, row.contract),
            "acts": RectAct,
            "photos": selectors.item_photos(request.user, row.inspection_id, row.item_id),
        },
    )


@personal_page
def report(request: ActorRequest) -> HttpResponse:
    """The printable monthly report: every published score of the month the user may see,
    ranked per street, with the credit of each company."""
    month = selectors.month_param(request.GET.get("month"), _last_month())
    ranks = selectors.rankings(request.user, month)
    companies: dict[int, Any] = {}
    for rows in ranks.values():
        for r in rows:
            org = r.score.contract.company
            if org.pk not in companies:
                companies[org.pk] = credit.credit_of(org)
    return render(
        request,
        "property/report.html",
        {"month": month, "rankings": ranks, "credits": list(companies.values())},
    )


@personal_page
def joint_meeting(request: ActorRequest, contract_id: int) -> HttpResponse:
    """Convene the estate's 1+3+N joint meeting."""
    contract = access(
        ServiceContract.objects.visible_to(request.user).select_related("estate", "company"),
        contract_id,
    )
    policies.require_manager(request.user, contract)
    from tongxin.meetings.policies import officer_paths

    paths = officer_paths(request.user)
    orgs = [
        o
        for o in Organisation.objects.filter(is_active=True)
        if any(o.path.startswith(p) for p in paths)
    ][:50]
    departments = Organisation.objects.filter(kind="department", is_active=True)[:50]
    if request.method == "POST":
        starts_at = parse_datetime(request.POST.get("starts_at", "") or "")
        if starts_at is not None and timezone.is_naive(starts_at):
            starts_at = timezone.make_aware(starts_at)
        if starts_at is None:
            messages.error(request, _("请填写会议时间"))
        else:
            try:
                meeting = joint.joint_meeting_convene(
                    actor=request.user,
                    contract_id=contract.pk,
                    organisation_id=int(request.POST.get("organisation_id") or 0),
                    starts_at=starts_at,
                    agenda=request.POST.get("agenda", "").splitlines(),
                    department_ids=[
                        int(i) for i in request.POST.getlist("department_ids") if i.isdigit()
                    ],
                    place_text=request.POST.get("place_text", ""),
                )
                return redirect(reverse("meetings:meeting", args=[meeting.pk]))
            except DomainError as exc:
                _fail(request, exc)
    return render(
        request,
        "property/joint.html",
        {"contract": contract, "orgs": orgs, "departments": departments},
    )


# ------------------------------------------------------------------ the satisfaction survey


def _survey_post(request: ActorRequest) -> bool:
    """Record the posted answer; True when it was taken."""
    try:
        survey.answer(
            actor=request.user,
            answer_id=request.POST.get("answer_id"),
            level=request.POST.get("level"),
            comment=request.POST.get("comment", ""),
        )
    except DomainError as exc:
        _fail(request, exc)
        return False
    messages.success(request, _("感谢您的评价！"))
    return True


@personal_page
def survey_page(request: ActorRequest) -> HttpResponse:
    """The resident's satisfaction survey, on a phone: this month's question when their
    household is in the estate's sample."""
    if request.method == "POST":
        _survey_post(request)
        return redirect(reverse("property:survey"))
    rows = survey.open_for(request.user)
    return render(
        request,
        "property/survey.html",
        {"rows": rows, "levels": SurveyLevel.choices, "month": services.month_of(clock.today())},
    )


@personal_page
def estate_survey(request: ActorRequest, estate_id: int) -> HttpResponse:
    """The estate's sample this month: which households answered; a panelist records an
    answer at the door. The estate's panelists and the staff over it."""
    place = Place.objects.filter(pk=estate_id, kind="estate").first()
    if place is None:
        raise NotFound(_("找不到该小区"))
    panelist = policies.is_panelist(request.user, place.pk)
    contract = selectors.contract_on(place.pk, clock.today())
    if contract is None or not (panelist or scope_for(request.user).covers_path(place.path)):
        raise NotFound(_("找不到该小区，或您不是该小区本期评议小组成员"))
    if request.method == "POST":
        if not panelist:
            raise Forbidden(_("只有本小区评议小组成员可以代录入户评价"))
        _survey_post(request)
        return redirect(reverse("property:estate_survey", args=[place.pk]))
    sample = survey.draw(contract, clock.today())
    answers = (
        SurveyAnswer.objects.visible_to(request.user)
        .filter(sample=sample)
        .select_related("household__dwelling")
    )
    return render(
        request,
        "property/estate_survey.html",
        {
            "estate": place,
            "contract": contract,
            "sample": sample,
            "answers": answers,
            "answered": sum(1 for a in answers if a.level is not None),
            "panelist": panelist,
            "levels": SurveyLevel.choices,
        },
    )


# ------------------------------------------------- contracts, panels, credit entries, orders


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value or ""))
    except ValueError:
        return None


@personal_page
def contracts(request: ActorRequest) -> HttpResponse:
    """The contracts the user sees, in force and ended; managers add and end them."""
    today = clock.today()
    rows = (
        ServiceContract.objects.visible_to(request.user)
        .select_related("company", "estate", "project_manager")
        .order_by("estate_path", "-starts_on")
    )
    show = request.GET.get("show", "current")
    if show != "all":
        rows = rows.filter(ends_on__gte=today)
    return render(
        request,
        "property/contracts.html",
        {
            "rows": rows[:300],
            "today": today,
            "show": show,
            "manager": bool(scope_for(request.user).manager_paths),
            "manages": {c.pk for c in rows[:300] if policies.manages(request.user, c)},
        },
    )


@personal_page
def contract_new(request: ActorRequest) -> HttpResponse:
    """A manager records a company's contract at an estate of their community or street."""
    paths = scope_for(request.user).manager_paths
    if not paths:
        raise Forbidden(_("只有社区或街道工作人员可以管理物业服务合同"))
    estates = [
        p
        for p in Place.objects.visible_to(request.user).filter(kind="estate").order_by("path")
        if any(p.path.startswith(m) for m in paths)
    ][:300]
    companies = Organisation.objects.filter(kind="property_company", is_active=True)[:100]
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        starts_on, ends_on = _date(values.get("starts_on")), _date(values.get("ends_on"))
        if starts_on is None or ends_on is None:
            messages.error(request, _("请填写合同起止日期"))
        else:
            try:
                contract = services.contract_create(
                    actor=request.user,
                    company_id=int(values.get("company_id") or 0),
                    estate_id=int(values.get("estate_id") or 0),
                    starts_on=starts_on,
                    ends_on=ends_on,
                    fee_standard=values.get("fee_standard", ""),
                    note=values.get("note", ""),
                )
            except DomainError as exc:
                _fail(request, exc)
            else:
                messages.success(request, _("合同已登记"))
                return redirect(reverse("property:estate", args=[contract.estate_id]))
    return render(
        request,
        "property/contract_new.html",
        {"estates": estates, "companies": companies, "values": values},
    )


@personal_page
def contract_end(request: ActorRequest, contract_id: int) -> HttpResponse:
    """End a contract early, with the reason."""
    contract = access(
        ServiceContract.objects.visible_to(request.user).select_related("estate", "company"),
        contract_id,
    )
    policies.require_manager(request.user, contract)
    if request.method == "POST":
        ends_on = _date(request.POST.get("ends_on"))
        if ends_on is None:
            messages.error(request, _("请填写终止日期"))
        else:
            try:
                services.contract_end(
                    actor=request.user,
                    contract_id=contract.pk,
                    ends_on=ends_on,
                    reason=request.POST.get("reason", ""),
                )
            except DomainError as exc:
                _fail(request, exc)
            else:
                messages.success(request, _("合同已终止"))
                return redirect(reverse("property:contracts") + "?show=all")
    return render(
        request, "property/contract_end.html", {"contract": contract, "today": clock.today()}
    )


@personal_page
def panel(request: ActorRequest, estate_id: int) -> HttpResponse:
    """The estate's evaluation panel, term by term; a manager appoints the next term (the
    rotation rule is the service's: residents of the estate, 3–9, nobody two terms running)."""
    place = access(Place.objects.visible_to(request.user).filter(kind="estate"), estate_id)
    if not scope_for(request.user).covers_path(place.path):
        raise NotFound(_("找不到该小区"))
    manages = policies.manages_path(request.user, place.path)
    today = clock.today()
    if request.method == "POST":
        if not manages:
            raise Forbidden(_("只有社区或街道工作人员可以确定评议小组"))
        start = selectors.month_param(request.POST.get("term_start"), services.month_of(today))
        try:
            services.panel_rotate(
                actor=request.user,
                estate_id=place.pk,
                person_ids=[int(i) for i in request.POST.getlist("person_ids") if i.isdigit()],
                term_start=start,
            )
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("评议小组已确定"))
            return redirect(reverse("property:panel", args=[place.pk]))
    from tongxin.people.models import Person

    terms: dict[tuple[dt.date, dt.date], list[Any]] = {}
    for m in selectors.panel_history(place.pk):
        terms.setdefault((m.term_start, m.term_end), []).append(m)
    current = selectors.panel_at(place.pk, today)
    last_end = max((end for (_start, end) in terms), default=None)
    next_start = (
        services.add_months(services.month_of(last_end), 1)
        if last_end and last_end >= today
        else services.month_of(today)
    )
    served = {m.person_id for m in current}
    residents = (
        Person.objects.visible_to(request.user)
        .filter(place_path__startswith=place.path)
        .order_by("name")[:200]
        if manages
        else []
    )
    return render(
        request,
        "property/panel.html",
        {
            "estate": place,
            "terms": sorted(terms.items(), reverse=True),
            "manages": manages,
            "next_start": next_start,
            "residents": residents,
            "served": served,
            "today": today,
        },
    )


@personal_page
def credit_new(request: ActorRequest, contract_id: int) -> HttpResponse:
    """A manager enters a credit record the system cannot see (a lost lawsuit, the street's
    inspection, unpublished fees, a blacklisting act), naming its evidence; the company then
    has its response window."""
    contract = access(
        ServiceContract.objects.visible_to(request.user).select_related("estate", "company"),
        contract_id,
    )
    policies.require_manager(request.user, contract)
    rules = CreditRule.objects.filter(is_active=True, source__in=credit.MANUAL_SOURCES)
    if request.method == "POST":
        occurred_on = _date(request.POST.get("occurred_on"))
        if occurred_on is None:
            messages.error(request, _("请填写发生日期"))
        else:
            try:
                credit.credit_raise(
                    actor=request.user,
                    contract_id=contract.pk,
                    rule_code=request.POST.get("rule", ""),
                    evidence_text=request.POST.get("evidence_text", ""),
                    occurred_on=occurred_on,
                )
            except DomainError as exc:
                _fail(request, exc)
            else:
                messages.success(request, _("信用记录已登记，等待企业申辩"))
                return redirect(reverse("property:company", args=[contract.company_id]))
    return render(
        request,
        "property/credit_new.html",
        {"contract": contract, "rules": rules, "today": clock.today()},
    )


@personal_page
def rectifications(request: ActorRequest) -> HttpResponse:
    """The rectification orders the user sees (staff over the estates, the company's own
    people), open ones first; filter by state."""
    rows = Rectification.objects.visible_to(request.user).select_related(
        "contract__estate", "contract__company", "item"
    )
    state = request.GET.get("state", "")
    if state in RectState.values:
        rows = rows.filter(state=state)
    return render(
        request,
        "property/rectifications.html",
        {
            "rows": rows[:300],
            "state": state,
            "states": RectState.choices,
            "today": clock.today(),
        },
    )


@personal_page
def report_xlsx(request: ActorRequest) -> HttpResponse:
    """The monthly report as an Excel workbook (what the report page shows the user)."""
    from . import printing

    month = selectors.month_param(request.GET.get("month"), _last_month())
    response = HttpResponse(
        printing.xlsx_bytes(actor=request.user, month=month),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="property-{month:%Y-%m}.xlsx"'
    return response


@personal_page
def report_pdf(request: ActorRequest) -> HttpResponse:
    """The monthly report printed (PDF)."""
    from . import printing

    month = selectors.month_param(request.GET.get("month"), _last_month())
    response = HttpResponse(
        printing.pdf_bytes(actor=request.user, month=month), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="property-{month:%Y-%m}.pdf"'
    return response
