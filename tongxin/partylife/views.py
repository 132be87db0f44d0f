"""Pages of party life: the branch secretary's board and the phone form that records a
meeting with its attendance, the superior's review, a member's own page, study (微学习),
the appraisal (民主评议), the scorecards with their evidence, the printable card and the
export. Thin: parse, authorise, call, render."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.core import audit, clock, csvsafe
from tongxin.core.actors import ActorRequest, person_of
from tongxin.core.errors import DomainError, Forbidden, NotFound
from tongxin.core.scoping import access
from tongxin.meetings.models import Meeting
from tongxin.orgs.models import Organisation
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate

from . import centres, printing, services
from .models import (
    Appraisal,
    AppraisalGrade,
    CardKind,
    CardState,
    PartyCard,
    StudyMaterial,
)
from .policies import is_superior_of, oversees
from .selectors import board as board_selectors
from .selectors import life, study
from .selectors import scorecards as registry


def _year(request: ActorRequest) -> int:
    today = clock.today()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year + 1 else today.year


def _officer_org(request: ActorRequest, organisation_id: int) -> Organisation:
    org = access(Organisation.objects.visible_to(request.user), organisation_id)
    if not oversees(request.user, org):
        raise NotFound()
    return org


@personal_page
def home(request: ActorRequest) -> HttpResponse:
    """An officer goes to the board of their (highest) party organisation; a member to
    their own page."""
    orgs = board_selectors.my_party_orgs(request.user)
    if orgs:
        return redirect("partylife:board", orgs[0].pk)
    return redirect("partylife:me")


@personal_page
def board(request: ActorRequest, organisation_id: int) -> HttpResponse:
    """The branch secretary's board: this year's cadence kind by kind, the meetings with
    their attendance and review, what is due; the branches under a committee."""
    org = _officer_org(request, organisation_id)
    year = _year(request)
    return render(
        request,
        "partylife/board.html",
        {
            "org": org,
            "year": year,
            "lives": life.life_of(org, year),
            "rows": paginate(request, board_selectors.meeting_rows(org, year)),
            "children": board_selectors.child_lives(org, year),
            "study": board_selectors.study_rows(org, year),
            "may_record": True,
            "superior": is_superior_of(request.user, org.path),
        },
    )


@personal_page
def record(request: ActorRequest, organisation_id: int) -> HttpResponse:
    """The phone form: a meeting that took place, its kind, topic, presenter and recorder,
    and every member present, or absent with the reason."""
    org = _officer_org(request, organisation_id)
    members = services.members_of(org)
    kinds = board_selectors.kinds_for(org)
    form: dict[str, Any] = {
        "kind": request.GET.get("kind") or "theme_day",
        "when": clock.now().strftime("%Y-%m-%dT%H:%M"),
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.POST.dict()
        present, absent = [], {}
        for m in members:
            state = request.POST.get(f"a{m.person_id}", "present")
            if state == "present":
                present.append(m.person_id)
            else:
                absent[m.person_id] = request.POST.get(f"r{m.person_id}", "").strip()
        try:
            when = dt.datetime.fromisoformat(request.POST.get("when", ""))
        except ValueError:
            errors["when"] = _("请填写召开时间")
            when = None
        if when is not None:
            try:
                rec = services.life_record(
                    actor=request.user,
                    organisation=org,
                    kind=request.POST.get("kind", ""),
                    starts_at=when,
                    topic=request.POST.get("topic", ""),
                    present=present,
                    absent=absent,
                    presenter_id=_int(request.POST.get("presenter")),
                    recorder_id=_int(request.POST.get("recorder")),
                    minutes=request.POST.get("minutes", ""),
                    place_text=request.POST.get("place", ""),
                    material_ids=[int(v) for v in request.POST.getlist("materials") if v.isdigit()],
                )
            except DomainError as exc:
                if isinstance(exc, NotFound | Forbidden):
                    raise
                errors = {f["field"]: f["reason"] for f in exc.fields} or {"": exc.message}
            else:
                messages.success(request, _("已登记：{t}").format(t=rec.topic))
                return redirect("partylife:board", org.pk)
    return render(
        request,
        "partylife/record.html",
        {
            "org": org,
            "members": members,
            "kinds": kinds,
            "form": form,
            "errors": errors,
            "materials": [r.material for r in board_selectors.study_rows(org, clock.today().year)],
        },
        status=422 if errors else 200,
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@personal_page
@require_POST
def review(request: ActorRequest, meeting_id: int) -> HttpResponse:
    """The superior organisation accepts a record or returns it for correction."""
    meeting = access(Meeting.objects.visible_to(request.user), meeting_id)
    try:
        services.life_review(
            actor=request.user,
            meeting_id=meeting.pk,
            accept=request.POST.get("accept") == "1",
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("审核意见已记录"))
    except DomainError as exc:
        if isinstance(exc, NotFound | Forbidden):
            raise
        messages.error(request, exc.message)
    return redirect("partylife:board", meeting.organisation_id)


@personal_page
def me(request: ActorRequest) -> HttpResponse:
    """A member's own page: organisational life, study, volunteering, 双报到 service,
    pledges, centre-household duty, and their card."""
    person = person_of(request.user)
    year = _year(request)
    body = None
    if person is not None:
        try:
            body = registry.provider(CardKind.MEMBER).get(request.user, person.pk, year)
        except NotFound:
            body = None
    return render(
        request,
        "partylife/me.html",
        {
            "year": year,
            "card": body,
            "materials": study.materials_for(request.user, person),
            "person": person,
            "linked_by": centres.my_centres(person.pk) if person else [],
            "duty": centres.my_duty(person.pk) if person else [],
        },
    )


# ------------------------------------------------------------------------ 微学习


@personal_page
def study_page(request: ActorRequest, material_id: int) -> HttpResponse:
    """A study material; the page reports the reader's time on it (the server counts it)."""
    material = study.material_for(request.user, material_id)
    person = person_of(request.user)
    read = services.study_open(actor=request.user, material=material) if person else None
    return render(
        request,
        "partylife/study.html",
        {"material": material, "read": read, "readers": study.readers(request.user, material)},
    )


