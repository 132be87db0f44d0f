"""Who may do what with notices and the daily log.

- Publishing a notice, reading its receipts: staff whose posts (or grants) cover the audience
  place (``Scope.case_paths``): a grid worker for their grid, the secretary for the community.
- Recording a log entry: staff at the place, as for publishing; the author reads their own.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.core.errors import Forbidden
from tongxin.core.scoping import scope_for
from tongxin.places.models import Place

from .errors import NoticesCode


def works_at(user: Actor, place: Place) -> bool:
    """Whether the user holds a staff post (or a grant) whose subtree holds ``place``."""
    return scope_for(user).handles_cases_at(place.path)


def is_staff(user: Actor) -> bool:
    return bool(scope_for(user).case_paths)


def require_publisher(user: Actor, place: Place) -> None:
    if not works_at(user, place):
        raise Forbidden(_("只有该地点的工作人员可以发布通知"), code=NoticesCode.NOT_PUBLISHER)


def require_staff(user: Actor) -> None:
    if not is_staff(user):
        raise Forbidden(_("只有工作人员可以查看"), code=NoticesCode.NOT_PUBLISHER)


def own_workplace(user: Actor) -> Place:
    """Where the user works when they name no place: the widest of the subtrees of their
    staff posts (the community for its secretary; a grid worker's first grid). 403 for
    anyone without a staff post."""
    paths = sorted(scope_for(user).case_paths, key=lambda p: (len(p), p))
    place = Place.objects.filter(path=paths[0]).first() if paths else None
    if place is None:
        raise Forbidden(_("只有工作人员可以办理"), code=NoticesCode.NOT_PUBLISHER)
    return place


def require_recorder(user: Actor, place: Place) -> None:
    if not works_at(user, place):
        raise Forbidden(_("只有该地点的工作人员可以记录民情日志"), code=NoticesCode.NOT_RECORDER)


def manages(user: Actor, community: Place) -> bool:
    """Whether the user is one of the community's managers (a staff post at the community or
    above): they draft, approve and publish its disclosures."""
    return any(community.path.startswith(p) for p in scope_for(user).manager_paths)


def require_manager(user: Actor, community: Place) -> None:
    if not manages(user, community):
        raise Forbidden(
            _("只有社区两委成员可以办理三务公开"), code=NoticesCode.NOT_COMMUNITY_MANAGER
        )


def managed_community(user: Actor) -> Place:
    """The community the user manages when they name none: the first community under (or
    at) their manager posts. 403 for anyone who manages none."""
    from tongxin.core.scoping import paths_q

    paths = scope_for(user).manager_paths
    place = (
        Place.objects.filter(paths_q("path", paths), kind="community").order_by("path").first()
        if paths
        else None
    )
    if place is None:
        raise Forbidden(
            _("只有社区两委成员可以办理三务公开"), code=NoticesCode.NOT_COMMUNITY_MANAGER
        )
    return place
