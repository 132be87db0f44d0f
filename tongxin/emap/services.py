"""Editing the map: grid and estate outlines, building points, POI and facility positions.

The rules, checked before anything is written (and reported for existing data by
``check_community``):

- the grids of one community may not overlap (sharing a border is fine), nor the estates of
  one grid;
- every building must fall inside its grid, and inside its estate when it has one.

A refused edit answers 422 with one ``fields`` row per problem and each problem in full in
``context.problems`` (the other grid, or each building left outside). After an edit the
point-in-grid index is rebuilt
(``geoindex.invalidate``) and an audit row records who moved what.

Coordinates are WGS-84; a client working in GCJ-02 (Gaode/Tencent) sends ``crs="gcj02"`` and
the coordinates are converted here, at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from tongxin.core import audit
from tongxin.core.actors import Actor
from tongxin.core.errors import Forbidden, NotFound, ValidationFailed
from tongxin.places import geo
from tongxin.places.models import Facility, Place, PointOfInterest
from tongxin.places.services import place_set_geometry

from . import selectors
from .errors import MapCode

# Overlaps smaller than this (float noise along a shared border) are not overlaps.
OVERLAP_TOLERANCE_M2 = 1.0


def to_wgs84(geometry: dict[str, Any], crs: str) -> dict[str, Any]:
    """The geometry with GCJ-02 coordinates converted to WGS-84 (unchanged for wgs84)."""
    if crs == "wgs84":
        return geometry
    if crs != "gcj02":
        raise ValidationFailed(
            _("坐标系应为 wgs84 或 gcj02"),
            fields=[{"field": "crs", "reason": _("应为 wgs84 或 gcj02")}],
        )

    def conv(c: Any) -> Any:
        if c and isinstance(c[0], (int, float)):
            lat, lng = geo.gcj02_to_wgs84(float(c[1]), float(c[0]))
            return [lng, lat]
        return [conv(x) for x in c]

    if not isinstance(geometry, dict) or "coordinates" not in geometry:
        return geometry  # parse_geometry names the problem
    return {"type": geometry.get("type"), "coordinates": conv(geometry["coordinates"])}


@dataclass
class Problem:
    """One broken rule: what, where, and a sentence for the user."""

    code: str  # overlap | building_outside_grid | building_outside_estate
    place_id: int
    place_name: str
    other_id: int | None
    other_name: str
    message: str
    area_m2: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "place_id": self.place_id,
            "place": self.place_name,
            "other_id": self.other_id,
            "other": self.other_name,
            "message": self.message,
            "area_m2": self.area_m2,
        }


@dataclass
class Report:
    community_id: int
    community: str
    grids: int
    estates: int
    buildings: int
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "community_id": self.community_id,
            "community": self.community,
            "checked": {"grids": self.grids, "estates": self.estates, "buildings": self.buildings},
            "ok": not self.problems,
            "overlaps": [p.as_dict() for p in self.problems if p.code == "overlap"],
            "buildings_outside": [p.as_dict() for p in self.problems if p.code != "overlap"],
        }


def _overlaps(
    place: Place, geom: BaseGeometry, siblings: list[tuple[Place, BaseGeometry]]
) -> list[Problem]:
    out = []
    for other, og in siblings:
        if other.pk == place.pk or not geom.intersects(og):
            continue
        area = geo.area_m2(geom.intersection(og))
        if area > OVERLAP_TOLERANCE_M2:
            out.append(
                Problem(
                    "overlap",
                    place.pk,
                    place.name,
                    other.pk,
                    other.name,
                    _("{name}与{other}重叠约 {area:.0f} 平方米").format(
                        name=place.name, other=other.name, area=area
                    ),
                    round(area, 1),
                )
            )
    return out


def _outside(area: Place, geom: BaseGeometry, buildings: list[Place]) -> list[Problem]:
    code = "building_outside_grid" if area.kind == "grid" else "building_outside_estate"
    where = _("网格") if area.kind == "grid" else _("小区")
    out = []
    for b in buildings:
        if b.centroid_lat is None or b.centroid_lng is None:
            continue
        if not geom.covers(Point(b.centroid_lng, b.centroid_lat)):
            out.append(
                Problem(
                    code,
                    b.pk,
                    b.name,
                    area.pk,
                    area.name,
                    _("{name}不在所属{where}（{area}）范围内").format(
                        name=b.name, where=where, area=area.name
                    ),
                )
            )
    return out


def _shape(place: Place) -> BaseGeometry | None:
    return shape(place.geometry) if place.geometry else None


def _siblings(place: Place) -> list[tuple[Place, BaseGeometry]]:
    """Areas of the same kind under the same community (grids) or grid (estates)."""
    container_kind = "community" if place.kind == "grid" else "grid"
    container = Place.objects.filter(path__in=place.ancestor_paths(), kind=container_kind).first()
    if container is None:
        return []
    qs = Place.objects.under(container).filter(kind=place.kind, geometry__isnull=False)
    return [(p, shape(p.geometry)) for p in qs.exclude(pk=place.pk)]


def problems_for_area(place: Place, geom: BaseGeometry) -> list[Problem]:
    """What would be wrong with ``place`` (a grid or an estate) drawn as ``geom``."""
    problems = _overlaps(place, geom, _siblings(place))
    buildings = list(Place.objects.under(place).filter(kind="building"))
    problems += _outside(place, geom, buildings)
    return problems


def problems_for_building(building: Place, pt: BaseGeometry) -> list[Problem]:
    out = []
    for area in Place.objects.filter(
        path__in=building.ancestor_paths(), kind__in=("grid", "estate")
    ):
        g = _shape(area)
        if g is not None:
            moved = Place(pk=building.pk, name=building.name, kind="building")
            moved.centroid_lat, moved.centroid_lng = pt.y, pt.x
            out += _outside(area, g, [moved])
    return out


def check_community(community: Place) -> Report:
    """Every rule checked over a community's grids, estates and buildings as they are."""
    areas = list(
        Place.objects.under(community).filter(kind__in=("grid", "estate"), geometry__isnull=False)
    )
    buildings = list(Place.objects.under(community).filter(kind="building"))
    shapes = {a.pk: shape(a.geometry) for a in areas}
    grids = [(a, shapes[a.pk]) for a in areas if a.kind == "grid"]
    problems: list[Problem] = []
    seen: set[tuple[int, int]] = set()
    for a, g in grids:
        for p in _overlaps(a, g, grids):
            key = tuple(sorted((p.place_id, p.other_id or 0)))
            if key not in seen:
                seen.add(key)  # type: ignore[arg-type]
                problems.append(p)
    by_grid: dict[str, list[tuple[Place, BaseGeometry]]] = {}
    for a in areas:
        if a.kind == "estate":
            grid_path = next((g.path for g, _ in grids if a.path.startswith(g.path)), "")
            by_grid.setdefault(grid_path, []).append((a, shapes[a.pk]))
    for estates in by_grid.values():
        for a, g in estates:
            for p in _overlaps(a, g, estates):
                key = tuple(sorted((p.place_id, p.other_id or 0)))
                if key not in seen:
                    seen.add(key)  # type: ignore[arg-type]
                    problems.append(p)
    for a in areas:
        inside = [b for b in buildings if b.path.startswith(a.path)]
        problems += _outside(a, shapes[a.pk], inside)
    return Report(
        community.pk,
        community.name,
        len(grids),
        len(areas) - len(grids),
        len(buildings),
        problems,
    )