@personal_page
@require_POST
def study_ping(request: ActorRequest, material_id: int) -> HttpResponse:
    material = study.material_for(request.user, material_id)
    read = services.study_ping(actor=request.user, material=material)
    return JsonResponse({"seconds": read.seconds, "studied": read.studied_at is not None})


# ------------------------------------------------------------------------ 民主评议


@personal_page
def appraisal(request: ActorRequest, appraisal_id: int) -> HttpResponse:
    a = study.appraisal_for(request.user, appraisal_id)
    if request.method == "POST":
        try:
            act = request.POST.get("act")
            if act == "self":
                services.appraisal_self(
                    actor=request.user, appraisal=a, text=request.POST.get("text", "")
                )
            elif act == "vote":
                votes = {
                    int(k[1:]): str(v)
                    for k, v in request.POST.items()
                    if k.startswith("v") and k[1:].isdigit()
                }
                services.appraisal_vote(actor=request.user, appraisal=a, votes=votes)
            elif act == "grade":
                grades = {
                    int(k[1:]): str(v)
                    for k, v in request.POST.items()
                    if k.startswith("g") and k[1:].isdigit()
                }
                services.appraisal_grade(actor=request.user, appraisal=a, grades=grades)
            messages.success(request, _("已提交"))
        except DomainError as exc:
            if isinstance(exc, NotFound | Forbidden):
                raise
            messages.error(request, exc.message)
        return redirect("partylife:appraisal", a.pk)
    return render(
        request,
        "partylife/appraisal.html",
        {
            **study.appraisal_context(request.user, a),
            "grades": AppraisalGrade.choices,
        },
    )


# ------------------------------------------------------------------------ scorecards


@personal_page
def cards(request: ActorRequest) -> HttpResponse:
    """The scorecards of a kind for a year, best first, each opening its evidence; the
    committee computes, publishes and finalises them."""
    kind = request.GET.get("kind") or CardKind.BRANCH
    try:
        p = registry.provider(kind)
    except DomainError:
        raise NotFound() from None
    year = _year(request)
    bodies, _n = p.list(request.user, year, _int(request.GET.get("page")) or 1)
    # An in-service member whose employer is in no alliance has no total: listed last.
    bodies.sort(key=lambda b: (b["total"] is None, -float(b["total"] or 0), b["subject"]))
    states = dict(CardState.choices)
    for b in bodies:
        b["state_label"] = states.get(b["state"], b["state"])
    orgs = board_selectors.my_party_orgs(request.user)
    return render(
        request,
        "partylife/cards.html",
        {
            "kind": p,
            "kinds": list(registry.REGISTRY.values()),
            "year": year,
            "rows": bodies,
            "orgs": orgs,
            # history by year: the year before last, last year, this year
            "years": [clock.today().year - n for n in (2, 1, 0)],
        },
    )


