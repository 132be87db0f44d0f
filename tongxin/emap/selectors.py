"""Reads for the e-map (一张图): which places a user may see on the map, who may edit their
geometry, the panels shown on a click, the search box and the 15-minute life circle.

Every read of personal or case data goes through ``visible_to``. The place tree itself (names
and outlines of grids, estates and buildings, POIs and facilities) is base data: the system
administrator, who maintains it (三权分立: no personal data), sees all of it on the map, with
no residents, posts, cases or care households.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tongxin.accounts.models import AdminDuty
from tongxin.cases.models import Case
from tongxin.cases.workflow import OPEN_STATES
from tongxin.core.actors import Actor
from tongxin.core.errors import NotFound
from tongxin.orgs.panels import numbers_for, visible_posts_at
from tongxin.orgs.roles import Role
from tongxin.orgs.scopes import active_posts
from tongxin.people.models import PartyMembership, Person
from tongxin.places import geo
from tongxin.places.models import Place, PlaceQuerySet, PoiKind, PointOfInterest

# Who may draw grid and estate outlines and move points: the system administrator anywhere,
# and the leaders of a community (or street) under the place they lead. Grid workers may not:
# a grid boundary decides whose residents a worker answers for, so the community decides it.
EDIT_ROLES = frozenset({Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.DIRECTOR})
EDIT_LEVELS = frozenset({"district", "street", "community"})
EDITABLE_KINDS = frozenset({"grid", "estate", "building"})

# The 15-minute life circle (15分钟生活圈): ~1 km on foot at 4-5 km/h along real streets.
LIFE_CIRCLE_M = 1000
WALK_M_PER_MIN = 70


def is_map_admin(user: Actor) -> bool:
    return bool(user.admin_duty == AdminDuty.SYSTEM and user.is_active)


def map_places(user: Actor) -> PlaceQuerySet:
    """The places ``user`` may see on the map: their scope (subtrees and ancestors by name),
    or the whole tree for the system administrator."""
    if is_map_admin(user):
        return Place.objects.all()
    return Place.objects.visible_to(user)


def map_subtrees(user: Actor) -> tuple[str, ...] | None:
    """The subtrees whose contents (grids, buildings, POIs…) the user sees; None: all."""
    if is_map_admin(user):
        return None
    from tongxin.core.scoping import scope_for

    return scope_for(user).place_paths


def edit_roots(user: Actor) -> list[str]:
    """Paths under which the user may edit geometry ("" = everywhere)."""
    if is_map_admin(user):
        return [""]
    if not user.person_id:
        return []
    return [
        p.place.path
        for p in active_posts(user)
        if p.role in EDIT_ROLES and p.place is not None and p.place.kind in EDIT_LEVELS
    ]


def may_edit(user: Actor, place: Place) -> bool:
    return any(place.path.startswith(root) for root in edit_roots(user))


def access_map_place(user: Actor, pk: int) -> Place:
    try:
        return map_places(user).get(pk=pk)
    except (Place.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def community_of(place: Place) -> Place | None:
    return place.at_or_above("community")


# ---------------------------------------------------------------------------- panels
def _person_label(post: Any) -> dict[str, Any]:
    return {
        "role": post.get_role_display(),
        "rank": post.rank,
        "name": post.person.name,
        "phone": post.contact_phone,
    }


def place_panel(user: Actor, place: Place) -> dict[str, Any]:
    """What a click on a grid, estate or building shows: its figures, the people in post
    there, and (for a building) its units with their heads."""
    from tongxin.orgs.models import Post

    out: dict[str, Any] = {
        "id": place.pk,
        "kind": place.kind,
        "kind_label": place.kind_label,
        "name": place.name,
        "full_name": place.full_name(),
        "address": place.address,
        "posts": [_person_label(p) for p in visible_posts_at(user, place)],
        "editable": may_edit(user, place),
    }
    if place.kind not in ("grid", "estate", "building", "community", "street", "district"):
        return out
    numbers = numbers_for(user, place)
    cases = Case.objects.visible_to(user).filter(place_path__prefix=place.path)
    open_cases = cases.filter(state__in=OPEN_STATES)
    out["numbers"] = {
        "households": numbers.households,
        "residents": numbers.residents,
        "party_members": PartyMembership.objects.visible_to(user)
        .filter(person__place_path__prefix=place.path, person__is_active=True)
        .count(),
        "open_cases": open_cases.count(),
        "overdue": open_cases.filter(overdue=True).count(),
    }
    if place.kind == "building":
        units = list(Place.objects.filter(path__prefix=place.path, kind="unit").order_by("path"))
        heads: dict[int, list[dict[str, Any]]] = {}
        for post in (
            Post.objects.visible_to(user)
            .active()
            .filter(place__in=units)
            .select_related("person")
            .order_by("place_id", "rank", "id")
        ):
            heads.setdefault(post.place_id, []).append(_person_label(post))
        out["units"] = [
            {
                "id": u.pk,
                "name": u.name,
                "dwellings": u.numchild,
                "heads": heads.get(u.pk, []),
            }
            for u in units
        ]
    return out


# ---------------------------------------------------------------------------- search
@dataclass(frozen=True)
class Hit:
    kind: str  # place | poi | person | case
    id: int
    label: str
    detail: str
    lat: float
    lng: float
    bbox: list[float] | None = None
    place_id: int | None = None  # a resident's home, for the life circle

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "label": self.label,
            "detail": self.detail,
            "lat": round(self.lat, 6),
            "lng": round(self.lng, 6),
            "bbox": self.bbox,
            "place_id": self.place_id,
        }


def _building_of(paths: set[str]) -> dict[str, Place]:
    """Each path → the building above it (or the place itself when it is one)."""
    prefixes = {p[:i] for p in paths for i in range(Place.steplen, len(p) + 1, Place.steplen)}
    buildings = Place.objects.filter(
        path__in=prefixes, kind="building", centroid_lat__isnull=False
    ).only("id", "path", "name", "centroid_lat", "centroid_lng")
    by_path = {b.path: b for b in buildings}
    out = {}
    for p in paths:
        for i in range(len(p), 0, -Place.steplen):
            b = by_path.get(p[:i])
            if b is not None:
                out[p] = b
                break
    return out


def search(user: Actor, q: str, *, limit: int = 8) -> list[dict[str, Any]]:
    """Places, services, residents and cases matching ``q``, each with where to fly to.

    Residents are placed at their building (never their dwelling); only those the user may
    see are searched, by name, pinyin initials or full pinyin.
    """
    q = q.strip()
    if not q:
        return []
    hits: list[Hit] = []
    places = (
        map_places(user)
        .filter(Q(name__contains=q) | Q(code__iexact=q) | Q(address__contains=q))
        .exclude(kind__in=("unit", "dwelling"))
        .filter(centroid_lat__isnull=False)
        .order_by("depth", "path")[:limit]
    )
    for p in places:
        bbox = (
            [p.min_lng, p.min_lat, p.max_lng, p.max_lat] if p.kind in ("grid", "estate") else None
        )
        hits.append(
            Hit("place", p.pk, p.name, p.kind_label, p.centroid_lat, p.centroid_lng, bbox)  # type: ignore[arg-type]
        )
    pois = PointOfInterest.objects.filter(Q(name__contains=q) | Q(address__contains=q))
    roots = map_subtrees(user)
    if roots is not None:
        pois = pois.filter(_paths_q("place_path", roots))
    for poi in pois.order_by("name")[:limit]:
        hits.append(Hit("poi", poi.pk, poi.name, poi.get_kind_display(), poi.lat, poi.lng))
    low = q.lower()
    persons = list(
        Person.objects.visible_to(user)
        .filter(is_active=True)
        .filter(
            Q(name__contains=q) | Q(name_initials__startswith=low) | Q(name_pinyin__startswith=low)
        )
        .exclude(place_path="")
        .only("id", "name", "place_path", "place_id")
        .order_by("name", "id")[:limit]
    )
    where = _building_of({p.place_path for p in persons})
    for person in persons:
        b = where.get(person.place_path)
        if b is not None:
            hits.append(
                Hit(
                    "person",
                    person.pk,
                    person.name,
                    _("居民 · {name}").format(name=b.name),
                    b.centroid_lat,  # type: ignore[arg-type]
                    b.centroid_lng,  # type: ignore[arg-type]
                    place_id=person.place_id,
                )
            )
    for case in (
        Case.objects.visible_to(user)
        .filter(ref__iexact=q, lat__isnull=False)
        .select_related("category")[:1]
    ):
        hits.append(Hit("case", case.pk, case.ref, case.category.name, case.lat, case.lng))  # type: ignore[arg-type]
    return [h.as_dict() for h in hits]


def _paths_q(field: str, roots: tuple[str, ...]) -> Q:
    from tongxin.core.scoping import paths_q

    return paths_q(field, roots)


# ---------------------------------------------------------------------------- life circle
def life_circle_origin(user: Actor, place_id: int) -> Place:
    """A dwelling (or building) the user may see, or their own home."""
    place = Place.objects.filter(pk=place_id).first()
    if place is None:
        raise NotFound()
    visible = map_places(user).filter(pk=place_id).exists()
    own = (
        user.person_id
        and Person.objects.filter(pk=user.person_id, place_path__prefix=place.path).exists()
    )
    if not (visible or own):
        raise NotFound()
    return place


def life_circle(lat: float, lng: float, *, radius_m: int = LIFE_CIRCLE_M) -> dict[str, Any]:
    """The POIs within ``radius_m`` of a point, nearest first, grouped by kind (every kind is
    listed, with the nearest one, so that a missing service shows as a gap)."""
    d_lat = radius_m / 111_000
    d_lng = d_lat / max(0.2, _cos(lat))
    candidates = PointOfInterest.objects.filter(
        lat__range=(lat - d_lat, lat + d_lat), lng__range=(lng - d_lng, lng + d_lng)
    )
    found: list[tuple[float, PointOfInterest]] = []
    for poi in candidates:
        d = geo.distance_m(lat, lng, poi.lat, poi.lng)
        if d <= radius_m:
            found.append((d, poi))
    found.sort(key=lambda t: (t[0], t[1].pk))
    groups = []
    for kind, label in PoiKind.choices:
        items = [
            {
                "id": poi.pk,
                "name": poi.name,
                "distance_m": round(d),
                "walk_min": max(1, round(d / WALK_M_PER_MIN)),
                "lat": round(poi.lat, 6),
                "lng": round(poi.lng, 6),
                "phone": poi.phone,
                "opening_hours": poi.opening_hours,
            }
            for d, poi in found
            if poi.kind == kind
        ]
        if kind == PoiKind.OTHER and not items:
            continue
        groups.append({"kind": kind, "label": label, "count": len(items), "items": items})
    return {
        "center": {"lat": round(lat, 6), "lng": round(lng, 6)},
        "radius_m": radius_m,
        "total": len(found),
        "missing": [g["label"] for g in groups if not g["count"]],
        "groups": groups,
    }


def _cos(lat: float) -> float:
    import math

    return math.cos(math.radians(lat))


def open_cases(user: Actor) -> QuerySet[Case]:
    return Case.objects.visible_to(user).filter(state__in=OPEN_STATES)
