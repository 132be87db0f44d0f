"""Pages of 业委会 elections, phone-first: the estate's residents see the elections of their
estate, the published candidates (names and statements — a candidacy is public) with their owners'
votes, and nominate themselves while nominations are open; the managers also see every
nomination with its negative-list checks and move the election on (publish, open the votes,
decide), and record, rule by rule, what the inspection records say of each nominee (the
findings: 符合 or 不符合 with its basis; the API has the same,
``/api/v1/elections/{id}/candidates/{cid}/findings``)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.core import clock
from tongxin.core.actors import ActorRequest
from tongxin.core.errors import Code, DomainError, ValidationFailed
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate

from . import policies, selectors, services
from .models import ElectionState
from .views import _number, _refusal

ACTS = ("publish", "open", "decide")


@personal_page
def elections(request: ActorRequest) -> HttpResponse:
    page = paginate(request, selectors.elections_for(request.user))
    return render(request, "deliberation/elections.html", {"page_obj": page})


@personal_page
def election(request: ActorRequest, election_id: int) -> HttpResponse:
    user = request.user
    e = selectors.election_for(user, election_id)
    manager = policies.manages_path(user, e.place_path)
    person_id = getattr(user, "person_id", None)
    candidates = selectors.candidates_of(user, e)
    nominated = bool(person_id and selectors.has_nominated(e, int(person_id)))
    rules = {r["code"]: r.get("label", r["code"]) for r in e.rules}
    finding_rules = {r["code"] for r in e.rules if r.get("check") == "finding"}
    # For managers, each rule of the list: passed, failed or still to be checked (None).
    rows = [
        (
            c,
            [
                (code, label, c.checks.get(code), code in finding_rules)
                for code, label in rules.items()
            ]
            if manager
            else [],
        )
        for c in candidates
    ]
    return render(
        request,
        "deliberation/election.html",
        {
            "election": e,
            "manager": manager,
            "candidates": rows,
            "rules": rules,
            "may_nominate": e.state == ElectionState.NOMINATING
            and bool(person_id)
            and not nominated,
            "nominated": nominated,
        },
    )


@personal_page
@require_POST
def nominate(request: ActorRequest, election_id: int) -> HttpResponse:
    """Nominate oneself, with a statement; the registry's checks run at once."""
    user = request.user
    e = selectors.election_for(user, election_id)
    try:
        services.candidate_nominate(
            actor=user, election=e, statement=request.POST.get("statement", "")
        )
    except DomainError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, _("已提名，等待资格审查"))
    return redirect("deliberation:election", e.pk)


@personal_page
@require_POST
def election_act(request: ActorRequest, election_id: int, act: str) -> HttpResponse:
    user = request.user
    e = selectors.election_for(user, election_id)
    policies.require_manager_of(user, e.place_path)
    try:
        if act == "publish":
            services.election_publish(actor=user, election=e)
        elif act == "open":
            days = _number(request.POST.get("days"))
            if not 1 <= days <= 60:
                reason = _("投票天数应为1至60天")
                raise ValidationFailed(reason, fields=[{"field": "days", "reason": reason}])
            services.election_open(
                actor=user, election=e, closes_at=clock.now() + dt.timedelta(days=days)
            )
        elif act == "decide":
            services.election_decide(actor=user, election=e)
        else:
            raise DomainError(_("未知的操作：{act}").format(act=act), code=Code.UNKNOWN_ACTION)
    except DomainError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, _("已保存"))
    return redirect("deliberation:election", e.pk)


@personal_page
@require_POST
def finding(request: ActorRequest, election_id: int, candidate_id: int) -> HttpResponse:
    """A manager records one rule's finding for one nominee (不符合 needs its basis)."""
    user = request.user
    e = selectors.election_for(user, election_id)
    policies.require_manager_of(user, e.place_path)
    candidate = selectors.candidate_for(user, e, candidate_id)
    verdict = request.POST.get("verdict", "")
    try:
        if verdict not in ("pass", "fail"):
            reason = _("请选择符合或不符合")
            raise ValidationFailed(reason, fields=[{"field": "verdict", "reason": reason}])
        services.candidate_finding(
            actor=user,
            candidate=candidate,
            rule=request.POST.get("rule", ""),
            failed=verdict == "fail",
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, _("审查结果已记录"))
    return redirect("deliberation:election", e.pk)
