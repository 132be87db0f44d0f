"""API for the place tree: lists by kind, one place with its breadcrumb, a place's children.

Every query goes through ``PlaceQuerySet.visible_to``: the caller's subtrees, plus their
ancestors by name. A place outside that answers 404 like a missing one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from ninja import Router

from tongxin.core.actors import Actor
from tongxin.core.api_support import caller, paginate
from tongxin.core.i18n import lazy_str
from tongxin.core.scoping import access

from .models import Place, PlaceKind, PlaceQuerySet
from .schemas import PlaceDetailOut, PlacePage

router = Router(tags=["places"])


def visible_places(user: Actor) -> PlaceQuerySet:
    """The places ``user`` may browse (the one entry point for place reads in the API)."""
    return Place.objects.visible_to(user)


def access_place(user: Actor, pk: int) -> Place:
    """The place if ``user`` may see it; ``NotFound`` (404) otherwise."""
    return access(Place.objects.visible_to(user), pk)


def _parent_path(place: Place) -> str | None:
    return place.parent_path


def parent_ids(user: Actor, places: Iterable[Place]) -> dict[str, int]:
    """Parent path → parent id for ``places``, in one query. Parents of visible places are
    visible too (inside the subtree, or an ancestor shown by name)."""
    paths = {p for p in (_parent_path(pl) for pl in places) if p}
    if not paths:
        return {}
    return dict(visible_places(user).filter(path__in=paths).values_list("path", "id"))


def full_names(places: Iterable[Place]) -> dict[int, str]:
    """Place id → ``Place.full_name()`` (社区…单元…室, district and street left out), in one
    query for them all. Used for the address of a record the caller was already allowed to
    read, so the ancestors' names are not filtered again."""
    places = [p for p in places if p is not None]
    paths = {a for p in places for a in p.ancestor_paths()}
    names = dict(
        Place.objects.filter(path__in=paths)
        .exclude(kind__in=("district", "street"))
        .values_list("path", "name")
    )
    return {
        p.pk: "".join([*(names[a] for a in p.ancestor_paths() if a in names), p.name])
        for p in places
    }


def centroid(place: Place) -> dict[str, float] | None:
    if place.centroid_lat is None or place.centroid_lng is None:
        return None
    # Seven decimals are about a centimetre; more is noise from the float arithmetic.
    return {"lat": round(place.centroid_lat, 7), "lng": round(place.centroid_lng, 7)}


def place_ref(place: Place) -> dict[str, Any]:
    return {"id": place.pk, "kind": place.kind, "code": place.code, "name": place.name}


def place_out(place: Place, parents: dict[str, int]) -> dict[str, Any]:
    parent_path = _parent_path(place)
    return {
        **place_ref(place),
        "kind_label": place.kind_label,
        "parent": parents.get(parent_path) if parent_path else None,
        "centroid": centroid(place),
    }


def _page_of_places(user: Actor, qs: PlaceQuerySet, page: int) -> dict[str, Any]:
    sl = paginate(qs.defer("geometry", "attributes"), page)
    parents = parent_ids(user, sl.items)
    return sl.answer([place_out(p, parents) for p in sl.items])


@router.get("/places", response=PlacePage, summary=lazy_str("地点列表（按类型）"))
def list_places(request: HttpRequest, kind: PlaceKind | None = None, page: int = 1) -> Any:
    """The places of a kind that the caller may see, in tree order. Without ``kind``: every
    place the caller may see, ancestors first."""
    qs = visible_places(caller(request))
    if kind is not None:
        qs = qs.filter(kind=kind)
    return _page_of_places(caller(request), qs.order_by("path"), page)


@router.get("/places/{place_id}", response=PlaceDetailOut, summary=lazy_str("地点详情"))
def get_place(request: HttpRequest, place_id: int) -> Any:
    """One place: its breadcrumb (root first), how many children the caller may see, and its
    geometry (GeoJSON, WGS-84; ``bbox`` is [min_lng, min_lat, max_lng, max_lat])."""
    user = caller(request)
    place = access_place(user, place_id)
    ancestors = list(visible_places(user).filter(path__in=place.ancestor_paths()).order_by("depth"))
    children = visible_places(user).filter(path__prefix=place.path, depth=place.depth + 1)
    bbox = None
    if place.min_lng is not None:
        bbox = [place.min_lng, place.min_lat, place.max_lng, place.max_lat]
    parents = {a.path: a.pk for a in ancestors}
    names = [a.name for a in ancestors if a.kind not in ("district", "street")]
    return {
        **place_out(place, parents),
        "address": place.address,
        "full_name": "".join([*names, place.name]),
        "depth": place.depth,
        "children_count": children.count(),
        "ancestors": [place_ref(a) for a in ancestors],
        "geometry": place.geometry,
        "bbox": bbox,
        "attributes": place.attributes or {},
    }


@router.get("/places/{place_id}/children", response=PlacePage, summary=lazy_str("下级地点"))
def list_children(request: HttpRequest, place_id: int, page: int = 1) -> Any:
    """The children of a place that the caller may see."""
    user = caller(request)
    place = access_place(user, place_id)
    qs = visible_places(user).filter(path__prefix=place.path, depth=place.depth + 1)
    return _page_of_places(user, qs.order_by("path"), page)
