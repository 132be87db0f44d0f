"""API schemas for the place tree."""

from __future__ import annotations

from typing import Any

from ninja import Schema

from tongxin.core.api_support import PageMeta, Text


class LatLng(Schema):
    """A WGS-84 position."""

    lat: float
    lng: float


class PlaceRef(Schema):
    """A place named in another answer (breadcrumbs, the level of a responsibility)."""

    id: int
    kind: str
    code: str
    name: str


class PlaceOut(Schema):
    """A place in a list."""

    id: int
    kind: str
    kind_label: Text
    code: str
    name: str
    parent: int | None
    centroid: LatLng | None


class PlaceDetailOut(PlaceOut):
    """One place with its breadcrumb, its children count and its geometry (GeoJSON)."""

    address: str
    full_name: str
    depth: int
    children_count: int
    ancestors: list[PlaceRef]
    geometry: dict[str, Any] | None
    bbox: list[float] | None
    attributes: dict[str, Any]


class PlacePage(PageMeta):
    items: list[PlaceOut]