@personal_page
def card(request: ActorRequest, card_id: str) -> HttpResponse:
    try:
        p, subject, year = registry.parse_id(card_id)
    except DomainError:
        raise NotFound() from None
    body = p.get(request.user, subject, year)
    stored = (
        PartyCard.objects.visible_to(request.user).filter(pk=body.get("card_pk")).first()
        if body.get("card_pk")
        else None
    )
    return render(
        request,
        "partylife/card.html",
        {
            "card": body,
            "stored": stored,
            "objections": list(stored.objections.all()) if stored else [],
            "may_object": bool(stored and stored.state == "published"),
        },
    )


@personal_page
@require_POST
def card_object(request: ActorRequest, card_pk: int) -> HttpResponse:
    stored = access(PartyCard.objects.visible_to(request.user), card_pk)
    try:
        services.objection_raise(
            actor=request.user, card=stored, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("异议已提交"))
    except DomainError as exc:
        if isinstance(exc, NotFound | Forbidden):
            raise
        messages.error(request, exc.message)
    subject = stored.person_id or stored.organisation_id
    return redirect("partylife:card", f"{stored.kind}-{subject}-{stored.year}")


@personal_page
def card_pdf(request: ActorRequest, card_id: str) -> HttpResponse:
    """The printable scorecard (PDF through ``core.pdf``)."""
    try:
        p, subject, year = registry.parse_id(card_id)
    except DomainError:
        raise NotFound() from None
    body = p.get(request.user, subject, year)
    audit.record(actor=request.user, action="partycard.print", detail={"card": card_id})
    response = HttpResponse(printing.card_pdf(body), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="scorecard-{card_id}.pdf"'
    return response


@personal_page
def cards_export(request: ActorRequest) -> HttpResponse:
    """The year's cards of a kind as an Excel workbook (``core.csvsafe``: no cell runs as
    a formula), every item's points a column, for officers."""
    if not board_selectors.my_party_orgs(request.user):
        raise Forbidden(_("只有党组织负责人可以导出"))
    kind = request.GET.get("kind") or CardKind.BRANCH
    try:
        p = registry.provider(kind)
    except DomainError:
        raise NotFound() from None
    year = _year(request)
    bodies: list[dict[str, Any]] = []
    page = 1
    while True:
        chunk, total = p.list(request.user, year, page)
        bodies.extend(chunk)
        if not chunk or len(bodies) >= total:
            break
        page += 1
    rules: dict[str, str] = {}
    for b in bodies:
        for i in b["items"]:
            rules.setdefault(i["rule"], i["label"])
    states = dict(CardState.choices)
    rows = []
    for b in bodies:
        points = {i["rule"]: i["points"] for i in b["items"]}
        rows.append(
            [
                b["subject"],
                year,
                Decimal(str(b["total"])) if b["total"] is not None else None,
                b["stars"] or b["grade"],
                states.get(b["state"], b["state"]),
                *[Decimal(str(points[r])) if r in points else None for r in rules],
            ]
        )
    header = [_("对象"), _("年度"), _("总分"), _("星级/等次"), _("状态"), *rules.values()]
    audit.record(
        actor=request.user,
        action="partycard.export",
        detail={"kind": kind, "year": year, "rows": len(rows)},
    )
    response = HttpResponse(
        csvsafe.to_xlsx([(str(year), header, rows)]),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="scorecards-{kind}-{year}.xlsx"'
    return response


@personal_page
@require_POST
def cards_act(request: ActorRequest, organisation_id: int, card_act: str) -> HttpResponse:
    org = _officer_org(request, organisation_id)
    year = _year(request)
    acts = {
        "compute": services.cards_compute,
        "publish": services.cards_publish,
        "finalize": services.cards_finalize,
    }
    if card_act not in acts:
        raise NotFound()
    try:
        acts[card_act](actor=request.user, organisation=org, year=year)
        messages.success(request, _("成绩单已更新"))
    except DomainError as exc:
        if isinstance(exc, NotFound | Forbidden):
            raise
        messages.error(request, exc.message)
    return redirect(f"{reverse('partylife:cards')}?year={year}")


__all__ = ["Appraisal", "StudyMaterial"]
