"""The organisations and posts API: scoped lists and details, posts with masked contacts."""

from __future__ import annotations

import re

import pytest

from tongxin.core import clock
from tongxin.orgs.models import Organisation, Post
from tongxin.places.models import Place

pytestmark = pytest.mark.dates

API = "/api/v1"
MASKED_PHONE = re.compile(r"^1\d{2}\*{4}\d{4}$")


def grids_held(user) -> set[int]:  # type: ignore[no-untyped-def]
    return set(
        Post.objects.active()
        .filter(person_id=user.person_id, role="grid_worker")
        .values_list("place_id", flat=True)
    )


def branch_of(grid: Place) -> Organisation:
    return Organisation.objects.get(kind="branch", places=grid)


# ------------------------------------------------------------------ organisations


def test_grid_worker_sees_the_branches_of_their_grids_only(demo):
    body = demo.api("grid1").get(f"{API}/organisations?kind=branch").json()
    ids = {o["id"] for o in body["items"]}
    held = grids_held(demo.user("grid1"))
    assert ids == {branch_of(Place.objects.get(pk=g)).pk for g in held}
    assert branch_of(demo.grid(2)).pk not in ids
    for item in body["items"]:
        assert item["kind"] == "branch" and item["kind_label"] == "党支部"
        assert {p["id"] for p in item["places"]} <= held


def test_secretary_sees_all_six_branches(demo):
    body = demo.api("secretary").get(f"{API}/organisations?kind=branch").json()
    assert body["count"] == 6
    committee = Organisation.objects.get(kind="party_committee")
    assert {o["parent"] for o in body["items"]} == {committee.pk}


def test_organisation_list_is_in_tree_order_with_visible_parents(demo):
    items = demo.api("secretary").get(f"{API}/organisations").json()["items"]
    seen: set[int] = set()
    for item in items:
        assert item["parent"] is None or item["parent"] in seen, item
        seen.add(item["id"])


def test_children_of_an_organisation(demo):
    committee = Organisation.objects.get(kind="party_committee")
    c = demo.api("grid1")
    body = c.get(f"{API}/organisations?parent={committee.pk}&kind=branch").json()
    assert {o["parent"] for o in body["items"]} == {committee.pk}
    assert branch_of(demo.grid(1)).pk in {o["id"] for o in body["items"]}
    assert branch_of(demo.grid(2)).pk not in {o["id"] for o in body["items"]}


def test_organisation_of_another_grid_is_404(demo):
    other = branch_of(demo.grid(2))
    c = demo.api("grid1")
    r = c.get(f"{API}/organisations/{other.pk}")
    assert r.status_code == 404
    assert r.json() == c.get(f"{API}/organisations/987654321").json()
    assert c.get(f"{API}/organisations?parent={other.pk}").status_code == 404
    assert c.get(f"{API}/posts?organisation={other.pk}").status_code == 404


def test_organisation_detail_has_posts_and_tree(demo):
    branch = branch_of(demo.grid(1))
    r = demo.api("grid1").get(f"{API}/organisations/{branch.pk}")
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == branch.name
    assert [a["kind"] for a in body["ancestors"]] == ["street_office", "party_committee"]
    assert body["parent"] == body["ancestors"][-1]["id"]
    assert {c["kind"] for c in body["children"]} == {"party_group"}
    assert body["places"] == [
        {
            "id": demo.grid(1).pk,
            "kind": "grid",
            "code": demo.grid(1).code,
            "name": demo.grid(1).name,
        }
    ]
    expected = set(Post.objects.active().filter(organisation=branch).values_list("pk", flat=True))
    assert {p["id"] for p in body["posts"]} == expected
    for post in body["posts"]:
        assert post["organisation"]["id"] == branch.pk
        assert post["person"]["phone"] is None or MASKED_PHONE.match(post["person"]["phone"])


