"""Reads of 项目清单: the project list (through ``visible_to``), and what a project shows to
whom.

- The community's managers, its grid workers and holders of a post in an owner unit see the
  whole project: the money movements (contributors, purposes, receipts) and the needs it took
  in — each need only as far as the viewer may see that need (``Need.objects.visible_to`` and
  ``selectors.need_card``: a grid worker sees the needs of their grid, as cards; the others are
  counted, never shown).
- A resident of the community sees the public face of an approved, running or closed project:
  title, description, owner units, budget, raised and spent totals, the milestones and the
  close-off record; the number of needs it took in, never which.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from tongxin.core import clock
from tongxin.core.actors import Actor
from tongxin.core.scoping import access, scope_for
from tongxin.volunteering.policies import manages_community

from .models import Milestone, Need, Project, ProjectState
from .selectors import need_cards
from .workflow import PROJECT_MACHINE, PROJECT_STATE_ACTS


def projects_for(
    user: Actor, *, state: str | None = None, community: int | None = None
) -> QuerySet[Project]:
    """The projects the user may see, open ones first, with their milestone counts (done,
    overdue by the clock) for the board."""
    today = clock.today()
    qs = (
        Project.objects.visible_to(user)
        .select_related("community")
        .prefetch_related("owners")
        .annotate(
            m_total=Count("milestones", distinct=True),
            m_done=Count("milestones", filter=Q(milestones__done_at__isnull=False), distinct=True),
            m_overdue=Count(
                "milestones",
                filter=Q(milestones__done_at__isnull=True, milestones__due_on__lt=today),
                distinct=True,
            ),
            n_needs=Count("links", distinct=True),
        )
    )
    if state:
        qs = qs.filter(state=state)
    if community is not None:
        qs = qs.filter(community_id=community)
    return qs.order_by("-id")


def access_project(user: Actor, pk: Any) -> Project:
    return access(projects_for(user), pk)


def sees_books(user: Actor, project: Project) -> bool:
    """Whether the user sees the whole project (its money movements, the needs as far as they
    may see each), not only its public face: the community's managers, the staff inside it
    (its grid workers), holders of a post in an owner unit."""
    if manages_community(user, project.community):
        return True
    scope = scope_for(user)
    path = project.community.path
    if any(p.startswith(path) or path.startswith(p) for p in scope.case_paths):
        return True
    owners = {o.pk for o in project.owners.all()}
    return bool(owners & set(scope.org_ids))


def _pct(part: int, whole: int) -> int:
    if whole <= 0:
        return 0
    return max(0, min(100, round(part * 100 / whole)))


def milestone_out(m: Milestone) -> dict[str, Any]:
    return {
        "id": m.pk,
        "title": m.title,
        "due_on": m.due_on,
        "done_at": m.done_at,
        "evidence": m.evidence,
        "overdue": m.overdue,
    }


def project_out(project: Project, user: Actor, *, detail: bool = False) -> dict[str, Any]:
    """What the user sees of a project (see the module docstring). ``detail`` adds the
    milestones, and for those who see the books the money movements and the needs."""
    books = sees_books(user, project)
    manager = manages_community(user, project.community)
    total = getattr(project, "m_total", None)
    out: dict[str, Any] = {
        "id": project.pk,
        "community": project.community_id,
        "community_name": project.community.name,
        "title": project.title,
        "description": project.description,
        "owners": [{"id": o.pk, "name": o.name} for o in project.owners.all()],
        "budget": project.budget,
        "raised": project.raised,
        "spent": project.spent,
        "balance": project.balance,
        "raised_pct": _pct(project.raised, project.budget),
        "spent_pct": _pct(project.spent, project.budget),
        "starts_on": project.starts_on,
        "ends_on": project.ends_on,
        "state": project.state,
        "state_label": project.get_state_display(),
        "milestones_total": total,
        "milestones_done": getattr(project, "m_done", None),
        "milestones_overdue": getattr(project, "m_overdue", None),
        "needs_count": getattr(project, "n_needs", None),
        "summary": project.summary,
        "outcome": project.outcome or None,
        "outcome_label": project.get_outcome_display() if project.outcome else None,
        "beneficiaries": project.beneficiaries,
        "waiver": project.waiver,
        "closed_at": project.closed_at,
        "cancel_reason": project.cancel_reason if books else "",
        "books": books,
        "acts": (
            [a for a in PROJECT_MACHINE.acts_from(project.state) if a in PROJECT_STATE_ACTS]
            if manager
            else []
        ),
        "manager": manager,
        "milestones": None,
        "money": None,
        "needs": None,
    }
    if detail:
        milestones = list(project.milestones.all())
        out["milestones"] = [milestone_out(m) for m in milestones]
        out["milestones_total"] = len(milestones)
        out["milestones_done"] = sum(1 for m in milestones if m.done_at)
        out["milestones_overdue"] = sum(1 for m in milestones if m.overdue)
        out["needs_count"] = project.links.count()
        if books:
            out["money"] = [
                {
                    "id": r.pk,
                    "kind": r.kind,
                    "kind_label": r.get_kind_display(),
                    "amount": r.amount,
                    "contributor": r.contributor,
                    "organisation": r.organisation_id,
                    "purpose": r.purpose,
                    "receipt_no": r.receipt_no,
                    "transaction": r.tx_id,
                    "at": r.at,
                }
                for r in project.money.order_by("-at", "-id")
            ]
            linked = list(
                Need.objects.visible_to(user)
                .filter(pk__in=project.links.values("need_id"))
                .select_related("community")
                .prefetch_related("place", "person", "claimed_by_person", "claimed_by_org")
                .order_by("id")
            )
            out["needs"] = need_cards(linked, user)
    return out


def open_states() -> tuple[str, ...]:
    return (ProjectState.PROPOSED, ProjectState.APPROVED, ProjectState.RUNNING)
