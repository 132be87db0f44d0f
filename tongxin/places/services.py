"""Writes to the place tree."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.core.errors import ValidationFailed, field_errors

from . import geo
from .models import AREA_KINDS, KIND_ORDER, POINT_KINDS, Place, PlaceKind


def apply_geometry(place: Place, geojson: dict[str, Any] | None) -> None:
    """Validate ``geojson`` for the place's kind and set it with its derived figures."""
    if geojson is None:
        place.geometry = None
        place.centroid_lat = place.centroid_lng = None
        place.min_lat = place.min_lng = place.max_lat = place.max_lng = None
        return
    allowed = geo.AREA_TYPES if place.kind in AREA_KINDS else geo.POINT_TYPES
    if place.kind not in AREA_KINDS | POINT_KINDS:
        allowed = geo.POINT_TYPES
    try:
        shape = geo.parse_geometry(geojson, allowed=allowed)
    except ValidationError as exc:
        raise ValidationFailed(
            exc.messages[0], fields=field_errors({"geometry": exc.messages})
        ) from None
    d = geo.derive(shape)
    place.geometry = geojson
    place.centroid_lat, place.centroid_lng = d.centroid_lat, d.centroid_lng
    place.min_lat, place.min_lng, place.max_lat, place.max_lng = (
        d.min_lat,
        d.min_lng,
        d.max_lat,
        d.max_lng,
    )


def _check_kind(parent: Place | None, kind: str) -> None:
    if kind not in KIND_ORDER:
        raise ValidationFailed(_("未知的地点类型：{kind}").format(kind=kind))
    if parent is not None and KIND_ORDER.index(kind) <= KIND_ORDER.index(parent.kind):
        raise ValidationFailed(
            _("{kind_label}下不能建立{label}").format(
                kind_label=parent.kind_label, label=PlaceKind(kind).label
            )
        )


@transaction.atomic
def place_create(
    *,
    actor: Actor | None,
    parent: Place | None,
    kind: str,
    code: str,
    name: str,
    geometry: dict[str, Any] | None = None,
    address: str = "",
    attributes: dict[str, Any] | None = None,
) -> Place:
    _check_kind(parent, kind)
    if Place.objects.filter(code=code).exists():
        raise ValidationFailed(
            _("编码 {code} 已被使用").format(code=code),
            fields=field_errors({"code": _("编码已存在")}),
        )
    place = Place(kind=kind, code=code, name=name, address=address, attributes=attributes or {})
    apply_geometry(place, geometry)
    created = (
        Place.objects.add_child(parent, instance=place)
        if parent
        else Place.objects.add_root(instance=place)
    )
    if geometry is not None:
        transaction.on_commit(_geometry_changed)
    return created


@transaction.atomic
def place_set_geometry(
    *, actor: Actor | None, place: Place, geometry: dict[str, Any] | None
) -> Place:
    locked = Place.objects.select_for_update().get(pk=place.pk)
    apply_geometry(locked, geometry)
    locked.save(
        update_fields=[
            "geometry",
            "centroid_lat",
            "centroid_lng",
            "min_lat",
            "min_lng",
            "max_lat",
            "max_lng",
            "updated_at",
        ]
    )
    transaction.on_commit(_geometry_changed)
    return locked


def _geometry_changed() -> None:
    from .geoindex import invalidate

    invalidate()
