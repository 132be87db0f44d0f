"""The persons and households API: scoping (a grid worker gets nothing of another grid),
search, masking, and a constant number of queries per page."""

from __future__ import annotations

import re

import pytest
from django.db.models import Q

from tongxin.core import vault
from tongxin.orgs.models import Post
from tongxin.people.models import Household, Person
from tongxin.people.services import ID_CONTEXT, PHONE_CONTEXT

API = "/api/v1"
MASKED_ID = re.compile(r"^\*{14}[0-9X]{4}$")
MASKED_PHONE = re.compile(r"^1\d{2}\*{4}\d{4}$")


def grids_held(user) -> set[int]:  # type: ignore[no-untyped-def]
    """The grids where the user holds a grid-worker post today (A or B)."""
    return set(
        Post.objects.active()
        .filter(person_id=user.person_id, role="grid_worker")
        .values_list("place_id", flat=True)
    )


def all_items(client, url: str, limit: int = 400) -> list[dict]:  # type: ignore[no-untyped-def]
    """Every item of a paginated list (up to ``limit`` pages)."""
    items: list[dict] = []
    sep = "&" if "?" in url else "?"
    for page in range(1, limit + 1):
        body = client.get(f"{url}{sep}page={page}").json()
        items.extend(body["items"])
        if len(items) >= body["count"]:
            return items
    raise AssertionError("too many pages")


def grid2_resident(demo) -> Person:  # type: ignore[no-untyped-def]
    return Person.objects.filter(grid=demo.grid(2), is_active=True).order_by("pk")[5]


# ------------------------------------------------------------------ scoping


def test_demo_grid_workers_hold_different_grids(demo):
    g1, g2 = grids_held(demo.user("grid1")), grids_held(demo.user("grid2"))
    assert demo.grid(1).pk in g1
    assert demo.grid(2).pk in g2
    assert demo.grid(2).pk not in g1
    assert not g1 & g2