def test_department_officer_sees_their_department(demo):
    user = demo.user("dept")
    post = Post.objects.active().get(person_id=user.person_id)
    c = demo.api("dept")
    body = c.get(f"{API}/organisations").json()
    assert [o["id"] for o in body["items"]] == [post.organisation_id]
    assert c.get(f"{API}/organisations/{post.organisation_id}").status_code == 200
    assert c.get(f"{API}/organisations/{branch_of(demo.grid(1)).pk}").status_code == 404


@pytest.mark.parametrize("username", ["sysadmin", "secadmin", "auditor"])
def test_admins_see_no_organisations_or_posts(demo, username):
    c = demo.api(username)
    assert c.get(f"{API}/organisations").json()["count"] == 0
    assert c.get(f"{API}/posts").json()["count"] == 0
    assert c.get(f"{API}/organisations/{branch_of(demo.grid(1)).pk}").status_code == 404


def test_bad_organisation_kind_is_422(demo):
    r = demo.api("secretary").get(f"{API}/organisations?kind=club")
    assert r.status_code == 422
    assert r.json()["fields"][0]["field"] == "query.kind"


# ------------------------------------------------------------------ posts


def test_posts_at_a_place(demo):
    grid = demo.grid(1)
    body = demo.api("grid1").get(f"{API}/posts?place={grid.pk}").json()
    assert body["count"] == Post.objects.active().filter(place=grid).count()
    assert {p["place"]["id"] for p in body["items"]} == {grid.pk}
    workers = [p for p in body["items"] if p["role"] == "grid_worker"]
    assert sorted(p["rank"] for p in workers) == ["A", "B"]
    assert all(p["role_label"] == "网格员" for p in workers)


def test_posts_by_role_stay_in_scope(demo):
    held = grids_held(demo.user("grid1"))
    body = demo.api("grid1").get(f"{API}/posts?role=grid_worker").json()
    assert body["count"] == 2 * len(held)
    assert {p["place"]["id"] for p in body["items"]} == held


def test_posts_of_another_grid_are_404(demo):
    r = demo.api("grid1").get(f"{API}/posts?place={demo.grid(2).pk}")
    assert r.status_code == 404
    assert r.json()["code"] == "NOT_FOUND"


def test_bad_role_is_422(demo):
    r = demo.api("grid1").get(f"{API}/posts?role=king")
    assert r.status_code == 422
    assert r.json()["fields"][0]["field"] == "query.role"


def test_post_holder_phone_only_when_public_or_visible(demo):
    street = Place.objects.get(kind="street")
    officer = Post.objects.active().get(role="street_officer", place=street)
    c = demo.api("grid1")  # sees the street by name, not the officer as a person

    def holder() -> dict:
        items = c.get(f"{API}/posts?place={street.pk}").json()["items"]
        return next(p["person"] for p in items if p["id"] == officer.pk)

    assert holder()["phone"] == officer.person.phone_masked
    officer.public_contact = False
    officer.save(update_fields=["public_contact"])
    assert holder() == {"id": officer.person_id, "name": officer.person.name, "phone": None}
    # The street officer sees themself.
    items = demo.api("street").get(f"{API}/posts?place={street.pk}").json()["items"]
    mine = next(p["person"] for p in items if p["id"] == officer.pk)
    assert mine["phone"] == officer.person.phone_masked


def test_ended_posts_are_not_listed(demo):
    import datetime as dt

    grid = demo.grid(1)
    b_post = Post.objects.active().get(place=grid, role="grid_worker", rank="B")
    b_post.end_date = clock.today() - dt.timedelta(days=1)
    b_post.save(update_fields=["end_date"])
    items = demo.api("secretary").get(f"{API}/posts?place={grid.pk}").json()["items"]
    assert b_post.pk not in {p["id"] for p in items}


def test_post_list_is_a_constant_number_of_queries(demo, django_assert_max_num_queries):
    c = demo.api("secretary")
    c.get(f"{API}/posts")
    with django_assert_max_num_queries(8):
        r = c.get(f"{API}/posts?page=2")
    assert len(r.json()["items"]) == 20
    with django_assert_max_num_queries(9):
        r = c.get(f"{API}/organisations?page=2")
    assert len(r.json()["items"]) == 20
