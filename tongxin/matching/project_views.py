"""Pages of 项目清单, phone first: the community's project board (state and overdue filters,
progress, money bars), a project's page (milestones, the ledger of its money, the needs it
took in as far as the viewer may see them, the close-off record) with the forms of the acts
for the community's managers, the form to set up a project, and the list as CSV.

Thin views: parse, authorise (``personal_page``: ``NotFound`` → 404, ``Forbidden`` → 403), call
a service, redirect with a message; a refusal the user can act on (409, 422) is a message on
the page they came from.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tongxin.core import audit, clock
from tongxin.core.actors import ActorRequest
from tongxin.core.csvsafe import safe_cell
from tongxin.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from tongxin.core.scoping import access
from tongxin.orgs.models import Organisation
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate
from tongxin.volunteering.policies import managed_communities

from . import project_selectors as ps
from . import services
from .models import MoneyKind, Need, NeedState, Outcome, ProjectState
from .services.projects import fen_from_yuan, require_project_manager, yuan
from .views import _attempt, _int_or_none
from .workflow import ProjectAct


def _yuan_cell(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _shown(card: dict[str, Any]) -> dict[str, Any]:
    """The card with its sums as 元 text, for the page (the API answers fen)."""
    for key in ("budget", "raised", "spent", "balance"):
        card[f"{key}_yuan"] = yuan(card[key])
    total, done = card["milestones_total"] or 0, card["milestones_done"] or 0
    card["progress_pct"] = round(done * 100 / total) if total else 0
    for row in card.get("money") or ():
        row["amount_yuan"] = yuan(row["amount"])
    return card


@personal_page
def projects(request: ActorRequest) -> HttpResponse:
    """The projects the caller may see; ``state`` and ``overdue`` (a milestone past its date
    and not done) filter the board."""
    state = request.GET.get("state", "")
    if state not in ProjectState.values:
        state = ""
    overdue = request.GET.get("overdue") == "1"
    qs = ps.projects_for(request.user, state=state or None)
    if overdue:
        qs = qs.filter(Q(m_overdue__gt=0))
    page = paginate(request, qs)
    cards = [_shown(ps.project_out(p, request.user)) for p in page.object_list]
    return render(
        request,
        "matching/projects.html",
        {
            "page": page,
            "cards": cards,
            "states": ProjectState.choices,
            "state": state,
            "overdue": overdue,
            "tab": "projects",
            "manages": managed_communities(request.user).exists(),
        },
    )


@personal_page
def projects_export(request: ActorRequest) -> HttpResponse:
    """The community's project list as CSV (opens in Excel), for its managers: each project,
    its owners, budget, money in and out (元), milestones and how it closed. No residents'
    data: the needs are counted, not named."""
    community = managed_communities(request.user).order_by("path").first()
    if community is None:
        raise Forbidden(_("只有社区工作人员可以导出"))
    qs = ps.projects_for(request.user, community=community.pk)
    rows = [
        [
            p.pk,
            p.title,
            "、".join(o.name for o in p.owners.all()),
            p.get_state_display(),
            _yuan_cell(p.budget),
            _yuan_cell(p.raised),
            _yuan_cell(p.spent),
            _yuan_cell(p.balance),
            p.starts_on.isoformat() if p.starts_on else "",
            p.ends_on.isoformat() if p.ends_on else "",
            f"{getattr(p, 'm_done', 0)}/{getattr(p, 'm_total', 0)}",
            getattr(p, "m_overdue", 0) or "",
            getattr(p, "n_needs", 0),
            p.get_outcome_display() if p.outcome else "",
            p.beneficiaries if p.beneficiaries is not None else "",
            clock.local(p.closed_at).strftime("%Y-%m-%d") if p.closed_at else "",
            p.summary,
        ]
        for p in qs
    ]
    audit.record(
        actor=request.user, action="project_export", obj=community, detail={"rows": len(rows)}
    )
    buf = io.StringIO()
    buf.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly
    writer = csv.writer(buf)
    writer.writerow(
        [
            _("编号"),
            _("项目名称"),
            _("牵头单位"),
            _("状态"),
            _("预算(元)"),
            _("已筹(元)"),
            _("已支(元)"),
            _("结余(元)"),
            _("开始日期"),
            _("计划完成日期"),
            _("节点完成"),
            _("逾期节点"),
            _("纳入需求数"),
            _("完成情况"),
            _("受益人数"),
            _("结项日期"),
            _("结项总结"),
        ]
    )
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    name = _("项目清单-{name}.csv").format(name=community.name)
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    return response


def _choices_for(user: Any, community: Any) -> tuple[list[Organisation], list[Need]]:
    owners = list(
        Organisation.objects.visible_to(user).filter(places=community).order_by("kind", "name")
    )
    needs = list(
        Need.objects.visible_to(user)
        .filter(
            community=community,
            state__in=(NeedState.VERIFIED, NeedState.LISTED, NeedState.EXPIRED),
        )
        .order_by("-priority", "-id")[:100]
    )
    return owners, needs


@personal_page
@require_http_methods(["GET", "POST"])
def project_new(request: ActorRequest) -> HttpResponse:
    """Set up a project from needs: for the community's managers."""
    community = managed_communities(request.user).order_by("path").first()
    if community is None:
        raise Forbidden(_("只有社区工作人员可以办理项目"))
    owners, needs = _choices_for(request.user, community)
    if request.method == "POST":
        post = request.POST
        try:
            project = services.project_create(
                actor=request.user,
                community=community,
                title=post.get("title", ""),
                description=post.get("description", ""),
                owners=[o for o in owners if str(o.pk) in post.getlist("owners")],
                budget=fen_from_yuan(post.get("budget") or "0", "budget"),
                starts_on=post.get("starts_on") or None,
                ends_on=post.get("ends_on") or None,
                needs=[n for n in needs if str(n.pk) in post.getlist("needs")],
            )
        except (NotFound, Forbidden):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("项目已立项，待批准"))
            return redirect("matching:project", project_id=project.pk)
    return render(
        request,
        "matching/project_new.html",
        {
            "community": community,
            "owners": owners,
            "needs": needs,
            "form": request.POST,
            "chosen_owners": request.POST.getlist("owners"),
            "chosen_needs": request.POST.getlist("needs"),
            "tab": "projects",
        },
    )


