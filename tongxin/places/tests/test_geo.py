"""Geometry validation, derived figures, point resolution and coordinate conversion."""

import pytest

from tongxin.core.errors import ValidationFailed
from tongxin.places import geo
from tongxin.places.geoindex import invalidate, resolve_point
from tongxin.places.models import Place
from tongxin.places.services import place_create, place_set_geometry

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[114.0, 31.0], [114.001, 31.0], [114.001, 31.001], [114.0, 31.001], [114.0, 31.0]]
    ],
}
BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[114.0, 31.0], [114.001, 31.001], [114.001, 31.0], [114.0, 31.001], [114.0, 31.0]]
    ],
}


def test_area_needs_a_valid_polygon(db):
    with pytest.raises(ValidationFailed, match="几何数据无效"):
        place_create(actor=None, parent=None, kind="street", code="X1", name="x", geometry=BOWTIE)
    with pytest.raises(ValidationFailed, match="几何类型应为"):
        place_create(
            actor=None,
            parent=None,
            kind="street",
            code="X2",
            name="x",
            geometry={"type": "Point", "coordinates": [114.0, 31.0]},
        )
    with pytest.raises(ValidationFailed, match="经纬度范围"):
        place_create(
            actor=None,
            parent=None,
            kind="street",
            code="X3",
            name="x",
            geometry={
                "type": "Polygon",
                "coordinates": [[[200, 31], [201, 31], [201, 32], [200, 31]]],
            },
        )
    assert not Place.objects.filter(code__in=["X1", "X2", "X3"]).exists()


def test_child_kind_must_be_below_parent(db):
    street = place_create(actor=None, parent=None, kind="street", code="S-T", name="街道")
    grid = place_create(actor=None, parent=street, kind="grid", code="G-T", name="网格")
    with pytest.raises(ValidationFailed):
        place_create(actor=None, parent=grid, kind="community", code="C-T", name="社区")


def test_derived_centroid_and_bbox(db):
    p = place_create(
        actor=None, parent=None, kind="street", code="S-D", name="街道", geometry=SQUARE
    )
    assert p.min_lat == 31.0 and p.max_lng == pytest.approx(114.001)
    assert p.min_lat < p.centroid_lat < p.max_lat
    assert 10_000 < geo.area_m2(geo.parse_geometry(SQUARE, allowed=geo.AREA_TYPES)) < 11_000
    place_set_geometry(actor=None, place=p, geometry=None)
    p.refresh_from_db()
    assert p.centroid_lat is None


def test_point_resolves_to_grid_estate_and_nearest_building(demo):
    invalidate()
    building = Place.objects.filter(kind="building", path__prefix=demo.grid(2).path).first()
    r = resolve_point(building.centroid_lat + 0.00005, building.centroid_lng)
    assert r.grid == demo.grid(2)
    assert r.building == building
    assert r.estate is not None and building.path.startswith(r.estate.path)
    assert r.building_distance_m < 10


def test_point_outside_every_grid_resolves_to_nothing(demo):
    invalidate()
    r = resolve_point(0.0, 0.0)
    assert (r.grid, r.estate, r.building) == (None, None, None)


def test_every_demo_building_lies_in_its_own_grid(demo):
    """The demo grids tile the community, and buildings sit inside their grid's polygon."""
    invalidate()
    for b in Place.objects.filter(kind="building")[:40]:
        r = resolve_point(b.centroid_lat, b.centroid_lng)
        assert r.grid is not None and b.path.startswith(r.grid.path), b.code


def test_gcj02_round_trip_within_a_metre():
    lat, lng = 30.925, 113.915
    glat, glng = geo.wgs84_to_gcj02(lat, lng)
    assert geo.distance_m(lat, lng, glat, glng) > 100  # the offset is real
    back = geo.gcj02_to_wgs84(glat, glng)
    assert geo.distance_m(lat, lng, *back) < 1
