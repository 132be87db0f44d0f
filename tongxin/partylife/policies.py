"""Who may do what in party life.

- An *officer* of a party organisation (any post in it but a plain member's or a centre
  household's: its secretary, committee members, a group leader) records its meetings and
  those of the organisations under it, publishes study materials and runs its appraisal.
- The *superior* organisation's officers review a meeting record (accepted, or returned for
  correction): an officer of an organisation strictly above the one that met.
- Officers over an organisation see its life, its scorecard and its members' cards; a member
  sees their own card and record.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.core.errors import Code, Forbidden
from tongxin.orgs.models import Organisation

from .models import officer_paths


def is_officer_over(user: Actor | None, org_path: str) -> bool:
    return any(org_path.startswith(p) for p in officer_paths(user))


def oversees(user: Actor | None, organisation: Organisation) -> bool:
    """An officer over the organisation whose view covers it (the committee's grid worker
    oversees the branch of their grid, not another grid's)."""
    return (
        is_officer_over(user, organisation.path)
        and Organisation.objects.visible_to(user).filter(pk=organisation.pk).exists()
    )


def require_officer(user: Actor | None, organisation: Organisation) -> None:
    if not oversees(user, organisation):
        raise Forbidden(_("只有本组织或上级组织的负责人可以办理"), code=Code.ACTION_FORBIDDEN)


def is_superior_of(user: Actor | None, org_path: str) -> bool:
    return any(org_path.startswith(p) and org_path != p for p in officer_paths(user))


def require_superior(user: Actor | None, org_path: str) -> None:
    if not is_superior_of(user, org_path):
        raise Forbidden(_("只有上级党组织可以审核"), code=Code.ACTION_FORBIDDEN)
