"""The map's layers as GeoJSON FeatureCollections, scoped to what the caller may see.

Every layer takes a bounding box (``[west, south, east, north]``, WGS-84) and a zoom level:

- polygons are simplified for the zoom (half a screen pixel of tolerance) and their
  coordinates rounded (6 decimals ≈ 0.1 m close up, 5 or 4 further out);
- point layers with many points in view are clustered on the server by grid cells a fixed
  number of pixels wide, counted in the database, so a district view of 100,000 cases is a few
  hundred features;
- the care layer shows counts of care households per **building**, never a dwelling; each
  answer is audited.

The builders return plain dicts; ``api.py`` serialises and compresses them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, F, FloatField, Q, QuerySet, Sum, When
from django.db.models import Case as When_
from django.db.models.functions import Cast, Floor
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import mapping, shape

from tongxin.cases.models import Case
from tongxin.cases.workflow import OPEN_STATES, State
from tongxin.core import audit, clock
from tongxin.core.actors import Actor
from tongxin.core.models import in_force_q
from tongxin.core.scoping import paths_q, scope_for
from tongxin.orgs.models import Post
from tongxin.orgs.roles import Role
from tongxin.people.models import CareKind, CareTag
from tongxin.places.models import Facility, Place, PointOfInterest

from . import selectors
from .errors import MapCode

ROLE_LABELS = dict(Role.choices)
LAYERS = ("grids", "estates", "buildings", "pois", "facilities", "cases", "care")

# Below these zooms a layer is drawn as clusters (points) or not at all (small polygons).
MIN_ZOOM = {"estates": 15, "buildings": 15}
SIMPLE_RING = 6  # rings with this many points or fewer are sent as they are (rounded)
CLUSTER_BELOW = {"buildings": 17, "pois": 16, "facilities": 17, "cases": 17, "care": 0}
CLUSTER_MIN_POINTS = 300  # fewer points than this in view are sent as they are
CLUSTER_CELL_PX = 60  # cluster cell width on screen
HEAT_CELL_PX = 20
MAX_POINTS = 5000  # a safety cap for unclustered point layers
GRID_COLOURS = 6  # grids are coloured 0..5 so that neighbours in a community differ


@dataclass(frozen=True)
class View:
    """The part of the map asked for."""

    west: float
    south: float
    east: float
    north: float
    zoom: int

    @classmethod
    def parse(cls, bbox: str | None, zoom: int) -> View:
        from tongxin.core.errors import ValidationFailed

        if not bbox:
            return cls(-180.0, -90.0, 180.0, 90.0, zoom)
        try:
            w, s, e, n = (float(x) for x in bbox.split(","))
        except ValueError:
            raise ValidationFailed(
                _("bbox 应为 西,南,东,北 四个经纬度数字"),
                fields=[{"field": "query.bbox", "reason": _("应为 西,南,东,北 四个数字")}],
            ) from None
        if not (-180 <= w <= e <= 180 and -90 <= s <= n <= 90):
            raise ValidationFailed(
                _("bbox 超出范围或顺序不对（西<东，南<北）"),
                fields=[
                    {"field": "query.bbox", "reason": _("西应小于东、南应小于北，且在经纬度范围内")}
                ],
            )
        return cls(w, s, e, n, zoom)

    @property
    def degrees_per_px(self) -> float:
        return 360.0 / (256 * 2**self.zoom)

    @property
    def digits(self) -> int:
        return 6 if self.zoom >= 16 else 5 if self.zoom >= 12 else 4

    def place_q(self) -> Q:
        return Q(max_lng__gte=self.west, min_lng__lte=self.east) & Q(
            max_lat__gte=self.south, min_lat__lte=self.north
        )

    def point_q(self, lat: str = "lat", lng: str = "lng") -> Q:
        return Q(
            **{f"{lat}__range": (self.south, self.north), f"{lng}__range": (self.west, self.east)}
        )


def collection(features: list[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features, **meta}


def _round(coords: Any, digits: int) -> Any:
    if isinstance(coords, (int, float)):
        return round(coords, digits)
    return [_round(c, digits) for c in coords]


def simplified(geometry: dict[str, Any], view: View) -> dict[str, Any]:
    """The geometry simplified to half a pixel at the view's zoom, rounded to its digits."""
    if geometry["type"] == "Polygon" and all(
        len(ring) <= SIMPLE_RING for ring in geometry["coordinates"]
    ):
        # Nothing to simplify in a quadrilateral-like ring: round it (most drawn grids are).
        return {"type": "Polygon", "coordinates": _round(geometry["coordinates"], view.digits)}
    geom = shape(geometry)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        small = geom.simplify(view.degrees_per_px / 2, preserve_topology=True)
        if not small.is_empty:
            geom = small
    out = mapping(geom)
    return {"type": out["type"], "coordinates": _round(out["coordinates"], view.digits)}


