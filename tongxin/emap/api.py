"""The e-map's API: GeoJSON layers, the search box, the life circle, the panels behind a
click, and the validated edits of outlines and points.

``GET /geo/{layer}`` answers a GeoJSON FeatureCollection (served as ``application/json``),
gzip-compressed when the client accepts it. Everything is limited to what the caller may see.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from typing import Any, Literal

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from tongxin.core.api_support import Text, caller
from tongxin.core.errors import NotFound, ValidationFailed
from tongxin.core.i18n import lazy_str

from . import geojson, selectors, services
from .errors import MapCode

router = Router(tags=["e-map"])

GZIP_MIN_BYTES = 1024


def json_answer(request: HttpRequest, data: Any) -> HttpResponse:
    """Compact JSON, gzipped when the client accepts it and it is worth it."""
    body = json.dumps(
        data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
    ).encode()
    response = HttpResponse(content_type="application/json")
    accepts = request.headers.get("Accept-Encoding", "")
    if "gzip" in accepts and len(body) >= GZIP_MIN_BYTES:
        body = gzip.compress(body, compresslevel=5, mtime=0)
        response["Content-Encoding"] = "gzip"
    response["Vary"] = "Accept-Encoding"
    response.content = body
    response["Content-Length"] = str(len(body))
    return response


def _csv(value: str | None) -> list[str] | None:
    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    return items or None


class LayerQuery(Schema):
    bbox: str | None = None
    zoom: int = 16
    kinds: str | None = None
    states: str | None = None
    categories: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    heat: bool = False


class Hit(Schema):
    kind: str
    id: int
    label: Text
    detail: Text
    lat: float
    lng: float
    bbox: list[float] | None = None
    place_id: int | None = None


class SearchOut(Schema):
    items: list[Hit]


class GeometryIn(Schema):
    geometry: dict[str, Any]
    crs: Literal["wgs84", "gcj02"] = "wgs84"
    dry_run: bool = False


class PositionIn(Schema):
    lat: float
    lng: float
    crs: Literal["wgs84", "gcj02"] = "wgs84"


class SavedOut(Schema):
    id: int
    saved: bool
    ok: bool = True


@router.get("/geo/search", response=SearchOut, summary=lazy_str("地图搜索：地点、设施、居民、诉求"))
def geo_search(request: HttpRequest, q: str = "") -> Any:
    """Places, POIs, residents (placed at their building) and a case by its number, each
    with the position to fly to. Only what the caller may see."""
    if len(q) > 50:
        raise ValidationFailed(
            _("搜索内容过长"), fields=[{"field": "query.q", "reason": _("不能超过 50 个字符")}]
        )
    return {"items": selectors.search(caller(request), q)}


@router.get("/geo/life-circle", summary=lazy_str("15分钟生活圈：附近的服务设施"))
def geo_life_circle(
    request: HttpRequest,
    lat: float | None = None,
    lng: float | None = None,
    place_id: int | None = None,
    crs: Literal["wgs84", "gcj02"] = "wgs84",
    radius: int = selectors.LIFE_CIRCLE_M,
) -> Any:
    """The POIs by kind within walking distance (1 km by default, at most 3 km) of a point,
    or of a dwelling or building the caller may see (their own home included)."""
    user = caller(request)
    if not 100 <= radius <= 3000:
        raise ValidationFailed(
            _("范围应在 100 到 3000 米之间"),
            fields=[{"field": "query.radius", "reason": _("应在 100 到 3000 之间")}],
        )
    label = ""
    if place_id is not None:
        place = selectors.life_circle_origin(user, place_id)
        origin = selectors._building_of({place.path}).get(place.path)
        if origin is None or origin.centroid_lat is None:
            raise ValidationFailed(
                _("该地点没有位置信息"),
                fields=[{"field": "query.place_id", "reason": _("没有位置")}],
            )
        lat, lng = origin.centroid_lat, origin.centroid_lng
        label = place.full_name()
    elif lat is None or lng is None:
        raise ValidationFailed(
            _("请给出位置（lat、lng）或住址（place_id）"),
            fields=[
                {"field": "query.lat", "reason": _("缺少必填项")},
                {"field": "query.lng", "reason": _("缺少必填项")},
            ],
        )
    elif crs == "gcj02":
        lat, lng = selectors.geo.gcj02_to_wgs84(lat, lng)
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):  # type: ignore[operator]
        raise ValidationFailed(
            _("坐标超出经纬度范围"), fields=[{"field": "query.lat", "reason": _("超出范围")}]
        )
    answer = selectors.life_circle(lat, lng, radius_m=radius)  # type: ignore[arg-type]
    answer["origin"] = label
    return json_answer(request, answer)


@router.get("/geo/places/{place_id}/panel", summary=lazy_str("地图点选：网格、小区、楼栋的概况"))
def geo_place_panel(request: HttpRequest, place_id: int) -> Any:
    """A grid's (estate's, building's) figures — households, residents, party members, open
    and overdue cases, counted within the caller's scope — its people in post and, for a
    building, its units and their heads."""
    user = caller(request)
    place = selectors.access_map_place(user, place_id)
    return json_answer(request, selectors.place_panel(user, place))


@router.get("/geo/places/{place_id}/check", summary=lazy_str("检查社区的网格和楼栋数据"))
def geo_check(request: HttpRequest, place_id: int) -> Any:
    """The rules checked over the community of a place: overlapping grids (or estates of one
    grid) and buildings outside their grid or estate. For those who may edit the map there."""
    user = caller(request)
    place = selectors.access_map_place(user, place_id)
    community = selectors.community_of(place)
    if community is None or not selectors.may_edit(user, community):
        from tongxin.core.errors import Forbidden

        raise Forbidden(
            _("只有社区书记、主任或系统管理员可以检查地图数据"), code=MapCode.MAP_EDIT_NOT_ALLOWED
        )
    return json_answer(request, services.check_community(community).as_dict())


@router.post(
    "/geo/places/{place_id}/geometry",
    response=SavedOut,
    summary=lazy_str("修改网格、小区范围或楼栋位置"),
)
def geo_edit_geometry(request: HttpRequest, place_id: int, payload: GeometryIn) -> Any:
    """Checked before saving: grids of a community may not overlap (nor estates of a grid),
    and every building must stay inside its grid and estate. Refusals are 422
    ``GEOMETRY_RULES`` with one ``fields`` row per problem (each in full in
    ``context.problems``). ``dry_run`` only checks."""
    return services.place_geometry_edit(
        actor=caller(request),
        place_id=place_id,
        geometry=payload.geometry,
        crs=payload.crs,
        dry_run=payload.dry_run,
    )


@router.post(
    "/geo/features/{kind}/{feature_id}/position",
    response=SavedOut,
    summary=lazy_str("移动服务设施或公共设施"),
)
def geo_move_feature(request: HttpRequest, kind: str, feature_id: int, payload: PositionIn) -> Any:
    """``kind`` is ``poi`` or ``facility``; the new position must stay inside the area the
    feature belongs to."""
    result = services.feature_move(
        actor=caller(request),
        kind=kind,
        feature_id=feature_id,
        lat=payload.lat,
        lng=payload.lng,
        crs=payload.crs,
    )
    return {"id": result["id"], "saved": True, "ok": True}


@router.get("/geo/{layer}", summary=lazy_str("地图图层（GeoJSON）"))
def geo_layer(request: HttpRequest, layer: str, params: Query[LayerQuery]) -> Any:
    """One layer as a GeoJSON FeatureCollection: ``grids``, ``estates``, ``buildings``,
    ``pois``, ``facilities``, ``cases`` or ``care``.

    ``bbox`` = ``west,south,east,north`` (WGS-84); ``zoom`` (0–22) sets the simplification,
    the coordinate precision and whether points come as clusters (features with
    ``properties.cluster = true`` and a ``count``). ``kinds`` filters POIs/facilities;
    ``states``, ``categories``, ``since``, ``until`` filter cases (open cases by default) and
    ``heat=true`` answers weighted cells for a heat map. ``care`` is for roles that may see
    care tags (403 otherwise) and every answer is audited.
    """
    if layer not in geojson.LAYERS:
        raise NotFound(_("没有名为 {layer} 的图层").format(layer=layer))
    if not 0 <= params.zoom <= 22:
        raise ValidationFailed(
            _("zoom 应在 0 到 22 之间"),
            fields=[{"field": "query.zoom", "reason": _("应在 0 到 22 之间")}],
        )
    view = geojson.View.parse(params.bbox, params.zoom)
    data = geojson.layer(
        caller(request),
        layer,
        view,
        kinds=_csv(params.kinds),
        states=_csv(params.states),
        categories=_csv(params.categories),
        since=params.since,
        until=params.until,
        heat=params.heat,
    )
    return json_answer(request, data)