def test_grid_worker_lists_only_residents_of_their_grids(demo):
    user = demo.user("grid1")
    grids = grids_held(user)
    c = demo.api("grid1")
    body = c.get(f"{API}/persons").json()
    expected = Person.objects.filter(
        Q(grid_id__in=grids) | Q(pk=user.person_id), is_active=True
    ).count()
    assert body["count"] == expected
    # Check the first and the last page item by item.
    last = -(-body["count"] // body["page_size"])
    for page in (1, last):
        for item in c.get(f"{API}/persons?page={page}").json()["items"]:
            assert item["grid"] in grids or item["id"] == user.person_id, item
    assert demo.grid(2).pk not in grids


def test_grid_worker_search_never_reaches_another_grid(demo):
    other = grid2_resident(demo)
    c = demo.api("grid1")
    for query in (other.name, other.name_initials, other.name_pinyin, other.phone_last4):
        if not query:
            continue
        items = all_items(c, f"{API}/persons?search={query}")
        assert other.pk not in {i["id"] for i in items}, query
        assert all(i["grid"] != demo.grid(2).pk for i in items), query
    # The same searches find them for the community secretary.
    found = all_items(demo.api("secretary"), f"{API}/persons?search={other.name_initials}")
    assert other.pk in {i["id"] for i in found}


def test_person_of_another_grid_is_404_exactly_like_a_missing_one(demo):
    c = demo.api("grid1")
    other = c.get(f"{API}/persons/{grid2_resident(demo).pk}")
    missing = c.get(f"{API}/persons/987654321")
    assert other.status_code == missing.status_code == 404
    assert (
        other.json()
        == missing.json()
        == {
            "code": "NOT_FOUND",
            "message": "未找到该对象",
            "fields": [],
            "context": None,
        }
    )


def test_person_of_own_grid_is_readable(demo):
    mine = Person.objects.filter(grid=demo.grid(1), is_active=True).order_by("pk").first()
    r = demo.api("grid1").get(f"{API}/persons/{mine.pk}")
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == mine.pk
    assert body["name"] == mine.name
    assert body["grid"] == demo.grid(1).pk
    assert body["household"] == mine.household_id
    assert body["address"].endswith(mine.place.name)


def test_place_filter_is_scoped(demo):
    c = demo.api("grid1")
    r = c.get(f"{API}/persons?place={demo.grid(1).pk}")
    assert r.status_code == 200
    assert r.json()["count"] > 0
    assert {i["grid"] for i in r.json()["items"]} == {demo.grid(1).pk}
    r = c.get(f"{API}/persons?place={demo.grid(2).pk}")
    assert r.status_code == 404
    assert r.json()["code"] == "NOT_FOUND"


def test_secretary_sees_every_grid(demo):
    c = demo.api("secretary")
    body = c.get(f"{API}/persons").json()
    assert (
        body["count"]
        == Person.objects.filter(
            place_path__startswith=demo.grid(1).path[:8], is_active=True
        ).count()
    )
    assert c.get(f"{API}/persons/{grid2_resident(demo).pk}").status_code == 200


def test_building_head_sees_only_their_building(demo):
    user = demo.user("building")
    building = Post.objects.active().get(person_id=user.person_id, role="building_head").place
    items = all_items(demo.api("building"), f"{API}/persons")
    ids = {i["id"] for i in items}
    assert ids
    outside = Person.objects.filter(pk__in=ids).exclude(place_path__startswith=building.path)
    # Only the user themself may live elsewhere.
    assert set(outside.values_list("pk", flat=True)) <= {user.person_id}


def test_resident_sees_only_themself_and_their_household(demo):
    user = demo.user("resident")
    me = Person.objects.get(pk=user.person_id)
    c = demo.api("resident")
    assert c.get(f"{API}/persons/{me.pk}").status_code == 200
    assert c.get(f"{API}/households/{me.household_id}").status_code == 200
    housemates = set(
        Person.objects.filter(household_id=me.household_id).values_list("pk", flat=True)
    )
    items = all_items(c, f"{API}/persons")
    assert housemates <= {i["id"] for i in items}
    assert c.get(f"{API}/persons/{grid2_resident(demo).pk}").status_code == 404


# ------------------------------------------------------------------ search


@pytest.mark.parametrize("field", ["name_initials", "name_pinyin"])
def test_search_by_pinyin_finds_the_person(demo, field):
    person = (
        Person.objects.filter(grid=demo.grid(1), is_active=True)
        .exclude(name_initials="")
        .order_by("pk")[10]
    )
    query = getattr(person, field)
    items = all_items(demo.api("grid1"), f"{API}/persons?search={query}")
    assert person.pk in {i["id"] for i in items}
    names = Person.objects.filter(pk__in=[i["id"] for i in items])
    assert all(getattr(p, field).startswith(query) for p in names)


def test_search_by_initials_is_case_insensitive(demo):
    person = Person.objects.filter(grid=demo.grid(1), is_active=True).order_by("pk")[3]
    items = all_items(demo.api("grid1"), f"{API}/persons?search={person.name_initials.upper()}")
    assert person.pk in {i["id"] for i in items}


def test_search_by_last_four_digits_and_by_full_phone(demo):
    person = (
        Person.objects.filter(grid=demo.grid(1), is_active=True)
        .exclude(phone_cipher="")
        .order_by("pk")[7]
    )
    c = demo.api("grid1")
    by_last4 = all_items(c, f"{API}/persons?search={person.phone_last4}")
    assert person.pk in {i["id"] for i in by_last4}
    clear = vault.decrypt(person.phone_cipher, context=PHONE_CONTEXT)
    r = c.get(f"{API}/persons?search={clear}")
    assert [i["id"] for i in r.json()["items"]] == [person.pk]
    assert clear not in r.content.decode()


def test_search_by_full_id_number(demo):
    person = Person.objects.filter(grid=demo.grid(1), is_active=True).order_by("pk")[2]
    clear = vault.decrypt(person.id_number_cipher, context=ID_CONTEXT)
    r = demo.api("grid1").get(f"{API}/persons?search={clear}")
    assert [i["id"] for i in r.json()["items"]] == [person.pk]
    assert clear not in r.content.decode()


def test_search_by_part_of_the_name(demo):
    person = Person.objects.filter(grid=demo.grid(1), is_active=True).order_by("pk")[4]
    items = all_items(demo.api("grid1"), f"{API}/persons?search={person.name[1:]}")
    assert person.pk in {i["id"] for i in items}


# ------------------------------------------------------------------ masking and fields


def test_id_and_phone_are_masked_everywhere(demo):
    c = demo.api("grid1")
    body = c.get(f"{API}/persons").json()
    for item in body["items"]:
        assert set(item) >= {"id", "name", "id_number", "phone", "grid"}
        assert item["id_number"] is None or MASKED_ID.match(item["id_number"]), item
        assert item["phone"] is None or MASKED_PHONE.match(item["phone"]), item
    person = Person.objects.filter(grid=demo.grid(1)).exclude(phone_cipher="").order_by("pk")[0]
    r = c.get(f"{API}/persons/{person.pk}")
    detail = r.json()
    assert detail["id_number"] == "*" * 14 + person.id_number_last4
    assert detail["phone"] == person.phone_masked
    assert MASKED_PHONE.match(detail["phone"])
    text = r.content.decode()
    assert vault.decrypt(person.id_number_cipher, context=ID_CONTEXT) not in text
    assert vault.decrypt(person.phone_cipher, context=PHONE_CONTEXT) not in text
    assert "cipher" not in text and "hash" not in text


def test_care_tags_are_not_exposed(demo):
    from tongxin.people.models import CareTag

    tagged = CareTag.objects.filter(person__grid=demo.grid(1)).select_related("person").first()
    c = demo.api("grid1")
    for url in (
        f"{API}/persons/{tagged.person_id}",
        f"{API}/households/{tagged.person.household_id}",
        f"{API}/persons?search={tagged.person.name}",
    ):
        r = c.get(url)
        assert r.status_code == 200
        text = r.content.decode()
        assert "care" not in text
        assert tagged.get_kind_display() not in text


# ------------------------------------------------------------------ households


def test_households_of_a_grid_worker_are_in_their_grids(demo):
    user = demo.user("grid1")
    from tongxin.places.models import Place

    paths = tuple(Place.objects.filter(pk__in=grids_held(user)).values_list("path", flat=True))
    in_grids = Q(pk__in=[])
    for path in paths:
        in_grids |= Q(place_path__startswith=path)
    c = demo.api("grid1")
    body = c.get(f"{API}/households").json()
    assert body["count"] == Household.objects.filter(in_grids).count()
    ids = [h["id"] for h in body["items"]]
    assert all(hh.place_path.startswith(paths) for hh in Household.objects.filter(pk__in=ids))
    assert not any(p.startswith(demo.grid(2).path) for p in paths)
    first = body["items"][0]
    assert set(first) >= {"id", "code", "dwelling", "address", "member_count", "head", "tenure"}


def test_household_of_another_grid_is_404(demo):
    other = Household.objects.filter(place_path__startswith=demo.grid(2).path).first()
    c = demo.api("grid1")
    r = c.get(f"{API}/households/{other.pk}")
    assert r.status_code == 404
    assert r.json()["code"] == "NOT_FOUND"
    assert c.get(f"{API}/households?place={demo.grid(2).pk}").status_code == 404
    assert demo.api("secretary").get(f"{API}/households/{other.pk}").status_code == 200


def test_household_detail_lists_members_with_relation_head_first(demo):
    hh = (
        Household.objects.filter(place_path__startswith=demo.grid(1).path)
        .order_by("pk")
        .filter(members__relation="spouse")
        .first()
    )
    r = demo.api("grid1").get(f"{API}/households/{hh.pk}")
    assert r.status_code == 200
    body = r.json()
    members = body["members"]
    assert len(members) == Person.objects.filter(household=hh).count()
    assert body["member_count"] == Person.objects.filter(household=hh, is_active=True).count()
    assert members[0]["relation"] == "head"
    assert members[0]["relation_label"] == "户主"
    assert body["head"] == {"id": members[0]["id"], "name": members[0]["name"]}
    assert "spouse" in {m["relation"] for m in members}
    assert body["dwelling"]["id"] == hh.dwelling_id
    assert body["address"].endswith(hh.dwelling.name)
    for m in members:
        assert m["household"] == hh.pk
        assert MASKED_ID.match(m["id_number"])


def test_household_place_filter(demo):
    from tongxin.places.models import Place

    grid = demo.grid(1)
    estate = Place.objects.filter(path__startswith=grid.path, depth=grid.depth + 1).first()
    r = demo.api("grid1").get(f"{API}/households?place={estate.pk}")
    assert r.status_code == 200
    assert r.json()["count"] == Household.objects.filter(place_path__startswith=estate.path).count()


# ------------------------------------------------------------------ queries


@pytest.mark.parametrize("username", ["grid1", "secretary", "street"])
def test_person_list_is_a_constant_number_of_queries(demo, username, django_assert_max_num_queries):
    c = demo.api(username)
    c.get(f"{API}/persons")  # the token's first use also stamps last_used_at
    # token + user, scope (3), count, page: whatever the page holds.
    with django_assert_max_num_queries(7):
        r = c.get(f"{API}/persons?page=2")
    assert len(r.json()["items"]) == 20
    with django_assert_max_num_queries(7):
        assert c.get(f"{API}/persons?search=z").status_code == 200


def test_household_list_is_a_constant_number_of_queries(demo, django_assert_max_num_queries):
    c = demo.api("secretary")
    c.get(f"{API}/households")
    with django_assert_max_num_queries(8):
        r = c.get(f"{API}/households?page=3")
    assert len(r.json()["items"]) == 20
