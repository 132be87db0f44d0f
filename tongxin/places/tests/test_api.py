"""The places API and the responsibility query: scoping of the tree, the breadcrumb, the
children, and "who is responsible here" with its trail."""

from __future__ import annotations

import datetime as dt

import pytest

from tongxin.core import clock
from tongxin.orgs.models import Absence, Post
from tongxin.places.models import Place

pytestmark = pytest.mark.dates

API = "/api/v1"


def grids_held(user) -> set[int]:  # type: ignore[no-untyped-def]
    """The grids where the user holds a grid-worker post today (A or B)."""
    return set(
        Post.objects.active()
        .filter(person_id=user.person_id, role="grid_worker")
        .values_list("place_id", flat=True)
    )


def community(demo) -> Place:  # type: ignore[no-untyped-def]
    return Place.objects.get(path=demo.grid(1).path[: -Place.steplen])


def children_of(place: Place):  # type: ignore[no-untyped-def]
    return Place.objects.filter(path__startswith=place.path, depth=place.depth + 1)


# ------------------------------------------------------------------ lists


def test_grid_worker_lists_only_their_grids(demo):
    body = demo.api("grid1").get(f"{API}/places?kind=grid").json()
    ids = {p["id"] for p in body["items"]}
    assert demo.grid(1).pk in ids
    assert demo.grid(2).pk not in ids
    # Exactly the grids of their posts (their own grid, and the one where they are B角).
    assert ids == grids_held(demo.user("grid1"))
    assert body["count"] == len(ids)

    ids2 = {p["id"] for p in demo.api("grid2").get(f"{API}/places?kind=grid").json()["items"]}
    assert demo.grid(2).pk in ids2
    assert demo.grid(1).pk not in ids2


@pytest.mark.parametrize("username", ["secretary", "street"])
def test_community_and_street_staff_list_all_six_grids(demo, username):
    body = demo.api(username).get(f"{API}/places?kind=grid").json()
    assert body["count"] == 6
    comm = community(demo)
    for item in body["items"]:
        assert set(item) >= {"id", "kind", "code", "name", "parent", "centroid"}
        assert item["kind"] == "grid"
        assert item["kind_label"] == "网格"
        assert item["parent"] == comm.pk
        lat, lng = item["centroid"]["lat"], item["centroid"]["lng"]
        assert comm.min_lat <= lat <= comm.max_lat
        assert comm.min_lng <= lng <= comm.max_lng
    assert [i["code"] for i in body["items"]] == sorted(i["code"] for i in body["items"])


def test_place_list_without_kind_starts_with_the_breadcrumb(demo):
    body = demo.api("grid1").get(f"{API}/places").json()
    kinds = [p["kind"] for p in body["items"][:3]]
    assert kinds == ["street", "community", "grid"]
    assert body["items"][0]["parent"] is None
    assert body["items"][1]["parent"] == body["items"][0]["id"]


def test_places_without_geometry_have_no_centroid(demo):
    body = demo.api("grid1").get(f"{API}/places?kind=unit").json()
    assert body["count"] > 0
    assert all(p["centroid"] is None for p in body["items"])


def test_building_head_sees_their_building_and_its_ancestors_only(demo):
    user = demo.user("building")
    building = Post.objects.active().get(person_id=user.person_id, role="building_head").place
    c = demo.api("building")
    buildings = c.get(f"{API}/places?kind=building").json()["items"]
    assert [b["id"] for b in buildings] == [building.pk]
    grids = c.get(f"{API}/places?kind=grid").json()["items"]
    assert len(grids) == 1 and building.path.startswith(Place.objects.get(pk=grids[0]["id"]).path)


# ------------------------------------------------------------------ one place


