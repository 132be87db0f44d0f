"""What the matching models share: the user's home community."""

from __future__ import annotations

from tongxin.core import trees
from tongxin.core.actors import Actor, person_of
from tongxin.core.scoping import Scope
from tongxin.places.models import Place


def home_community_paths(user: Actor | None, scope: Scope) -> set[str]:
    """Every prefix of the user's home place: a listed need or a published wish whose
    community is one of these is one of the user's community's."""
    paths: set[str] = set()
    person = person_of(user)
    if person is not None and person.place_path:
        paths.add(person.place_path)
    return trees.ancestors_of_all(paths, Place.steplen, include_self=True)
