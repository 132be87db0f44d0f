"""The e-map's GeoJSON layers, scoped per role; point-in-grid resolution; the geometry rules
(overlapping grids, buildings outside their grid) and the validated edits; the life circle,
search and panels."""

from __future__ import annotations

import gzip
import json

import pytest
from shapely.geometry import Point, shape

from tongxin.cases import services as case_services
from tongxin.core.models import AuditEvent
from tongxin.core.scoping import scope_for
from tongxin.core.tests.matrix_roles import SIGNED_IN_ROLES
from tongxin.emap import geojson, services
from tongxin.emap.geojson import View
from tongxin.orgs.models import Post
from tongxin.places import geoindex
from tongxin.places.models import Place, PointOfInterest

ROLES = SIGNED_IN_ROLES
WHOLE = "113.0,30.0,115.0,32.0"


def layer(demo, role: str, name: str, **params):
    query = {"bbox": WHOLE, "zoom": 18, **params}
    r = demo.client(role).get(f"/api/v1/geo/{name}", query)
    return r


def fc(response):
    assert response.status_code == 200, response.content[:300]
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    return data


def community(demo) -> Place:
    return Place.objects.get(path=demo.grid(1).path[:-4])


def paths_of(user) -> tuple[str, ...]:
    return scope_for(user).place_paths


# ------------------------------------------------------------------ scoping per layer × role
@pytest.mark.parametrize("role", ROLES)
def test_area_and_point_layers_hold_only_what_the_role_may_see(demo, role):
    user = demo.user(role)
    roots = paths_of(user)
    admin = role == "sysadmin"
    grid_paths = {
        p.pk: p.path for p in Place.objects.filter(kind__in=("grid", "estate", "building"))
    }
    for name in ("grids", "estates", "buildings"):
        data = fc(layer(demo, role, name))
        for f in data["features"]:
            path = grid_paths[f["id"]]
            assert admin or any(path.startswith(r) for r in roots), (
                role,
                name,
                f["properties"]["name"],
            )
        if not admin and not roots:
            assert data["features"] == [], (role, name)
    for name, model in (("pois", PointOfInterest), ("facilities", None)):
        data = fc(layer(demo, role, name))
        if not admin and not roots:
            assert data["features"] == []
        if model is PointOfInterest and data["features"]:
            ids = [f["id"] for f in data["features"]]
            paths = PointOfInterest.objects.filter(pk__in=ids).values_list("place_path", flat=True)
            assert admin or all(any(p.startswith(r) for r in roots) for p in paths)


def test_secretary_sees_every_grid_of_the_community_and_grid_workers_their_own(demo):
    grids = set(Place.objects.filter(kind="grid").values_list("pk", flat=True))
    secretary = {f["id"] for f in fc(layer(demo, "secretary", "grids"))["features"]}
    assert secretary == grids and len(grids) == 6
    mine = {f["id"] for f in fc(layer(demo, "grid1", "grids"))["features"]}
    assert mine == {demo.grid(1).pk, demo.grid(4).pk}  # A of grid 1, B of grid 4
    # Labelled with the workers (A and B) and the number each post publishes (its work phone,
    # 电话公开), else the holder's masked number: never a private number in full.
    g1 = next(
        f for f in fc(layer(demo, "secretary", "grids"))["features"] if f["id"] == demo.grid(1).pk
    )
    ranks = {w["rank"] for w in g1["properties"]["workers"]}
    assert {"A", "B"} <= ranks
    published = set(
        Post.objects.filter(place=demo.grid(1), public_contact=True).values_list(
            "public_phone", flat=True
        )
    )
    assert all(
        w["phone"] in published or "*" in w["phone"] or not w["phone"]
        for w in g1["properties"]["workers"]
    )


def _a_case(demo, grid_no: int = 1):
    building = Place.objects.under(demo.grid(grid_no)).filter(kind="building").first()
    return case_services.case_report(
        actor=demo.user("resident"),
        category="env.garbage",
        description="地图测试：垃圾没有清运",
        lat=building.centroid_lat,
        lng=building.centroid_lng,
    )