def _refuse(problems: list[Problem]) -> ValidationFailed:
    first = problems[0].message
    more = _("等 {n_problems} 处问题").format(n_problems=len(problems)) if len(problems) > 1 else ""
    return ValidationFailed(
        _("无法保存：{problem}{more}").format(problem=first, more=more),
        code=MapCode.GEOMETRY_RULES,
        fields=[{"field": "geometry", "reason": p.message} for p in problems],
        context={"problems": [p.as_dict() for p in problems]},
    )


def _editable(actor: Actor, place_id: int) -> Place:
    """The place if the actor may see it on the map; 403 if they may see but not edit."""
    place = selectors.access_map_place(actor, place_id)
    if not selectors.may_edit(actor, place):
        raise Forbidden(
            _("只有社区书记、主任或系统管理员可以修改地图"), code=MapCode.MAP_EDIT_NOT_ALLOWED
        )
    return place


@transaction.atomic
def place_geometry_edit(
    *,
    actor: Actor,
    place_id: int,
    geometry: dict[str, Any],
    crs: str = "wgs84",
    dry_run: bool = False,
) -> dict[str, Any]:
    """Set a grid's or estate's outline, or a building's point, after checking the rules.

    ``dry_run`` checks and answers without saving (the editor shows problems while drawing).
    """
    place = _editable(actor, place_id)
    if place.kind not in selectors.EDITABLE_KINDS:
        raise ValidationFailed(
            _("{kind_label}没有可在地图上编辑的几何").format(kind_label=place.kind_label),
            fields=[{"field": "place", "reason": _("只能编辑网格、小区的范围和楼栋的位置")}],
        )
    geometry = to_wgs84(geometry, crs)
    allowed = geo.AREA_TYPES if place.kind in ("grid", "estate") else geo.POINT_TYPES
    try:
        geom = geo.parse_geometry(geometry, allowed=allowed)
    except ValidationError as exc:
        raise ValidationFailed(
            exc.messages[0], fields=[{"field": "geometry", "reason": exc.messages[0]}]
        ) from None
    if place.kind == "building":
        problems = problems_for_building(place, geom)
    else:
        problems = problems_for_area(place, geom)
    if problems:
        raise _refuse(problems)
    if dry_run:
        return {"id": place.pk, "saved": False, "ok": True}
    before = Place.objects.filter(pk=place.pk).values_list("geometry", flat=True).first()
    # The place service locks the row, derives centroid and bounds, and rebuilds the point
    # index after the commit.
    locked = place_set_geometry(actor=actor, place=place, geometry=geometry)
    audit.record(
        actor=actor,
        action="map_geometry_edit",
        obj=locked,
        detail={
            "kind": locked.kind,
            "name": locked.name,
            "crs": crs,
            "before": before,
            "after": geometry,
        },
    )
    return {"id": locked.pk, "saved": True, "ok": True}


