"""The place a trend is read under: one the viewer may see, by default their widest."""

from __future__ import annotations

from tongxin.core.actors import Actor
from tongxin.core.errors import Forbidden, NotFound
from tongxin.core.scoping import access, scope_for
from tongxin.places.models import Place

from .policies import may_view_trends


def trend_place(user: Actor, place_id: int | None) -> Place:
    """``place_id`` if the viewer may see it, else 404; without one, the viewer's widest
    place of case scope. 403 for those with no case scope at all."""
    from django.utils.translation import gettext as _

    if not may_view_trends(user):
        raise Forbidden(_("只有工作人员可以查看民情趋势"))
    if place_id is not None:
        return access(Place.objects.visible_to(user), place_id)
    paths = sorted(scope_for(user).case_paths, key=lambda p: (len(p), p))
    place = Place.objects.filter(path=paths[0]).first() if paths else None
    if place is None:
        raise NotFound(_("没有可查看的地点"))
    return place
