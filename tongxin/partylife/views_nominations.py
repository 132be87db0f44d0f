"""Pages of 评先评优 (phone-first): the lists a user may see, the nominating organisation's
page (the candidates of each title ranked by their cards, the reasons that bar some, the
list being drafted and its submission), a list's page (the superior's approval or return,
the publicity window with objections and answers, the final list) and the printable
publicity notice (公示, PDF through ``core.pdf``). Thin: parse, authorise, call, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from tongxin.core import audit, pdf
from tongxin.core.actors import ActorRequest
from tongxin.core.errors import DomainError, NotFound
from tongxin.core.scoping import access
from tongxin.ui.decorators import personal_page

from . import nominations
from .models import (
    PUBLIC_NOMINATION_STATES,
    HonourTitle,
    NominationList,
    NominationState,
    Occasion,
)
from .printing import STYLESHEET
from .selectors import board as board_selectors
from .selectors import nominations as sel
from .views import _int, _officer_org, _year
from .views_more import _soft


@personal_page
def index(request: ActorRequest) -> HttpResponse:
    """The lists the user may see this year (a member: the published ones), and for an
    officer the organisations they nominate for."""
    year = _year(request)
    orgs = [(o, sel.quotas_of(o)) for o in board_selectors.my_party_orgs(request.user)]
    return render(
        request,
        "partylife/nominations.html",
        {
            "year": year,
            "lists": list(sel.visible_lists(request.user, year)),
            "orgs": [(o, q) for o, q in orgs if q],
            "occasions": Occasion.choices,
        },
    )


def _occasion(request: ActorRequest) -> str:
    got = request.GET.get("occasion") or request.POST.get("occasion") or Occasion.YEAR_END
    return got if got in Occasion.values else Occasion.YEAR_END


@personal_page
def organisation(request: ActorRequest, organisation_id: int) -> HttpResponse:
    """The nominating organisation's page: for each title it has a quota of, the candidates
    best card first (each linking to its card; the barred with their reasons), the list and
    its submission."""
    org = _officer_org(request, organisation_id)
    year, occasion = _year(request), _occasion(request)
    existing = (
        NominationList.objects.visible_to(request.user)
        .filter(organisation=org, year=year, occasion=occasion)
        .first()
    )
    if request.method == "POST":
        act = request.POST.get("act", "")
        try:
            if act == "nominate":
                nominations.nominate(
                    actor=request.user,
                    organisation=org,
                    year=year,
                    occasion=occasion,
                    title=request.POST.get("title", ""),
                    subject_id=_int(request.POST.get("subject")) or 0,
                    deeds=request.POST.get("deeds", ""),
                )
                messages.success(request, _("已加入推荐名单"))
            elif act == "withdraw":
                nominations.withdraw(actor=request.user, nomination_id=request.POST.get("entry"))
                messages.success(request, _("已撤回推荐"))
            elif act == "submit" and existing is not None:
                nominations.submit(actor=request.user, list_id=existing.pk)
                messages.success(request, _("名单已报上级党组织审批"))
        except DomainError as exc:
            _soft(request, exc)
        return redirect(f"{request.path}?year={year}&occasion={occasion}")
    quotas = sel.quotas_of(org)
    titles: list[dict[str, Any]] = []
    for title, quota in quotas.items():
        titles.append(
            {
                "code": title,
                "label": HonourTitle(title).label,
                "quota": quota,
                "candidates": sel.candidates(org, year, title),
            }
        )
    return render(
        request,
        "partylife/nomination_org.html",
        {
            "org": org,
            "year": year,
            "occasion": occasion,
            "occasions": Occasion.choices,
            "titles": titles,
            "list": existing,
            "entries": sel.entries(existing) if existing else [],
            "editable": existing is None or existing.state in nominations.EDITABLE,
        },
    )


@personal_page
def list_page(request: ActorRequest, list_id: int) -> HttpResponse:
    """A list: its nominees with their cards; the superior approves or returns it, answers
    objections and makes it final; anyone who sees a published list may object within the
    window."""
    nl = access(
        NominationList.objects.visible_to(request.user).select_related("organisation"), list_id
    )
    if request.method == "POST":
        act = request.POST.get("act", "")
        try:
            if act in ("approve", "return"):
                nominations.review(
                    actor=request.user,
                    list_id=nl.pk,
                    approve=act == "approve",
                    note=request.POST.get("note", ""),
                )
                messages.success(request, _("审批已办理"))
            elif act == "finalize":
                nominations.finalize(actor=request.user, list_id=nl.pk)
                messages.success(request, _("名单已确定"))
            elif act == "object":
                nominations.object_to(
                    actor=request.user, list_id=nl.pk, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("异议已提交"))
            elif act == "answer":
                nominations.answer(
                    actor=request.user,
                    objection_id=request.POST.get("objection"),
                    text=request.POST.get("answer", ""),
                )
                messages.success(request, _("已答复"))
        except DomainError as exc:
            _soft(request, exc)
        return redirect("partylife:nomination_list", nl.pk)
    body = sel.list_body(nl, request.user)
    return render(
        request,
        "partylife/nomination_list.html",
        {
            "list": nl,
            "body": body,
            "entries": sel.entries(nl),
            "approver": sel.may_approve(request.user, nl.organisation),
            "is_open": nl.state == NominationState.PUBLISHED,
            "public": nl.state in PUBLIC_NOMINATION_STATES,
        },
    )


@personal_page
def notice_pdf(request: ActorRequest, list_id: int) -> HttpResponse:
    """The publicity notice (公示) of a published or final list, for the board."""
    nl = access(
        NominationList.objects.visible_to(request.user).select_related("organisation"), list_id
    )
    if nl.state not in PUBLIC_NOMINATION_STATES:
        raise NotFound()
    html = render_to_string(
        "partylife/nomination_print.html",
        {"list": nl, "entries": sel.entries(nl), "approver": nl.reviewed_by},
    )
    audit.record(actor=request.user, action="nomination.print", obj=nl)
    response = HttpResponse(
        pdf.render(html, stylesheets=[STYLESHEET]), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="nominations-{nl.pk}.pdf"'
    return response