@pytest.mark.parametrize("role", ROLES)
def test_cases_layer_is_case_visible_to(demo, role):
    from tongxin.cases.models import Case
    from tongxin.cases.workflow import OPEN_STATES

    case = _a_case(demo)
    user = demo.user(role)
    data = fc(layer(demo, role, "cases"))
    shown = {f["id"] for f in data["features"] if not f["properties"].get("cluster")}
    expected = set(
        Case.objects.visible_to(user)
        .filter(state__in=OPEN_STATES, lat__isnull=False)
        .values_list("pk", flat=True)
    )
    assert shown == expected
    assert (case.pk in shown) == (role in ("resident", "grid1", "secretary"))


def test_cases_layer_clusters_when_zoomed_out_and_filters(demo):
    _a_case(demo)
    api = demo.client("secretary")
    near = json.loads(api.get("/api/v1/geo/cases", {"bbox": WHOLE, "zoom": 18}).content)
    total = len(near["features"])
    assert total >= 1
    geojson.CLUSTER_MIN_POINTS, old = 1, geojson.CLUSTER_MIN_POINTS
    try:
        far = json.loads(api.get("/api/v1/geo/cases", {"bbox": WHOLE, "zoom": 12}).content)
    finally:
        geojson.CLUSTER_MIN_POINTS = old
    assert far.get("clustered") and far["total"] == total
    assert sum(f["properties"]["count"] for f in far["features"]) == total
    heat = json.loads(
        api.get("/api/v1/geo/cases", {"bbox": WHOLE, "zoom": 15, "heat": "true"}).content
    )
    assert heat["heat"] and all(0 < f["properties"]["weight"] <= 1 for f in heat["features"])
    only = json.loads(
        api.get("/api/v1/geo/cases", {"bbox": WHOLE, "zoom": 18, "categories": "env"}).content
    )
    assert {f["properties"]["category"].split(".")[0] for f in only["features"]} == {"env"}


def test_care_layer_is_for_care_roles_building_level_and_audited(demo):
    from tongxin.people.models import CareTag

    for role in ("building", "resident", "dept", "sysadmin"):
        r = layer(demo, role, "care")
        assert r.status_code == 403, role
    before = AuditEvent.objects.filter(action="map_care_view").count()
    grid1 = demo.user("grid1")
    data = fc(layer(demo, "grid1", "care"))
    assert AuditEvent.objects.filter(action="map_care_view", actor=grid1).count() >= 1
    assert AuditEvent.objects.filter(action="map_care_view").count() > before
    buildings = {b.pk: b for b in Place.objects.filter(kind="building")}
    mine = scope_for(grid1).care_paths
    assert data["features"], "grid1 has care households in their grids"
    for f in data["features"]:
        b = buildings[f["id"]]  # every feature is a building, placed at the building
        assert f["geometry"]["coordinates"] == [round(b.centroid_lng, 5), round(b.centroid_lat, 5)]
        assert any(b.path.startswith(p) for p in mine), "a care household outside grid1's grids"
        assert "name" not in json.dumps(f["properties"]), "no names on the care layer"
    # The secretary sees the whole community's care households.
    secretary = fc(layer(demo, "secretary", "care"))
    total = sum(f["properties"]["households"] for f in secretary["features"])
    assert total > sum(f["properties"]["households"] for f in data["features"])
    assert CareTag.objects.exists()


def test_layers_filter_by_bbox_simplify_and_round(demo):
    g1 = demo.grid(1)
    x, y, d = g1.centroid_lng, g1.centroid_lat, 0.0001
    bbox = f"{x - d},{y - d},{x + d},{y + d}"
    data = fc(demo.client("secretary").get("/api/v1/geo/grids", {"bbox": bbox, "zoom": 17}))
    assert [f["id"] for f in data["features"]] == [g1.pk]
    far = fc(demo.client("secretary").get("/api/v1/geo/grids", {"bbox": WHOLE, "zoom": 10}))
    coords = far["features"][0]["geometry"]["coordinates"][0][0]
    assert all(len(str(c).split(".")[-1]) <= 4 for c in coords)
    hidden = fc(demo.client("secretary").get("/api/v1/geo/buildings", {"bbox": WHOLE, "zoom": 12}))
    assert hidden["features"] == [] and hidden["hidden"] == "zoom"


