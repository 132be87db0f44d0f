"""Resolve a point to the grid, estate and building that contain it.

Grid and estate polygons are loaded once into shapely STRtrees and kept per process. Any
geometry change bumps a version number in the cache; every process compares it before use, so
a change in the web server is seen by the worker too.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.core.cache import cache
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from . import geo
from .models import Place

_VERSION_KEY = "places:geo-version"
BUILDING_SNAP_METRES = 60.0


@dataclass
class _Layer:
    ids: list[int]
    shapes: list[BaseGeometry]
    tree: STRtree | None

    @classmethod
    def load(cls, kind: str) -> _Layer:
        ids: list[int] = []
        shapes: list[BaseGeometry] = []
        rows = Place.objects.filter(kind=kind, geometry__isnull=False).values_list("id", "geometry")
        for pk, geometry in rows.iterator(chunk_size=2000):
            ids.append(pk)
            shapes.append(shape(geometry))
        return cls(ids, shapes, STRtree(shapes) if shapes else None)

    def containing(self, pt: Point) -> list[int]:
        if self.tree is None:
            return []
        return [self.ids[i] for i in self.tree.query(pt, predicate="intersects")]


@dataclass
class _Index:
    version: int
    grids: _Layer
    estates: _Layer


_lock = threading.Lock()
_index: _Index | None = None


def _current_version() -> int:
    return cache.get_or_set(_VERSION_KEY, 1, timeout=None) or 1


def invalidate() -> None:
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 2, timeout=None)


def forget() -> None:
    """Drop this process's index; the next resolution loads it afresh. For the test suite,
    where a geometry change (and its version bump, which lives in the cache) outlives the
    rolled-back transaction that made it."""
    global _index
    with _lock:
        _index = None


def _get_index() -> _Index:
    global _index
    version = _current_version()
    with _lock:
        if _index is None or _index.version != version:
            _index = _Index(version, _Layer.load("grid"), _Layer.load("estate"))
        return _index


@dataclass(frozen=True)
class Resolution:
    grid: Place | None
    estate: Place | None
    building: Place | None
    building_distance_m: float | None


def resolve_point(lat: float, lng: float) -> Resolution:
    """The grid and estate whose polygons contain the point, and the nearest building.

    When grids overlap (they should not; the map editor refuses it) the deepest, then the
    lowest id wins so the answer is stable. The building is the nearest building point in the
    containing estate, or else in the grid, within ``BUILDING_SNAP_METRES``.
    """
    index = _get_index()
    pt = Point(lng, lat)
    grid_ids = sorted(index.grids.containing(pt))
    estate_ids = sorted(index.estates.containing(pt))
    wanted = [*grid_ids[:1], *estate_ids[:1]]
    found = {p.pk: p for p in Place.objects.filter(pk__in=wanted)} if wanted else {}
    grid = found.get(grid_ids[0]) if grid_ids else None
    estate = found.get(estate_ids[0]) if estate_ids else None
    container = estate or grid
    building, best = None, None
    if container is not None:
        d_lat = BUILDING_SNAP_METRES / 111_000
        candidates = Place.objects.under(container).filter(
            kind="building",
            centroid_lat__range=(lat - d_lat, lat + d_lat),
            centroid_lng__range=(lng - 2 * d_lat, lng + 2 * d_lat),
        )
        for b in candidates:
            d = geo.distance_m(lat, lng, b.centroid_lat, b.centroid_lng)
            if d <= BUILDING_SNAP_METRES and (best is None or d < best):
                building, best = b, d
    if grid is None and estate is not None:
        grid = Place.objects.filter(path__in=estate.ancestor_paths(), kind="grid").first()
    return Resolution(grid=grid, estate=estate, building=building, building_distance_m=best)
