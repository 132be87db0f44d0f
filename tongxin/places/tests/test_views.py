"""The place browser and place pages: the tree shows only what the user may browse."""

import pytest

from tongxin.orgs.models import Post
from tongxin.people.models import Person
from tongxin.places.models import Place
from tongxin.workbench.tests.helpers import html, linked_person_ids, linked_place_ids


def visible_person_ids(user):
    return set(Person.objects.visible_to(user).values_list("pk", flat=True))


def test_grid_worker_gets_404_on_another_grids_places(demo):
    client = demo.client("grid1")
    grid2 = demo.grid(2)
    building = Place.objects.filter(path__prefix=grid2.path, kind="building").first()
    for url in (
        f"/places/{grid2.pk}/",
        f"/places/{grid2.pk}/children/",
        f"/places/{building.pk}/",
        "/places/999999999/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/places/{demo.grid(1).pk}/").status_code == 200


def test_browser_starts_at_the_areas_the_user_looks_after(demo):
    response = demo.client("grid1").get("/places/")
    roots = [place for place, _ancestors in response.context["roots"]]
    assert demo.grid(1) in roots and demo.grid(2) not in roots
    # The community above is shown (by name, for orientation) and may be opened.
    community = Place.objects.get(kind="community")
    assert community.pk in linked_place_ids(response)


def test_community_page_lists_only_the_children_and_residents_in_scope(demo):
    user = demo.user("grid1")
    community = Place.objects.get(kind="community")
    response = demo.client("grid1").get(f"/places/{community.pk}/")
    assert response.status_code == 200
    children = list(response.context["children_page"].object_list)
    assert demo.grid(1) in children
    assert demo.grid(2) not in children
    assert all(Place.objects.visible_to(user).filter(pk=c.pk).exists() for c in children)
    shown = linked_person_ids(response)
    assert shown and shown <= visible_person_ids(user)
    assert not Person.objects.filter(pk__in=shown, place_path__prefix=demo.grid(2).path).exists()
    # The page's counts are the user's share of the community, not the whole of it.
    assert (
        response.context["numbers"].residents
        == Person.objects.visible_to(user)
        .filter(place_path__prefix=community.path, is_active=True)
        .count()
    )


def test_children_fragment_is_scoped(demo):
    community = Place.objects.get(kind="community")
    response = demo.client("grid1").get(f"/places/{community.pk}/children/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in html(response)
    ids = linked_place_ids(response)
    assert demo.grid(1).pk in ids and demo.grid(2).pk not in ids
    assert 'hx-trigger="toggle once"' in html(response)


def test_children_fragment_pages_with_a_more_button(demo, settings):
    settings.TONGXIN_PAGE_SIZE = 4
    grid = demo.grid(1)
    client = demo.client("grid1")
    first = client.get(f"/places/{grid.pk}/children/", HTTP_HX_REQUEST="true")
    assert "显示更多" in html(first)
    second = client.get(f"/places/{grid.pk}/children/?page=2", HTTP_HX_REQUEST="true")
    assert not linked_place_ids(first) & linked_place_ids(second)


def test_place_search_finds_only_places_in_scope(demo):
    user = demo.user("grid1")
    response = demo.client("grid1").get("/places/", {"q": "栋"})
    found = [place for place, _ in response.context["results"]]
    assert found
    assert all(
        p.path.startswith(demo.grid(1).path) or p.path.startswith(demo.grid(4).path) for p in found
    )
    assert all(Place.objects.visible_to(user).filter(pk=p.pk).exists() for p in found)
    empty = demo.client("grid1").get("/places/", {"q": "不存在的地名"})
    assert "没有找到" in html(empty)


def test_place_page_shows_posts_and_who_is_responsible_with_the_reason(demo):
    grid = demo.grid(1)
    response = demo.client("secretary").get(f"/places/{grid.pk}/")
    page = html(response)
    holder = Post.objects.active().get(place=grid, role="grid_worker", rank="A").person
    assert holder.name in page and "网格员（A角）" in page
    duties = response.context["duties"]
    assert [d.label for d in duties] == ["综合管理", "党建", "关爱走访", "环境卫生", "治安消防"]
    assert all(d.reason for d in duties)
    assert "依据：" in page
    assert "广场街道" in page and "文化路社区" in page  # breadcrumb


def test_place_page_residents_are_searchable_and_paginated(demo):
    grid = demo.grid(1)
    client = demo.client("grid1")
    first = client.get(f"/places/{grid.pk}/")
    second = client.get(f"/places/{grid.pk}/", {"page": 2})
    assert first.context["page_obj"].paginator.num_pages > 1
    assert not set(first.context["page_obj"].object_list) & set(
        second.context["page_obj"].object_list
    )
    target = Person.objects.filter(place_path__prefix=grid.path, household__isnull=False).last()
    found = client.get(f"/places/{grid.pk}/", {"q": target.name_initials})
    assert target.pk in linked_person_ids(found)
    none = client.get(f"/places/{grid.pk}/", {"q": "qqqqqqq"})
    assert "没有找到符合条件的居民" in html(none)


def test_building_head_sees_neighbours_but_no_care_numbers(demo):
    user = demo.user("building")
    post = Post.objects.active().get(person=user.person, role="building_head")
    response = demo.client("building").get(f"/places/{post.place_id}/")
    assert response.status_code == 200
    assert response.context["numbers"].care_persons is None
    assert "关爱对象" not in html(response)
    assert linked_person_ids(response) <= visible_person_ids(user)


@pytest.mark.parametrize("username", ["sysadmin", "auditor"])
def test_admins_browse_no_places(demo, username):
    client = demo.client(username)
    assert client.get(f"/places/{demo.grid(1).pk}/").status_code == 404
    assert "您没有可以浏览的地点" in html(client.get("/places/"))


def test_place_page_query_count_is_bounded(demo, django_assert_max_num_queries):
    client = demo.client("grid1")
    community = Place.objects.get(kind="community")
    for url in (f"/places/{community.pk}/", f"/places/{demo.grid(1).pk}/?page=3"):
        with django_assert_max_num_queries(45):
            assert client.get(url).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/places/").status_code == 200
    with django_assert_max_num_queries(12):
        assert (
            client.get(f"/places/{community.pk}/children/", HTTP_HX_REQUEST="true").status_code
            == 200
        )