def test_layer_answers_are_gzipped_when_accepted(demo):
    c = demo.client("secretary")
    r = c.get("/api/v1/geo/grids", {"bbox": WHOLE, "zoom": 16}, HTTP_ACCEPT_ENCODING="gzip, br")
    assert r["Content-Encoding"] == "gzip"
    data = json.loads(gzip.decompress(r.content))
    assert len(data["features"]) == 6


def test_bad_layer_and_bbox_are_refused_clearly(demo):
    c = demo.client("secretary")
    assert c.get("/api/v1/geo/people").status_code == 404
    r = c.get("/api/v1/geo/grids", {"bbox": "1,2,3"})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "query.bbox"
    r = c.get("/api/v1/geo/grids", {"zoom": 40})
    assert r.status_code == 422
    assert demo.client("secretary").get("/api/v1/geo/grids").status_code == 200  # whole world
    from django.test import Client

    assert Client().get("/api/v1/geo/grids").status_code == 401


# ------------------------------------------------------------------ point-in-grid resolution
def test_point_in_grid_resolution_follows_the_polygons_and_an_edit(demo):
    geoindex.invalidate()
    for n in range(1, 7):
        g = demo.grid(n)
        assert geoindex.resolve_point(g.centroid_lat, g.centroid_lng).grid == g
    g1 = demo.grid(1)
    building = Place.objects.under(g1).filter(kind="building").first()
    r = geoindex.resolve_point(building.centroid_lat, building.centroid_lng)
    assert r.grid == g1 and r.building == building
    assert geoindex.resolve_point(0.0, 0.0).grid is None
    # Move grid 1 far away (no buildings are checked here: the index is what is tested).
    Place.objects.filter(pk=g1.pk).update(
        geometry={
            "type": "Polygon",
            "coordinates": [[[1, 1], [1.01, 1], [1.01, 1.01], [1, 1.01], [1, 1]]],
        }
    )
    geoindex.invalidate()
    assert geoindex.resolve_point(1.005, 1.005).grid == g1
    # The old area is no longer in grid 1's polygon (the estate still names its grid).
    index = geoindex._get_index()
    assert g1.pk not in index.grids.containing(Point(building.centroid_lng, building.centroid_lat))


# ------------------------------------------------------------------ polygon rules and edits
def _ring(geom):
    return geom["coordinates"][0]


def grown(place: Place, by: float) -> dict:
    g = shape(place.geometry).buffer(by, join_style=2)
    return {"type": "Polygon", "coordinates": [[list(c) for c in g.exterior.coords]]}


def test_demo_community_passes_the_check(demo):
    report = services.check_community(community(demo))
    assert report.problems == [], [p.message for p in report.problems]
    assert report.grids == 6 and report.buildings > 100


def test_overlapping_grid_is_refused_with_the_other_grid_named(demo):
    g1, g2 = demo.grid(1), demo.grid(2)
    r = demo.api("secretary").post(
        f"/api/v1/geo/places/{g1.pk}/geometry",
        data=json.dumps({"geometry": grown(g1, 0.0005)}),
        content_type="application/json",
    )
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "GEOMETRY_RULES"
    overlaps = [d for d in body["context"]["problems"] if d["code"] == "overlap"]
    assert g2.pk in {d["other_id"] for d in overlaps}
    assert "重叠" in body["message"]
    g1.refresh_from_db()
    assert g1.geometry != grown(g1, 0.0005)


def test_shrinking_a_grid_reports_the_buildings_left_outside(demo):
    g1 = demo.grid(1)
    small = grown(g1, -0.0006)
    outside = [
        b
        for b in Place.objects.under(g1).filter(kind="building")
        if not shape(small).covers(Point(b.centroid_lng, b.centroid_lat))
    ]
    assert outside
    r = demo.client("secretary").post(
        f"/api/v1/geo/places/{g1.pk}/geometry",
        data=json.dumps({"geometry": small}),
        content_type="application/json",
    )
    assert r.status_code == 422
    reported = {
        d["place_id"]
        for d in r.json()["context"]["problems"]
        if d["code"] == "building_outside_grid"
    }
    assert reported == {b.pk for b in outside}