def test_grid_detail_has_breadcrumb_children_count_and_geometry(demo):
    grid = demo.grid(1)
    r = demo.api("grid1").get(f"{API}/places/{grid.pk}")
    assert r.status_code == 200
    body = r.json()
    comm = community(demo)
    assert body["id"] == grid.pk
    assert body["parent"] == comm.pk
    assert [a["kind"] for a in body["ancestors"]] == ["street", "community"]
    assert body["ancestors"][-1]["id"] == comm.pk
    assert body["children_count"] == children_of(grid).count() > 0
    assert body["geometry"]["type"] == "Polygon"
    assert len(body["bbox"]) == 4
    assert body["full_name"] == f"{comm.name}{grid.name}"


def test_building_detail_is_a_point(demo):
    building = Place.objects.filter(kind="building", path__startswith=demo.grid(1).path).first()
    body = demo.api("grid1").get(f"{API}/places/{building.pk}").json()
    assert body["geometry"]["type"] == "Point"
    lng, lat = body["geometry"]["coordinates"]
    assert body["centroid"] == {"lat": pytest.approx(lat), "lng": pytest.approx(lng)}
    assert body["attributes"]["floors"] >= 1


def test_place_of_another_grid_is_404_like_a_missing_one(demo):
    c = demo.api("grid1")
    grid2 = demo.grid(2)
    dwelling = Place.objects.filter(kind="dwelling", path__startswith=grid2.path).first()
    missing = c.get(f"{API}/places/987654321")
    assert missing.status_code == 404
    for url in (
        f"{API}/places/{grid2.pk}",
        f"{API}/places/{dwelling.pk}",
        f"{API}/places/{grid2.pk}/children",
        f"{API}/places/{grid2.pk}/responsible",
    ):
        r = c.get(url)
        assert r.status_code == 404, url
        assert r.json() == missing.json()


def test_ancestor_is_visible_by_name_with_only_visible_children(demo):
    comm = community(demo)
    c = demo.api("grid1")
    body = c.get(f"{API}/places/{comm.pk}").json()
    held = grids_held(demo.user("grid1"))
    assert body["children_count"] == len(held)
    children = c.get(f"{API}/places/{comm.pk}/children").json()
    assert {p["id"] for p in children["items"]} == held


def test_children_of_a_grid(demo):
    grid = demo.grid(1)
    body = demo.api("grid1").get(f"{API}/places/{grid.pk}/children").json()
    assert body["count"] == children_of(grid).count()
    assert {p["kind"] for p in body["items"]} == {"estate"}
    assert {p["parent"] for p in body["items"]} == {grid.pk}


def test_admin_sees_no_places(demo):
    c = demo.api("auditor")
    assert c.get(f"{API}/places?kind=grid").json()["count"] == 0
    assert c.get(f"{API}/places/{demo.grid(1).pk}").status_code == 404


# ------------------------------------------------------------------ responsibility


def _responsible(client, place: Place, **params: str) -> dict:  # type: ignore[no-untyped-def]
    query = "&".join(f"{k}={v}" for k, v in params.items())
    r = client.get(f"{API}/places/{place.pk}/responsible?{query}")
    assert r.status_code == 200, r.content
    return r.json()


def test_grid_responsible_is_the_a_worker_with_a_trail(demo):
    grid = demo.grid(1)
    me = demo.user("grid1").person
    body = _responsible(demo.api("grid1"), grid, duty="general")
    assert body["place"]["id"] == grid.pk
    assert body["duty"] == "general" and body["duty_label"] == "综合管理"
    assert body["on"] == clock.today().isoformat()
    assert body["person"]["id"] == me.pk
    assert body["person"]["name"] == me.name
    assert body["post"]["role"] == "grid_worker"
    assert body["post"]["rank"] == "A"
    assert body["level"]["id"] == grid.pk
    assert body["trail"] and body["trail"][-1].startswith("由")
    assert me.name in body["trail"][-1]
    assert body["reason"] == "；".join(body["trail"])


