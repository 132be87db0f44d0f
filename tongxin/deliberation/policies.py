"""Who may do what in deliberation and votes.

- A *manager* holds a staff post at the community or above covering the place
  (``Scope.manager_paths``): they open and close votes, move topics through the six steps,
  answer comments, and see the live meter.
- An *elector* (in the vote's frozen electorate) sees the vote, casts one ballot per head
  they stand for, checks their receipt and reads the result.
- A resident sees the topics of the places they live in, proposes, supports and comments.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.core.errors import Code, Forbidden
from tongxin.core.scoping import scope_for
from tongxin.places.models import Place


def manages_path(user: Actor | None, path: str) -> bool:
    return any(path.startswith(p) for p in scope_for(user).manager_paths)


def manages(user: Actor | None, place: Place) -> bool:
    return manages_path(user, place.path)


def require_manager_of(user: Actor | None, path: str) -> None:
    if not manages_path(user, path):
        raise Forbidden(_("只有该地的社区管理人员可以这样做"), code=Code.ACTION_FORBIDDEN)