def test_check_reports_existing_problems(demo):
    g1 = demo.grid(1)
    b = Place.objects.under(g1).filter(kind="building").first()
    Place.objects.filter(pk=b.pk).update(centroid_lat=b.centroid_lat + 0.05)
    Place.objects.filter(pk=demo.grid(2).pk).update(geometry=grown(demo.grid(2), 0.0008))
    r = demo.client("secretary").get(f"/api/v1/geo/places/{g1.pk}/check")
    assert r.status_code == 200
    report = r.json()
    assert not report["ok"]
    assert b.pk in {p["place_id"] for p in report["buildings_outside"]}
    assert report["overlaps"]
    assert demo.client("grid1").get(f"/api/v1/geo/places/{g1.pk}/check").status_code == 403


def test_valid_edit_saves_audits_and_rebuilds_the_index(demo, django_capture_on_commit_callbacks):
    g1 = demo.grid(1)
    geoindex.invalidate()
    geoindex.resolve_point(g1.centroid_lat, g1.centroid_lng)
    version = geoindex._current_version()
    # Shrink the grid's free border slightly: every building stays inside.
    buildings = [
        Point(b.centroid_lng, b.centroid_lat)
        for b in Place.objects.under(g1).filter(kind="building")
    ]
    smaller = grown(g1, -0.00002)
    assert all(shape(smaller).covers(p) for p in buildings)
    with django_capture_on_commit_callbacks(execute=True):
        r = demo.client("sysadmin").post(
            f"/api/v1/geo/places/{g1.pk}/geometry",
            data=json.dumps({"geometry": smaller}),
            content_type="application/json",
        )
    assert r.status_code == 200, r.content
    assert r.json()["saved"] is True
    g1.refresh_from_db()
    assert g1.geometry == smaller and g1.min_lat > shape(grown(g1, 0.00002)).bounds[1] - 1e-9
    assert geoindex._current_version() > version
    event = AuditEvent.objects.filter(action="map_geometry_edit").latest("seq")
    assert event.object_id == str(g1.pk) and event.actor == demo.user("sysadmin")


