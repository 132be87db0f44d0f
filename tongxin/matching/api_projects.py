"""API of 项目清单 (``/api/v1/projects``), added to service matching's router. Thin: parse,
reach the objects through ``visible_to``, call a service, answer the project as the caller may
see it (``project_selectors.project_out``). Money is integer fen.

404 out of sight (another community's project; a proposal for a resident), 409
``TRANSITION_NOT_ALLOWED`` when the project's state does not allow the act, 403
``NOT_PROJECT_MANAGER`` for whoever does not manage the community, 409 ``PROJECT_FUNDS_SHORT``
for an expense beyond the balance, 409 ``MILESTONES_OPEN`` for a close with open milestones
and no ``waiver``, 422 for a bad field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from tongxin.core.api_support import PageMeta, Text, caller, paginate
from tongxin.core.errors import Forbidden, ValidationFailed
from tongxin.core.i18n import lazy_str
from tongxin.core.scoping import access
from tongxin.orgs.models import Organisation
from tongxin.volunteering.policies import managed_communities

from . import project_selectors as ps
from . import services
from .models import Need, ProjectState
from .schemas import NeedOut

router = Router(tags=["matching"])


class OwnerOut(Schema):
    id: int
    name: str


class MilestoneOut(Schema):
    id: int
    title: str
    due_on: dt.date
    done_at: dt.datetime | None
    evidence: str
    overdue: bool


class MoneyOut(Schema):
    id: int
    kind: str
    kind_label: Text
    amount: int
    contributor: str
    organisation: int | None
    purpose: str
    receipt_no: str
    transaction: int
    at: dt.datetime


class ProjectOut(Schema):
    """A project as the caller may see it. ``books``: whether the money movements and the
    needs are shown (the community's staff, its grid workers, the owner units' post holders);
    for a resident they are null and only ``needs_count`` says how many needs it took in."""

    id: int
    community: int
    community_name: str
    title: str
    description: str
    owners: list[OwnerOut]
    budget: int
    raised: int
    spent: int
    balance: int
    raised_pct: int
    spent_pct: int
    starts_on: dt.date | None
    ends_on: dt.date | None
    state: str
    state_label: Text
    milestones_total: int | None
    milestones_done: int | None
    milestones_overdue: int | None
    needs_count: int | None
    summary: str
    outcome: str | None
    outcome_label: Text | None
    beneficiaries: int | None
    waiver: str
    closed_at: dt.datetime | None
    cancel_reason: str
    books: bool
    manager: bool
    acts: list[str]
    milestones: list[MilestoneOut] | None
    money: list[MoneyOut] | None
    needs: list[NeedOut] | None


class ProjectPage(PageMeta):
    items: list[ProjectOut]


class ProjectIn(Schema):
    title: str
    owners: list[int] = []
    description: str = ""
    budget: int = 0
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    needs: list[int] = []
    community: int | None = None


class ProjectActIn(Schema):
    """``close``: ``summary``, ``outcome`` (achieved|partial|not_achieved), ``beneficiaries``,
    ``waiver`` (required while milestones are open); ``cancel``: ``reason``."""

    summary: str | None = None
    outcome: str | None = None
    beneficiaries: int | None = None
    waiver: str | None = None
    reason: str | None = None


class NeedsIn(Schema):
    needs: list[int] = []


class MilestoneIn(Schema):
    title: str = ""
    due_on: dt.date | None = None


class MilestoneDoneIn(Schema):
    evidence: str = ""


class FundsIn(Schema):
    amount: int = 0
    contributor: str = ""
    organisation: int | None = None
    note: str = ""


class FundsOutIn(Schema):
    amount: int = 0
    purpose: str = ""
    receipt_no: str = ""


def _out(user: Any, pk: int) -> dict[str, Any]:
    return ps.project_out(ps.access_project(user, pk), user, detail=True)


def _needs(user: Any, ids: list[int]) -> list[Need]:
    return [access(Need.objects.visible_to(user), pk) for pk in dict.fromkeys(ids)]


def _owners(user: Any, ids: list[int]) -> list[Organisation]:
    return [access(Organisation.objects.visible_to(user), pk) for pk in dict.fromkeys(ids)]


@router.get("/projects", response=ProjectPage, summary=lazy_str("项目清单"))
def list_projects(
    request: HttpRequest, state: str | None = None, community: int | None = None, page: int = 1
) -> Any:
    """The projects the caller may see (``state``, ``community`` filter), newest first."""
    user = caller(request)
    if state and state not in ProjectState.values:
        raise ValidationFailed(
            _("未知的项目状态：{state}").format(state=state),
            fields=[{"field": "state", "reason": "、".join(ProjectState.values)}],
        )
    sl = paginate(ps.projects_for(user, state=state or None, community=community), page)
    return sl.answer([ps.project_out(p, user) for p in sl.items])


@router.post("/projects", response={201: ProjectOut}, summary=lazy_str("项目立项"))
def create_project(request: HttpRequest, payload: ProjectIn) -> Any:
    """For the community's managers: a project (``proposed``) with its owner units and the
    needs it takes in (verified, listed or expired needs of the community)."""
    user = caller(request)
    managed = managed_communities(user)
    community = (
        managed.filter(pk=payload.community).first()
        if payload.community is not None
        else managed.order_by("path").first()
    )
    if community is None:
        raise Forbidden(_("只有社区工作人员可以办理项目"))
    project = services.project_create(
        actor=user,
        community=community,
        title=payload.title,
        description=payload.description,
        owners=_owners(user, payload.owners),
        budget=payload.budget,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        needs=_needs(user, payload.needs),
    )
    return Status(201, _out(user, project.pk))


@router.get("/projects/{project_id}", response=ProjectOut, summary=lazy_str("项目详情"))
def get_project(request: HttpRequest, project_id: int) -> Any:
    return _out(caller(request), project_id)


@router.post(
    "/projects/{project_id}/actions/{project_act}",
    response=ProjectOut,
    summary=lazy_str("办理项目：批准、启动、结项、撤销"),
)
def project_action(
    request: HttpRequest, project_id: int, project_act: str, payload: ProjectActIn | None = None
) -> Any:
    user = caller(request)
    data = payload.dict(exclude_none=True) if payload is not None else {}
    services.project_act(actor=user, project_id=project_id, act=project_act, data=data)
    return _out(user, project_id)


@router.post("/projects/{project_id}/needs", response=ProjectOut, summary=lazy_str("纳入需求"))
def add_project_needs(request: HttpRequest, project_id: int, payload: NeedsIn) -> Any:
    user = caller(request)
    services.project_add_needs(actor=user, project_id=project_id, needs=_needs(user, payload.needs))
    return _out(user, project_id)


@router.post(
    "/projects/{project_id}/milestones",
    response={201: MilestoneOut},
    summary=lazy_str("添加项目节点"),
)
def add_milestone(request: HttpRequest, project_id: int, payload: MilestoneIn) -> Any:
    m = services.milestone_add(
        actor=caller(request), project_id=project_id, title=payload.title, due_on=payload.due_on
    )
    return Status(201, ps.milestone_out(m))


@router.post(
    "/projects/{project_id}/milestones/{milestone_id}/done",
    response=MilestoneOut,
    summary=lazy_str("完成项目节点"),
)
def complete_milestone(
    request: HttpRequest, project_id: int, milestone_id: int, payload: MilestoneDoneIn
) -> Any:
    m = services.milestone_complete(
        actor=caller(request),
        project_id=project_id,
        milestone_id=milestone_id,
        evidence=payload.evidence,
    )
    return ps.milestone_out(m)


@router.post(
    "/projects/{project_id}/funds/in", response={201: ProjectOut}, summary=lazy_str("登记筹资")
)
def raise_funds(request: HttpRequest, project_id: int, payload: FundsIn) -> Any:
    """Money in (fen) from a unit (``organisation``) or a named ``contributor``."""
    user = caller(request)
    org = None
    if payload.organisation is not None:
        org = access(Organisation.objects.visible_to(user), payload.organisation)
    services.project_raise(
        actor=user,
        project_id=project_id,
        amount=payload.amount,
        contributor=payload.contributor,
        organisation=org,
        note=payload.note,
    )
    return Status(201, _out(user, project_id))


@router.post(
    "/projects/{project_id}/funds/out", response={201: ProjectOut}, summary=lazy_str("登记支出")
)
def spend_funds(request: HttpRequest, project_id: int, payload: FundsOutIn) -> Any:
    """Money out (fen) with its purpose and receipt number; 409 ``PROJECT_FUNDS_SHORT`` beyond
    the balance."""
    user = caller(request)
    services.project_spend(
        actor=user,
        project_id=project_id,
        amount=payload.amount,
        purpose=payload.purpose,
        receipt_no=payload.receipt_no,
    )
    return Status(201, _out(user, project_id))
