"""Names of places for display: breadcrumbs and short addresses, for many places in one query.

Place names are public structure (the tree of the community), so ancestors are looked up by
path without scoping; only places the user may open are linked (``Crumb.linkable``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tongxin.core.actors import Actor
from tongxin.places.models import Place

STEP = Place.steplen
# The levels that make up a home address inside a community: 阳光小区3栋1单元302室.
ADDRESS_KINDS = ("estate", "building", "unit", "dwelling")


@dataclass(frozen=True)
class Crumb:
    place: Place
    linkable: bool


def _ancestor_paths(path: str) -> list[str]:
    return [path[:i] for i in range(STEP, len(path), STEP)]


def ancestors_map(places: Iterable[Place | None]) -> dict[int, list[Place]]:
    """For each place, its ancestors from the root down — one query for all of them."""
    items = [p for p in places if p is not None]
    wanted = {a for p in items for a in _ancestor_paths(p.path)}
    by_path = (
        {
            pl.path: pl
            for pl in Place.objects.filter(path__in=wanted).only(
                "id", "path", "depth", "kind", "name"
            )
        }
        if wanted
        else {}
    )
    return {p.pk: [by_path[a] for a in _ancestor_paths(p.path) if a in by_path] for p in items}


def address_label(place: Place | None, ancestors: list[Place]) -> str:
    """阳光小区3栋1单元302室 for a dwelling; the place's own name above the estate level."""
    if place is None:
        return ""
    if place.kind not in ADDRESS_KINDS:
        return place.name
    parts = [a.name for a in ancestors if a.kind in ADDRESS_KINDS]
    return "".join([*parts, place.name])


def address_labels(places: Iterable[Place | None]) -> dict[int, str]:
    items = [p for p in places if p is not None]
    amap = ancestors_map(items)
    return {p.pk: address_label(p, amap[p.pk]) for p in items}


def breadcrumb(place: Place, user: Actor, *, include_self: bool = False) -> list[Crumb]:
    """The chain from the root down to ``place``; each link only if the user may open it."""
    chain = ancestors_map([place])[place.pk]
    if include_self:
        chain = [*chain, place]
    visible = (
        set(
            Place.objects.visible_to(user)
            .filter(pk__in=[p.pk for p in chain])
            .values_list("pk", flat=True)
        )
        if chain
        else set()
    )
    return [Crumb(p, p.pk in visible) for p in chain]


def with_addresses(persons: Iterable[Any]) -> list[tuple[Any, str]]:
    """Pair each person with the short address of the place they are anchored to."""
    items = list(persons)
    labels = address_labels(p.place for p in items)
    return [(p, labels.get(p.place_id, "")) for p in items]


def openable_person_ids(user: Actor, persons: Iterable[Any]) -> set[int]:
    """Which of these persons the user may open (post holders are shown by name to everyone
    who may see the post, but their person page follows the person's own scope)."""
    from tongxin.people.models import Person

    ids = {p.pk for p in persons if p is not None}
    if not ids:
        return set()
    return set(Person.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
