"""Who may do what in volunteering.

- Community managers: holders of an active staff post (书记, 主任, 社区工作者, 街道干部, …) at
  the community or above it. They review volunteers, publish activities, run the ledger
  (corrections, honours, fixed awards) and hand out or cancel orders.
- Organisers of an activity: its publisher, the community's managers, and the holders of an
  active post in the organising team or unit. They keep the roster and check people in and out.
- A volunteer acts on their own signups, orders and points.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.core.errors import Forbidden
from tongxin.core.scoping import scope_for
from tongxin.places.models import Place

from .errors import VolunteeringCode


def manager_paths(user: Actor) -> tuple[str, ...]:
    """Place paths (community level or above) where the user holds a staff post today: part
    of the user's scope (``Scope.manager_paths``), like every other answer about access."""
    return scope_for(user).manager_paths


def manages_community(user: Actor, community: Place) -> bool:
    return any(community.path.startswith(p) for p in manager_paths(user))


def managed_communities(user: Actor) -> QuerySet[Place]:
    from tongxin.core.scoping import paths_q

    paths = manager_paths(user)
    if not paths:
        return Place.objects.none()
    return Place.objects.filter(paths_q("path", paths), kind="community")


def require_manager(user: Actor, community: Place) -> None:
    if not manages_community(user, community):
        raise Forbidden(_("只有社区工作人员可以办理"), code=VolunteeringCode.NOT_COMMUNITY_MANAGER)


def organises(user: Actor, activity: Any) -> bool:
    if not user.is_authenticated:
        return False
    if activity.created_by_id == user.pk or manages_community(user, activity.community):
        return True
    if activity.organiser_org_id and user.person_id:
        from tongxin.orgs.models import Post

        return (
            Post.objects.active()
            .filter(person_id=user.person_id, organisation_id=activity.organiser_org_id)
            .exists()
        )
    return False


def require_organiser(user: Actor, activity: Any) -> None:
    if not organises(user, activity):
        raise Forbidden(_("只有活动组织者可以办理"), code=VolunteeringCode.NOT_ORGANISER)
