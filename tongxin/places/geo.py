"""Geometry: GeoJSON in, validated shapely shapes out, and the figures we keep beside them.

Coordinates are WGS-84 longitude/latitude (GeoJSON order). GCJ-02 coordinates from Gaode or
Tencent are converted at the edges with ``gcj02_to_wgs84``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

AREA_TYPES = ("Polygon", "MultiPolygon")
POINT_TYPES = ("Point",)

# Metres per degree near the community; good enough for areas and walking distances.
EARTH_RADIUS_M = 6_371_008.8


def parse_geometry(geojson: Any, *, allowed: tuple[str, ...]) -> BaseGeometry:
    """Validate a GeoJSON geometry and return it as a shapely shape."""
    if not isinstance(geojson, dict) or "type" not in geojson:
        raise ValidationError(_("几何数据应为 GeoJSON 对象"), code="geometry_format")
    if geojson["type"] not in allowed:
        names = "、".join(allowed)
        raise ValidationError(
            _("几何类型应为 {allowed}，而不是 {given}").format(
                allowed=names, given=geojson["type"]
            ),
            code="geometry_type",
        )
    try:
        geom = shape(geojson)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise ValidationError(
            _("GeoJSON 无法解析：{exc}").format(exc=exc), code="geometry_format"
        ) from None
    if geom.is_empty:
        raise ValidationError(_("几何数据为空"), code="geometry_empty")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValidationError(
            _("坐标超出经纬度范围（应为 WGS-84 经度、纬度）"), code="geometry_range"
        )
    if not geom.is_valid:
        raise ValidationError(
            _("几何数据无效：{reason}").format(reason=explain_validity(geom)),
            code="geometry_invalid",
        )
    return geom


@dataclass(frozen=True)
class Derived:
    centroid_lat: float
    centroid_lng: float
    min_lat: float
    min_lng: float
    max_lat: float
    max_lng: float


def derive(geom: BaseGeometry) -> Derived:
    c = geom.representative_point() if geom.geom_type in AREA_TYPES else geom.centroid
    minx, miny, maxx, maxy = geom.bounds
    return Derived(c.y, c.x, miny, minx, maxy, maxx)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def area_m2(geom: BaseGeometry) -> float:
    """Approximate area in square metres (equirectangular projection at the centroid)."""
    from shapely.affinity import scale

    lat = geom.centroid.y
    kx = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(lat))
    ky = math.radians(1) * EARTH_RADIUS_M
    return float(scale(geom, xfact=kx, yfact=ky, origin=(0, 0)).area)


# GCJ-02 ("Mars coordinates") to WGS-84, the usual iterative inverse of the published forward
# transform. Outside China GCJ-02 equals WGS-84.
_A = 6378245.0
_EE = 0.00669342162296594323


def _out_of_china(lat: float, lng: float) -> bool:
    return not (73.66 < lng < 135.05 and 3.86 < lat < 53.55)


def _transform_lat(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _transform_lng(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    if _out_of_china(lat, lng):
        return lat, lng
    dlat = _transform_lat(lng - 105.0, lat - 35.0)
    dlng = _transform_lng(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lat + dlat, lng + dlng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """Invert ``wgs84_to_gcj02`` by fixed-point iteration (error well under a metre)."""
    wlat, wlng = lat, lng
    for _step in range(10):
        glat, glng = wgs84_to_gcj02(wlat, wlng)
        wlat, wlng = wlat - (glat - lat), wlng - (glng - lng)
    return wlat, wlng