@personal_page
def project(request: ActorRequest, project_id: int) -> HttpResponse:
    p = ps.access_project(request.user, project_id)
    card = _shown(ps.project_out(p, request.user, detail=True))
    return render(
        request,
        "matching/project.html",
        {
            "p": p,
            "card": card,
            "acts": [(a, ProjectAct(a).label) for a in card["acts"]],
            "units": _choices_for(request.user, p.community)[0] if card["manager"] else [],
            "outcomes": Outcome.choices,
            "running": p.state == ProjectState.RUNNING,
            "may_raise": card["manager"]
            and p.state in (ProjectState.APPROVED, ProjectState.RUNNING),
            "may_milestone": card["manager"]
            and p.state in (ProjectState.PROPOSED, ProjectState.APPROVED, ProjectState.RUNNING),
            "may_complete": card["manager"]
            and p.state in (ProjectState.APPROVED, ProjectState.RUNNING),
            "today": clock.today(),
            "tab": "projects",
        },
    )


@personal_page
@require_POST
def project_act(request: ActorRequest, project_id: int, project_act: str) -> HttpResponse:
    post = request.POST
    data: dict[str, Any] = {
        key: post[key]
        for key in ("summary", "outcome", "waiver", "reason")
        if post.get(key) not in (None, "")
    }
    if post.get("beneficiaries") not in (None, ""):
        data["beneficiaries"] = _int_or_none(post.get("beneficiaries"))
    _attempt(
        request,
        lambda: services.project_act(
            actor=request.user, project_id=project_id, act=project_act, data=data
        ),
        _("已办理"),
    )
    return redirect("matching:project", project_id=project_id)


@personal_page
@require_POST
def milestone_add(request: ActorRequest, project_id: int) -> HttpResponse:
    _attempt(
        request,
        lambda: services.milestone_add(
            actor=request.user,
            project_id=project_id,
            title=request.POST.get("title", ""),
            due_on=request.POST.get("due_on") or None,
        ),
        _("节点已添加"),
    )
    return redirect("matching:project", project_id=project_id)


@personal_page
@require_POST
def milestone_done(request: ActorRequest, project_id: int, milestone_id: int) -> HttpResponse:
    _attempt(
        request,
        lambda: services.milestone_complete(
            actor=request.user,
            project_id=project_id,
            milestone_id=milestone_id,
            evidence=request.POST.get("evidence", ""),
        ),
        _("节点已完成"),
    )
    return redirect("matching:project", project_id=project_id)


@personal_page
@require_POST
def project_money(request: ActorRequest, project_id: int) -> HttpResponse:
    """Record money in (``kind=raise``: a unit or a named contributor) or out (``spend``: the
    purpose and the receipt number); the sum in 元 with up to two decimals."""
    post = request.POST
    kind = post.get("kind", "")

    def record() -> Any:
        amount = fen_from_yuan(post.get("amount"), "amount")
        if kind == MoneyKind.RAISE:
            org = None
            if post.get("organisation"):
                org = access(Organisation.objects.visible_to(request.user), post["organisation"])
            return services.project_raise(
                actor=request.user,
                project_id=project_id,
                amount=amount,
                contributor=post.get("contributor", ""),
                organisation=org,
                note=post.get("note", ""),
            )
        if kind == MoneyKind.SPEND:
            return services.project_spend(
                actor=request.user,
                project_id=project_id,
                amount=amount,
                purpose=post.get("purpose", ""),
                receipt_no=post.get("receipt_no", ""),
            )
        raise ValidationFailed(
            _("请选择筹资或支出"), fields=[{"field": "kind", "reason": _("必填")}]
        )

    # In sight (404) and the caller's to book (403) before anything is parsed.
    p = ps.access_project(request.user, project_id)
    require_project_manager(request.user, p.community)
    _attempt(request, record, _("已记账"))
    return redirect("matching:project", project_id=project_id)
