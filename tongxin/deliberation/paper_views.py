"""The council's paper side of a vote: printable ballot sheets (纸质选票, one per head, with its
units and area), entering the paper ballots returned (exactly once per head, like a ballot
online, with a receipt code to write on the voter's stub), and the public result as a CSV file
(units and areas, never a name). Managers of the vote's place only, except the CSV, which is
the public result page's and is seen by whoever sees that page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.core import clock, csvsafe
from tongxin.core.actors import ActorRequest
from tongxin.core.errors import DomainError
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate

from . import policies, selectors, services
from .models import Choice, VoteState
from .views import _number, _refusal


def _managed_vote(request: ActorRequest, vote_id: int) -> Any:
    vote = selectors.vote_for(request.user, vote_id)
    policies.require_manager_of(request.user, vote.place_path)
    return vote


def _electors(request: ActorRequest, vote: Any, *, pending: bool) -> tuple[Any, str]:
    q = request.GET.get("q", "").strip()[:40]
    qs = selectors.electors_of(vote)
    if pending:
        qs = qs.filter(voted=False)
    if q:
        qs = qs.filter(label__icontains=q)
    return qs, q


@personal_page
def paper(request: ActorRequest, vote_id: int) -> HttpResponse:
    """The heads that have not voted, each with a form to enter its returned paper ballot."""
    vote = _managed_vote(request, vote_id)
    qs, q = _electors(request, vote, pending=True)
    return render(
        request,
        "deliberation/vote_paper.html",
        {
            "vote": vote,
            "page_obj": paginate(request, qs),
            "q": q,
            "choices": Choice.choices,
            "open": vote.state == VoteState.OPEN and clock.now() < vote.closes_at,
            "entered": request.session.pop(f"vote-paper-{vote.pk}", None),
        },
    )


@personal_page
@require_POST
def paper_enter(request: ActorRequest, vote_id: int) -> HttpResponse:
    vote = _managed_vote(request, vote_id)
    try:
        r = services.paper_ballot_enter(
            actor=request.user,
            vote=vote,
            elector_id=_number(request.POST.get("elector_id")),
            choice=request.POST.get("choice", ""),
        )
    except DomainError as exc:
        _refusal(request, exc)
    else:
        # Shown once, to be written on the voter's stub; the server keeps only its hash.
        request.session[f"vote-paper-{vote.pk}"] = {"code": r.code, "units": r.units}
        messages.success(request, _("纸质选票已录入"))
    return redirect("deliberation:vote_paper", vote.pk)


@personal_page
def sheets(request: ActorRequest, vote_id: int) -> HttpResponse:
    """Printable ballot sheets: one per head (its units and area), the question, the rule,
    the closing time and three boxes; a page of them at a time (``q`` narrows by unit)."""
    vote = _managed_vote(request, vote_id)
    qs, q = _electors(request, vote, pending=False)
    return render(
        request,
        "deliberation/vote_sheets.html",
        {"vote": vote, "page_obj": paginate(request, qs), "q": q, "choices": Choice.choices},
    )


@personal_page
def result_csv(request: ActorRequest, vote_id: int) -> HttpResponse:
    """The public result as a CSV file: the totals, then each head's units and area, whether
    it took part and (a named vote only) its choice. Never a name."""
    vote = selectors.vote_for(request.user, vote_id)
    result = selectors.result_of(vote)
    area = vote.counts_area
    rows: list[list[Any]] = [
        [vote.title],
        [vote.get_rule_display(), result["reason"]],
        [_("项目"), _("人数")] + ([_("面积(㎡)")] if area else []),
    ]
    for label, key in (
        (_("应参与"), "eligible"),
        (_("参与"), "participating"),
        (_("同意"), "yes"),
        (_("反对"), "no"),
        (_("弃权"), "abstain"),
    ):
        rows.append([label, result[f"{key}_heads"]] + ([result[f"{key}_area"]] if area else []))
    rows.append([])
    header = [_("房号")] + ([_("面积(㎡)")] if area else []) + [_("参与")]
    rows.append(header + ([] if vote.secret else [_("意见")]))
    labels = dict(Choice.choices)
    for u in selectors.public_units(vote):
        row: list[Any] = ["、".join(x["unit"] for x in u["units"])]
        row += [u["area"]] if area else []
        row.append(_("是") if u["voted"] else _("否"))
        if not vote.secret:
            row.append(str(labels.get(u["choice"], "")) if u["choice"] else "")
        rows.append(row)
    response = HttpResponse(csvsafe.to_text(rows), content_type=csvsafe.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="vote-{vote.pk}-result.csv"'
    return response
