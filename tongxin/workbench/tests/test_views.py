"""The workbench, login and the rules every page follows (login, no-store, 404 = missing)."""

import pytest
from django.test import Client

from tongxin.people.models import CareTag, Household, Person
from tongxin.places.models import Place

from .helpers import html, linked_household_ids, linked_person_ids, without_tokens

PERSONAL_PAGES = ["/", "/places/", "/people/", "/orgs/", "/people/export/", "/people/import/"]


@pytest.mark.parametrize(
    "url", [*PERSONAL_PAGES, "/people/1/", "/households/1/", "/places/1/", "/orgs/1/"]
)
def test_anonymous_is_sent_to_login(demo, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_expired_session_in_an_htmx_fragment_reloads_the_whole_page(demo):
    place = Place.objects.get(kind="community")
    response = Client().get(
        f"/places/{place.pk}/children/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/places/",
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/login/?next=%2Fplaces%2F"


def test_login_form_and_post_only_logout(demo):
    client = Client()
    page = client.get("/login/")
    assert "用户名" in html(page) and "密码" in html(page)
    bad = client.post("/login/", {"username": "grid1", "password": "wrong-password"})
    assert bad.status_code == 200
    assert "用户名或密码不正确" in html(bad)
    good = client.post("/login/", {"username": "grid1", "password": "Tongxin-2026"})
    assert good.status_code == 302 and good["Location"] == "/"
    assert client.get("/logout/").status_code == 405
    out = client.post("/logout/")
    assert out.status_code == 302 and out["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_logout_requires_the_csrf_token(demo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo.user("grid1"))
    assert client.post("/logout/").status_code == 403


@pytest.mark.parametrize("url", PERSONAL_PAGES)
def test_pages_with_personal_data_are_never_cached(demo, url):
    response = demo.client("grid1").get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_out_of_scope_looks_exactly_like_missing(demo):
    client = demo.client("grid1")
    outsider = Person.objects.filter(place_path__prefix=demo.grid(2).path).first()
    forbidden = client.get(f"/people/{outsider.pk}/")
    missing = client.get("/people/999999999/")
    assert forbidden.status_code == missing.status_code == 404
    assert without_tokens(html(forbidden)) == without_tokens(html(missing))
    assert "没有找到这个页面" in html(missing)


def test_top_bar_shows_name_role_and_the_useful_sections(demo):
    page = html(demo.client("grid1").get("/"))
    user = demo.user("grid1")
    assert user.display_name in page
    assert "网格员" in page
    for label in ("工作台", "地点", "居民", "组织", "导入导出"):
        assert f">{label}</a>" in page
    building = html(demo.client("building").get("/"))
    assert ">导入导出</a>" not in building  # import and export are for community staff
    admin = html(demo.client("sysadmin").get("/"))
    assert ">居民</a>" not in admin and ">地点</a>" not in admin


def test_secretary_workbench_counts_the_community(demo):
    response = demo.client("secretary").get("/")
    wb = response.context["wb"]
    assert wb.overview is not None
    community = Place.objects.get(kind="community")
    assert wb.overview.places == [community]
    assert (
        wb.overview.numbers.residents
        == Person.objects.filter(place_path__prefix=community.path, is_active=True).count()
    )
    assert wb.overview.numbers.households == Household.objects.count()
    assert wb.overview.numbers.care_persons > 0
    assert len(wb.overview.grids) == 6
    assert "辖区概况" in html(response) and "关爱对象" in html(response)


def test_street_officer_sees_counts_but_no_care(demo):
    wb = demo.client("street").get("/").context["wb"]
    assert wb.overview.numbers.residents > 0
    assert wb.overview.numbers.care_persons is None


def test_grid_worker_workbench_shows_their_grids_and_the_chain(demo):
    response = demo.client("grid1").get("/")
    wb = response.context["wb"]
    assert wb.overview is None
    grids = {card.grid for card in wb.grids}
    assert demo.grid(1) in grids and demo.grid(2) not in grids
    first = next(card for card in wb.grids if card.grid == demo.grid(1))
    assert (
        first.numbers.residents
        == Person.objects.filter(place_path__prefix=demo.grid(1).path, is_active=True).count()
    )
    assert first.duties and all(line.reason for line in first.duties)
    page = html(response)
    assert "责任链" in page and "依据：" in page
    assert demo.grid(2).name not in page


def test_building_head_workbench_lists_neighbours_without_care(demo):
    user = demo.user("building")
    response = demo.client("building").get("/")
    wb = response.context["wb"]
    assert wb.neighbourhoods
    building = wb.neighbourhoods[0].place
    assert building.kind == "building"
    households = linked_household_ids(response)
    assert households
    assert set(
        Household.objects.filter(pk__in=households).values_list("place_path", flat=True)
    ) <= set(Household.objects.visible_to(user).values_list("place_path", flat=True))
    assert "关爱对象" not in html(response)


def test_resident_workbench_shows_home_and_who_serves_it(demo):
    user = demo.user("resident")
    response = demo.client("resident").get("/")
    wb = response.context["wb"]
    assert wb.overview is None and not wb.grids
    assert wb.home.household == user.person.household
    assert {m.pk for m in wb.home.members} == set(
        Person.objects.filter(household=user.person.household, is_active=True).values_list(
            "pk", flat=True
        )
    )
    assert len(wb.home.contacts) == 5
    assert any(line.post is not None for line in wb.home.contacts)
    page = html(response)
    assert "为我家服务的人" in page
    assert "依据：" not in page  # the chain's reasons (who is on leave) are for staff
    assert linked_person_ids(response) <= set(
        Person.objects.visible_to(user).values_list("pk", flat=True)
    )


@pytest.mark.parametrize("username", ["sysadmin", "secadmin", "auditor"])
def test_admin_workbench_names_the_back_office_and_nothing_personal(demo, username):
    response = demo.client(username).get("/")
    wb = response.context["wb"]
    assert wb.is_admin
    page = html(response)
    assert 'href="/admin/"' in page
    assert demo.user(username).get_admin_duty_display() in page
    assert not linked_person_ids(response) and not linked_household_ids(response)
    assert not any(tag.get_kind_display() in page for tag in CareTag.objects.all()[:50])


def test_workbench_query_count_does_not_depend_on_data_size(demo, django_assert_max_num_queries):
    grid_worker, secretary = demo.client("grid1"), demo.client("secretary")
    # Bounded by the posts a user holds (each grid card asks the chain for five duties),
    # never by the number of residents.
    with django_assert_max_num_queries(70):
        assert grid_worker.get("/").status_code == 200
    # 26: the last is the holiday-arrangement confirmation (cached after the first read);
    # +5 for the visits desk (my visits by urgency, my knocks waiting, the month's visit rate
    # by grid, the residents with no contact for longest, the care scope's check).
    with django_assert_max_num_queries(31):
        assert secretary.get("/").status_code == 200


@pytest.mark.dates
@pytest.mark.parametrize(
    ("moment", "shown"),
    [("2026-10-31T10:00", False), ("2026-11-01T08:00", True), ("2027-03-01T10:00", True)],
)
def test_workbench_warns_of_an_unconfirmed_holiday_arrangement(demo, moment, shown):
    import datetime as dt

    import time_machine
    from django.core.cache import cache
    from django.utils import timezone

    cache.clear()
    at = timezone.make_aware(dt.datetime.fromisoformat(moment))
    with time_machine.travel(at, tick=False):
        for username, sees in (("secretary", shown), ("sysadmin", shown), ("grid1", False)):
            page = demo.client(username).get("/")
            assert page.status_code == 200
            assert ('id="calendar-warning"' in page.content.decode()) is sees, username