def _point(lat: float, lng: float, digits: int) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(lng, digits), round(lat, digits)]}


def _in_subtrees(qs: QuerySet[Any], field: str, roots: tuple[str, ...] | None) -> QuerySet[Any]:
    if roots is None:
        return qs
    return qs.filter(paths_q(field, roots)) if roots else qs.none()


def _posts_by_place(
    user: Actor, place_ids: Iterable[int], roles: set[str]
) -> dict[int, list[Post]]:
    posts = (
        Post.objects.visible_to(user)
        .active()
        .filter(place_id__in=list(place_ids), role__in=roles)
        .select_related("person")
        .only(
            "id",
            "place_id",
            "role",
            "rank",
            "public_contact",
            "public_phone",
            "person__name",
            "person__phone_masked",
        )
        .order_by("place_id", "rank", "id")
    )
    out: dict[int, list[Post]] = defaultdict(list)
    for p in posts:
        out[p.place_id].append(p)  # type: ignore[index]
    return out


def _holder(post: Post) -> dict[str, Any]:
    return {
        "role": ROLE_LABELS.get(post.role, post.role),
        "rank": post.rank,
        "name": post.person.name,
        "phone": post.contact_phone,
    }


# ------------------------------------------------------------------------------ polygons
def _areas(user: Actor, kind: str, view: View) -> list[Place]:
    qs = (
        selectors.map_places(user)
        .filter(kind=kind, geometry__isnull=False)
        .filter(view.place_q())
        .only("id", "path", "name", "code", "geometry", "centroid_lat", "centroid_lng")
        .order_by("path")
    )
    roots = selectors.map_subtrees(user)
    # Ancestors are visible by name only: an area is drawn when it lies in a subtree.
    return list(_in_subtrees(qs, "path", roots))


def grids(user: Actor, view: View) -> dict[str, Any]:
    places = _areas(user, "grid", view)
    workers = _posts_by_place(user, (p.pk for p in places), {Role.GRID_WORKER, Role.GRID_CHIEF})
    communities = dict(
        Place.objects.filter(path__in={p.path[: -Place.steplen] for p in places}).values_list(
            "path", "name"
        )
    )
    features = []
    for p in places:
        index = int(p.path[-Place.steplen :], 36) - 1 if p.path else 0
        features.append(
            {
                "type": "Feature",
                "id": p.pk,
                "geometry": simplified(p.geometry, view),  # type: ignore[arg-type]
                "properties": {
                    "kind": "grid",
                    "name": p.name,
                    "code": p.code,
                    "community": communities.get(p.path[: -Place.steplen], ""),
                    "colour": index % GRID_COLOURS,
                    "label": [round(p.centroid_lng or 0, 6), round(p.centroid_lat or 0, 6)],
                    "workers": [_holder(w) for w in workers.get(p.pk, [])],
                },
            }
        )
    return collection(features)


def estates(user: Actor, view: View) -> dict[str, Any]:
    if view.zoom < MIN_ZOOM["estates"]:
        return collection([], hidden="zoom", min_zoom=MIN_ZOOM["estates"])
    places = _areas(user, "estate", view)
    heads = _posts_by_place(user, (p.pk for p in places), {Role.ESTATE_HEAD})
    return collection(
        [
            {
                "type": "Feature",
                "id": p.pk,
                "geometry": simplified(p.geometry, view),  # type: ignore[arg-type]
                "properties": {
                    "kind": "estate",
                    "name": p.name,
                    "heads": [_holder(h) for h in heads.get(p.pk, [])],
                },
            }
            for p in places
        ]
    )