def test_gcj02_edits_are_converted_at_the_edge(demo):
    from tongxin.places import geo

    g1 = demo.grid(1)
    building = Place.objects.under(g1).filter(kind="building").first()
    glat, glng = geo.wgs84_to_gcj02(building.centroid_lat + 0.00001, building.centroid_lng)
    r = demo.client("secretary").post(
        f"/api/v1/geo/places/{building.pk}/geometry",
        data=json.dumps(
            {"geometry": {"type": "Point", "coordinates": [glng, glat]}, "crs": "gcj02"}
        ),
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    building.refresh_from_db()
    assert abs(building.centroid_lat - (building.centroid_lat)) < 1e-6
    assert building.geometry["coordinates"][1] == pytest.approx(building.centroid_lat, abs=1e-9)
    assert (
        geo.distance_m(building.centroid_lat, building.centroid_lng, glat, glng) > 100
    )  # GCJ shift
    # A building moved out of its grid is refused.
    r = demo.client("secretary").post(
        f"/api/v1/geo/places/{building.pk}/geometry",
        data=json.dumps(
            {
                "geometry": {
                    "type": "Point",
                    "coordinates": [building.centroid_lng + 0.05, building.centroid_lat],
                }
            }
        ),
        content_type="application/json",
    )
    assert (
        r.status_code == 422
        and r.json()["context"]["problems"][0]["code"] == "building_outside_grid"
    )


def test_who_may_edit(demo):
    g1 = demo.grid(1)
    body = json.dumps({"geometry": g1.geometry, "dry_run": True})
    for role, status in (
        ("secretary", 200),
        ("sysadmin", 200),
        ("grid1", 403),
        ("building", 403),  # sees grid 1 by name (its building is in it)
        ("resident", 404),
        ("secadmin", 404),
        ("auditor", 404),
    ):
        r = demo.client(role).post(
            f"/api/v1/geo/places/{g1.pk}/geometry", data=body, content_type="application/json"
        )
        assert r.status_code == status, (role, r.content)


def test_moving_a_poi_stays_inside_its_estate(demo):
    poi = PointOfInterest.objects.filter(place_path__startswith=demo.grid(1).path).first()
    estate = poi.place
    c = shape(estate.geometry).representative_point()
    url = f"/api/v1/geo/features/poi/{poi.pk}/position"
    r = demo.client("secretary").post(
        url, data=json.dumps({"lat": c.y, "lng": c.x}), content_type="application/json"
    )
    assert r.status_code == 200, r.content
    poi.refresh_from_db()
    assert (poi.lat, poi.lng) == (c.y, c.x)
    r = demo.client("secretary").post(
        url, data=json.dumps({"lat": c.y + 1, "lng": c.x}), content_type="application/json"
    )
    assert r.status_code == 422
    assert (
        demo.client("grid1")
        .post(url, data=json.dumps({"lat": c.y, "lng": c.x}), content_type="application/json")
        .status_code
        == 403
    )
    assert AuditEvent.objects.filter(action="map_feature_move").count() == 1


# ------------------------------------------------------------------ tools
def test_life_circle_lists_pois_near_a_dwelling_by_kind(demo):
    resident = demo.user("resident")
    dwelling = resident.person.household.dwelling
    for role in ("resident", "grid1", "secretary"):  # the resident's own home too
        r = demo.client(role).get("/api/v1/geo/life-circle", {"place_id": dwelling.pk})
        assert r.status_code == 200, (role, r.content)
        data = r.json()
        assert data["total"] > 0 and data["radius_m"] == 1000
        items = [i for g in data["groups"] for i in g["items"]]
        assert all(i["distance_m"] <= 1000 for i in items)
        assert items == sorted(items, key=lambda i: i["distance_m"]) or len(data["groups"]) > 1
    assert (
        demo.client("grid2").get("/api/v1/geo/life-circle", {"place_id": dwelling.pk}).status_code
        == 404
    )
    assert demo.client("grid2").get("/api/v1/geo/life-circle").status_code == 422


def test_search_finds_places_and_visible_residents_at_their_building(demo):
    c = demo.client("grid1")
    hits = c.get("/api/v1/geo/search", {"q": demo.grid(1).name}).json()["items"]
    assert any(h["kind"] == "place" and h["id"] == demo.grid(1).pk for h in hits)
    resident = demo.user("resident").person
    hits = c.get("/api/v1/geo/search", {"q": resident.name}).json()["items"]
    person = next(h for h in hits if h["kind"] == "person" and h["id"] == resident.pk)
    building = next(
        p for p in Place.objects.filter(kind="building") if resident.place_path.startswith(p.path)
    )
    assert (person["lat"], person["lng"]) == (
        round(building.centroid_lat, 6),
        round(building.centroid_lng, 6),
    )
    hits = demo.client("grid2").get("/api/v1/geo/search", {"q": resident.name}).json()["items"]
    assert not any(h["kind"] == "person" and h["id"] == resident.pk for h in hits)


def test_grid_panel_numbers(demo):
    from tongxin.cases.workflow import OPEN_STATES
    from tongxin.people.models import Household, Person

    _a_case(demo)
    g1 = demo.grid(1)
    p = demo.client("secretary").get(f"/api/v1/geo/places/{g1.pk}/panel").json()
    n = p["numbers"]
    assert n["households"] == Household.objects.filter(place_path__startswith=g1.path).count()
    assert (
        n["residents"]
        == Person.objects.filter(place_path__startswith=g1.path, is_active=True).count()
    )
    assert n["party_members"] > 0
    from tongxin.cases.models import Case

    assert (
        n["open_cases"]
        == Case.objects.filter(place_path__startswith=g1.path, state__in=OPEN_STATES).count()
    )
    assert {x["role"] for x in p["posts"]} >= {"网格员"}
    assert demo.client("grid2").get(f"/api/v1/geo/places/{g1.pk}/panel").status_code == 404
    building = Place.objects.under(g1).filter(kind="building").first()
    b = demo.client("grid1").get(f"/api/v1/geo/places/{building.pk}/panel").json()
    assert b["units"] and all("dwellings" in u for u in b["units"])


def test_map_page_renders_for_signed_in_users(demo):
    r = demo.client("secretary").get("/map/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="emap-map"' in html and "leaflet/leaflet.js" in html and "<script>" not in html
    assert 'data-layer="care"' in html  # the secretary may see care households
    assert 'data-layer="care"' not in demo.client("building").get("/map/").content.decode()
    assert demo.client("sysadmin").get("/map/").status_code == 200
    assert View.parse(None, 3).west == -180