FEATURE_MODELS: dict[str, Any] = {"poi": PointOfInterest, "facility": Facility}


@transaction.atomic
def feature_move(
    *, actor: Actor, kind: str, feature_id: int, lat: float, lng: float, crs: str = "wgs84"
) -> dict[str, Any]:
    """Move a POI or a facility. It must stay inside the estate (or other area) it belongs to."""
    model = FEATURE_MODELS.get(kind)
    if model is None:
        raise NotFound()
    feature = model.objects.select_related("place").filter(pk=feature_id).first()
    if feature is None:
        raise NotFound()
    owner = selectors.access_map_place(actor, feature.place_id)
    if not selectors.may_edit(actor, owner):
        raise Forbidden(
            _("只有社区书记、主任或系统管理员可以修改地图"), code=MapCode.MAP_EDIT_NOT_ALLOWED
        )
    if crs == "gcj02":
        lat, lng = geo.gcj02_to_wgs84(lat, lng)
    elif crs != "wgs84":
        raise ValidationFailed(
            _("坐标系应为 wgs84 或 gcj02"),
            fields=[{"field": "crs", "reason": _("应为 wgs84 或 gcj02")}],
        )
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationFailed(
            _("坐标超出经纬度范围"), fields=[{"field": "lat", "reason": _("超出范围")}]
        )
    area = _shape(owner)
    if (
        area is not None
        and owner.kind in ("grid", "estate", "community")
        and not area.covers(Point(lng, lat))
    ):
        raise ValidationFailed(
            _("{name}不能移出所属的{owner}").format(name=feature.name, owner=owner.name),
            code=MapCode.GEOMETRY_RULES,
            fields=[
                {"field": "geometry", "reason": _("新位置不在{name}范围内").format(name=owner.name)}
            ],
        )
    locked = model.objects.select_for_update().get(pk=feature.pk)
    before = [locked.lat, locked.lng]
    locked.lat, locked.lng = lat, lng
    locked.save(update_fields=["lat", "lng", "updated_at"])
    audit.record(
        actor=actor,
        action="map_feature_move",
        obj=locked,
        detail={"name": locked.name, "before": before, "after": [lat, lng], "crs": crs},
    )
    return {"id": locked.pk, "saved": True, "lat": round(lat, 7), "lng": round(lng, 7)}
