"""Who may do what in the alliance.

- A *manager* of an alliance holds a staff post at a community or above covering its place
  (``Scope.manager_paths``): they keep its units, agreements, suggestions and scorecards.
- A unit's people (any post in the unit: its liaison 联络员, its 兼职委员) see their own unit
  and may object to its published scorecard.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.core.errors import Code, Forbidden
from tongxin.core.scoping import scope_for

from .models import Alliance, InServiceMember, Membership


def manages(user: Actor | None, alliance: Alliance) -> bool:
    return any(alliance.place_path.startswith(p) for p in scope_for(user).manager_paths)


def require_manager(user: Actor | None, alliance: Alliance) -> None:
    if not manages(user, alliance):
        raise Forbidden(_("只有联盟所在地的管理人员可以这样做"), code=Code.ACTION_FORBIDDEN)


def speaks_for(user: Actor | None, membership: Membership) -> bool:
    """Holds a post in the unit (its liaison, a part-time member…)."""
    return membership.unit_id in scope_for(user).org_ids


def may_object(user: Actor | None, membership: Membership) -> bool:
    return speaks_for(user, membership) or manages(user, membership.alliance)


def may_object_member(user: Actor | None, member: InServiceMember, alliance: Alliance) -> bool:
    """An in-service member's card: the member, their employer's people, a manager."""
    return (
        getattr(user, "person_id", None) == member.person_id
        or member.unit_id in scope_for(user).org_ids
        or manages(user, alliance)
    )