def test_b_stands_in_when_a_is_absent_then_the_grid_chief(demo):
    grid = demo.grid(1)
    today = clock.today()
    a_post = Post.objects.active().get(place=grid, role="grid_worker", rank="A")
    b_post = Post.objects.active().get(place=grid, role="grid_worker", rank="B")
    Absence.objects.create(
        person=a_post.person,
        start_date=today - dt.timedelta(days=1),
        end_date=today + dt.timedelta(days=1),
        reason="病假",
    )
    c = demo.api("secretary")
    body = _responsible(c, grid)
    assert body["post"]["id"] == b_post.pk
    assert body["post"]["rank"] == "B"
    assert body["person"]["id"] == b_post.person_id
    assert "不在岗" in body["trail"][0] and "病假" not in body["trail"][0]
    assert a_post.person.name in body["trail"][0]

    # The B holder's post ends: the grid chief (next role at the same level) answers.
    b_post.end_date = today - dt.timedelta(days=1)
    b_post.save(update_fields=["end_date"])
    body = _responsible(c, grid)
    assert body["post"]["role"] == "grid_chief"
    assert body["level"]["id"] == grid.pk


def test_responsibility_climbs_from_a_dwelling(demo):
    dwelling = Place.objects.filter(kind="dwelling", path__startswith=demo.grid(1).path).first()
    body = _responsible(demo.api("grid1"), dwelling)
    chain = [dwelling.pk, *[a.pk for a in dwelling.ancestors_list()]]
    assert body["level"]["id"] in chain
    assert body["post"]["place"]["id"] == body["level"]["id"]
    assert body["trail"][-1].startswith("由")


def test_nobody_on_a_day_before_every_post(demo):
    body = _responsible(demo.api("grid1"), demo.grid(1), on="2000-01-01")
    assert body["on"] == "2000-01-01"
    assert body["person"] is None and body["post"] is None and body["level"] is None
    assert body["trail"][-1] == "责任链上无人可以履职"


def test_other_duties_follow_their_own_chain(demo):
    body = _responsible(demo.api("secretary"), demo.grid(1), duty="party")
    assert body["duty_label"] == "党建"
    assert body["post"]["role"] in ("branch_secretary", "secretary", "deputy_secretary")


def test_responsible_phone_is_masked_and_hidden_when_private(demo):
    grid = demo.grid(1)
    a_post = Post.objects.active().get(place=grid, role="grid_worker", rank="A")
    # The building head may see grid 1 by name but not the grid worker as a person.
    c = demo.api("building")
    body = _responsible(c, grid)
    assert body["person"]["id"] == a_post.person_id
    assert body["person"]["phone"] == a_post.person.phone_masked
    assert "****" in body["person"]["phone"]
    a_post.public_contact = False
    a_post.save(update_fields=["public_contact"])
    body = _responsible(c, grid)
    assert body["person"]["name"] == a_post.person.name
    assert body["person"]["phone"] is None
    # The community secretary sees the worker as a person, so still gets the masked phone.
    body = _responsible(demo.api("secretary"), grid)
    assert body["person"]["phone"] == a_post.person.phone_masked


@pytest.mark.parametrize(
    ("query", "field"),
    [("duty=everything", "query.duty"), ("on=2026-02-30", "query.on"), ("on=soon", "query.on")],
)
def test_bad_responsibility_parameters_are_422(demo, query, field):
    r = demo.api("grid1").get(f"{API}/places/{demo.grid(1).pk}/responsible?{query}")
    assert r.status_code == 422
    assert r.json()["code"] == "VALIDATION_FAILED"
    assert r.json()["fields"][0]["field"] == field


def test_grid_worker_loses_the_grid_when_the_post_ends(demo):
    grid = demo.grid(1)
    c = demo.api("grid1")
    assert c.get(f"{API}/places/{grid.pk}").status_code == 200
    Post.objects.filter(person_id=demo.user("grid1").person_id, place=grid).update(
        end_date=clock.today() - dt.timedelta(days=1)
    )
    assert c.get(f"{API}/places/{grid.pk}").status_code == 404
    ids = {p["id"] for p in c.get(f"{API}/places?kind=grid").json()["items"]}
    assert grid.pk not in ids
