"""The contact card's QR code opens the report page with ``?place=<id>``: the page preselects
that place when it is a real place the reporter may pick (their home, an ancestor of it, a
place they may browse), and ignores anything else; the intake checks the place again."""

from __future__ import annotations

import re

import pytest

from tongxin.cases.models import Case
from tongxin.places.models import Place

pytestmark = pytest.mark.django_db


def page(demo, who, place):
    response = demo.client(who).get("/cases/new/", {"place": place})
    assert response.status_code == 200
    return response.content.decode()


def test_the_qr_code_of_my_home_preselects_my_home(demo):
    home = demo.user("resident").person.place
    body = page(demo, "resident", home.pk)
    assert re.search(r'name="where" value="home"[^>]*checked', body)
    assert not re.search(r'name="where" value="point"[^>]*checked', body)
    assert 'id="picked-place"' not in body


def test_the_building_poster_preselects_the_building(demo, django_capture_on_commit_callbacks):
    home = demo.user("resident").person.place
    building = home.at_or_above("building")
    body = page(demo, "resident", building.pk)
    assert f'id="picked-place" data-place="{building.pk}"' in body
    assert re.search(r'name="where" value="place"[^>]*checked', body)
    assert building.name in body
    before = Case.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = demo.client("resident").post(
            "/cases/new/",
            {
                "category": "env.garbage",
                "description": "楼道里堆满了杂物",
                "priority": "normal",
                "where": "place",
                "place_id": building.pk,
            },
        )
    assert response.status_code == 302, response.content.decode()[:500]
    case = Case.objects.order_by("-pk").first()
    assert Case.objects.count() == before + 1 and case.place == building


def test_anything_else_is_ignored_and_never_trusted(demo):
    home = demo.user("resident").person.place
    other = (
        Place.objects.filter(kind="building", path__startswith=demo.grid(2).path)
        .order_by("path")
        .first()
    )
    for value in (other.pk, 99999999, "abc", "", "-1", "1" * 40):
        body = page(demo, "resident", value)
        assert 'id="picked-place"' not in body, value
        assert re.search(r'name="where" value="point"[^>]*checked', body), value
    # A place slipped into the form without the page offering it is refused, not used.
    before = Case.objects.count()
    response = demo.client("resident").post(
        "/cases/new/",
        {
            "category": "env.garbage",
            "description": "别的楼的问题",
            "priority": "normal",
            "where": "place",
            "place_id": other.pk,
        },
    )
    assert response.status_code == 422 and Case.objects.count() == before
    assert home.pk != other.pk