# ------------------------------------------------------------------------------ clustering
def cluster_cells(
    qs: QuerySet[Any],
    view: View,
    *,
    lat: str,
    lng: str,
    px: int,
    extra: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Count rows per square cell ``px`` pixels wide, in the database."""
    cell = view.degrees_per_px * px
    rows = (
        qs.annotate(
            cx=Floor(Cast(F(lng), FloatField()) / cell), cy=Floor(Cast(F(lat), FloatField()) / cell)
        )
        .values("cx", "cy")
        .annotate(n=Count("id"), alat=Avg(lat), alng=Avg(lng), **(extra or {}))
        .order_by()
    )
    return list(rows)


def _cluster_features(rows: list[dict[str, Any]], view: View, kind: str) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        props = {"kind": kind, "cluster": True, "count": r["n"]}
        props.update({k: r[k] for k in r if k not in ("cx", "cy", "n", "alat", "alng")})
        out.append(
            {
                "type": "Feature",
                "id": f"c{int(r['cx'])}_{int(r['cy'])}",
                "geometry": _point(r["alat"], r["alng"], view.digits),
                "properties": props,
            }
        )
    return out


def _maybe_cluster(
    qs: QuerySet[Any],
    view: View,
    layer: str,
    *,
    lat: str = "lat",
    lng: str = "lng",
    extra: Any = None,
) -> tuple[list[dict[str, Any]] | None, int]:
    """Clusters when the view is zoomed out and holds many points; None to send them all."""
    if view.zoom >= CLUSTER_BELOW[layer]:
        return None, 0
    n = qs.count()
    if n < CLUSTER_MIN_POINTS:
        return None, n
    rows = cluster_cells(qs, view, lat=lat, lng=lng, px=CLUSTER_CELL_PX, extra=extra)
    return _cluster_features(rows, view, layer), n


# ------------------------------------------------------------------------------ points
def buildings(user: Actor, view: View) -> dict[str, Any]:
    if view.zoom < MIN_ZOOM["buildings"]:
        return collection([], hidden="zoom", min_zoom=MIN_ZOOM["buildings"])
    qs: Any = selectors.map_places(user).filter(kind="building", centroid_lat__isnull=False)
    qs = _in_subtrees(qs, "path", selectors.map_subtrees(user)).filter(
        view.point_q("centroid_lat", "centroid_lng")
    )
    clusters, n = _maybe_cluster(qs, view, "buildings", lat="centroid_lat", lng="centroid_lng")
    if clusters is not None:
        return collection(clusters, clustered=True, total=n)
    places = list(
        qs.order_by("path").only("id", "name", "path", "centroid_lat", "centroid_lng", "numchild")[
            :MAX_POINTS
        ]
    )
    heads = _posts_by_place(user, (p.pk for p in places), {Role.BUILDING_HEAD})
    return collection(
        [
            {
                "type": "Feature",
                "id": p.pk,
                "geometry": _point(p.centroid_lat, p.centroid_lng, view.digits),  # type: ignore[arg-type]
                "properties": {
                    "kind": "building",
                    "name": p.name,
                    "units": p.numchild,
                    "heads": [_holder(h) for h in heads.get(p.pk, [])],
                },
            }
            for p in places
        ]
    )


def _features_layer(
    model: Any, user: Actor, view: View, layer: str, kinds: list[str] | None
) -> dict[str, Any]:
    qs = _in_subtrees(model.objects.all(), "place_path", selectors.map_subtrees(user))
    qs = qs.filter(view.point_q())
    if kinds:
        qs = qs.filter(kind__in=kinds)
    # Clusters say how many of each kind they hold, for the legend colours.
    clusters, n = _maybe_cluster(qs, view, layer)
    if clusters is not None:
        return collection(clusters, clustered=True, total=n)
    labels = dict(model._meta.get_field("kind").choices)
    features = []
    for f in qs.order_by("id")[:MAX_POINTS]:
        props = {
            "kind": layer[:-1] if layer != "facilities" else "facility",
            "type": f.kind,
            "type_label": labels.get(f.kind, f.kind),
            "name": f.name,
            "address": f.address,
        }
        if model is PointOfInterest:
            props.update(phone=f.phone, opening_hours=f.opening_hours)
        else:
            props.update(status=f.status)
        features.append(
            {
                "type": "Feature",
                "id": f.pk,
                "geometry": _point(f.lat, f.lng, view.digits),
                "properties": props,
            }
        )
    return collection(features)


def pois(user: Actor, view: View, kinds: list[str] | None = None) -> dict[str, Any]:
    return _features_layer(PointOfInterest, user, view, "pois", kinds)


def facilities(user: Actor, view: View, kinds: list[str] | None = None) -> dict[str, Any]:
    return _features_layer(Facility, user, view, "facilities", kinds)


# ------------------------------------------------------------------------------ cases
def cases(
    user: Actor,
    view: View,
    *,
    states: list[str] | None = None,
    categories: list[str] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    heat: bool = False,
) -> dict[str, Any]:
    """Cases the user may see (``Case.objects.visible_to``), open ones unless ``states`` says
    otherwise; ``categories`` are category codes (a parent code takes its children). ``heat``:
    counts on a fine grid of cells over the period, for the heat map."""
    qs = Case.objects.visible_to(user).filter(lat__isnull=False, lng__isnull=False)
    qs = qs.filter(view.point_q())
    if states:
        qs = qs.filter(state__in=states)
    elif not heat:
        qs = qs.filter(state__in=OPEN_STATES)
    if categories:
        cq = Q(pk__in=[])
        for code in categories:
            cq |= Q(category__code=code) | Q(category__code__startswith=code + ".")
        qs = qs.filter(cq)
    tz = timezone.get_current_timezone()
    if since:
        qs = qs.filter(created_at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=tz))
    if until:
        qs = qs.filter(
            created_at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    if heat:
        rows = cluster_cells(qs, view, lat="lat", lng="lng", px=HEAT_CELL_PX)
        top = max((r["n"] for r in rows), default=0)
        return collection(
            [
                {
                    "type": "Feature",
                    "geometry": _point(r["alat"], r["alng"], view.digits),
                    "properties": {"count": r["n"], "weight": round(r["n"] / top, 3)},
                }
                for r in rows
            ],
            heat=True,
            max=top,
            cell_px=HEAT_CELL_PX,
        )
    overdue = Sum(When_(When(overdue=True, then=1), default=0))
    clusters, n = _maybe_cluster(qs, view, "cases", extra={"overdue": overdue})
    if clusters is not None:
        return collection(clusters, clustered=True, total=n)
    labels = dict(State.choices)
    found = qs.select_related("category").order_by("-created_at", "-id")[:MAX_POINTS]
    return collection(
        [
            {
                "type": "Feature",
                "id": c.pk,
                "geometry": _point(c.lat, c.lng, view.digits),  # type: ignore[arg-type]
                "properties": {
                    "kind": "case",
                    "ref": c.ref,
                    "state": c.state,
                    "state_label": labels.get(c.state, c.state),
                    "category": c.category.code,
                    "category_label": c.category.name,
                    "priority": c.priority,
                    "overdue": c.overdue,
                    "summary": c.description[:60],
                    "reported": clock.local(c.created_at).strftime("%Y-%m-%d %H:%M"),
                    "url": f"/cases/{c.pk}/",
                },
            }
            for c in found
        ]
    )


# ------------------------------------------------------------------------------ care
def care(user: Actor, view: View) -> dict[str, Any]:
    """Care households by building: how many, and of which kinds. Only for users with care
    scope (``CareTag.objects.visible_to``); positions are the building's, never a dwelling's.
    Every answer (even an empty one) is written to the audit log."""
    if not scope_for(user).care_paths:
        audit.record(
            actor=user, action="map_care_view", result="denied", detail={"reason": "no care scope"}
        )
        from tongxin.core.errors import Forbidden

        raise Forbidden(_("您的职务不能查看关爱对象分布"), code=MapCode.CARE_NOT_ALLOWED)
    tags = (
        CareTag.objects.visible_to(user)
        .filter(in_force_q(), person__is_active=True)
        .values_list("person__place_path", "person__household_id", "person_id", "kind")
    )
    rows = list(tags)
    where = selectors._building_of({r[0] for r in rows if r[0]})
    labels = {kind: str(label) for kind, label in CareKind.choices}
    per_building: dict[int, dict[str, Any]] = {}
    for path, household, person, kind in rows:
        b = where.get(path)
        if b is None:
            continue
        lat, lng = b.centroid_lat or 0.0, b.centroid_lng or 0.0
        if not (view.south <= lat <= view.north and view.west <= lng <= view.east):
            continue
        entry = per_building.setdefault(
            b.pk, {"b": b, "households": set(), "persons": set(), "kinds": Counter()}
        )
        entry["households"].add(household or f"p{person}")
        if person not in entry["persons"]:
            entry["persons"].add(person)
        entry["kinds"][labels.get(kind, kind)] += 1
    features: list[dict[str, Any]] = []
    for pk, e in sorted(per_building.items()):
        b = e["b"]
        features.append(
            {
                "type": "Feature",
                "id": pk,
                "geometry": _point(b.centroid_lat, b.centroid_lng, min(view.digits, 5)),
                "properties": {
                    "kind": "care",
                    "building": b.name,
                    "households": len(e["households"]),
                    "persons": len(e["persons"]),
                    "kinds": dict(e["kinds"].most_common()),
                },
            }
        )
    audit.record(
        actor=user,
        action="map_care_view",
        detail={
            "bbox": [view.west, view.south, view.east, view.north],
            "buildings": len(features),
            "households": sum(f["properties"]["households"] for f in features),
        },
    )
    return collection(features)


def layer(user: Actor, name: str, view: View, **options: Any) -> dict[str, Any]:
    if name == "grids":
        return grids(user, view)
    if name == "estates":
        return estates(user, view)
    if name == "buildings":
        return buildings(user, view)
    if name == "pois":
        return pois(user, view, options.get("kinds"))
    if name == "facilities":
        return facilities(user, view, options.get("kinds"))
    if name == "cases":
        return cases(
            user,
            view,
            states=options.get("states"),
            categories=options.get("categories"),
            since=options.get("since"),
            until=options.get("until"),
            heat=bool(options.get("heat")),
        )
    if name == "care":
        return care(user, view)
    from tongxin.core.errors import NotFound

    raise NotFound(_("没有名为 {name} 的图层").format(name=name))
