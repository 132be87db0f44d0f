"""The contact card (便民服务卡): from the registry and the responsibility chain, public
contacts only, and it changes the day a post ends."""

from __future__ import annotations

import datetime as dt

import pytest

from tongxin.core import clock
from tongxin.core.scoping import forget_scope
from tongxin.notices import selectors
from tongxin.orgs.models import Post

pytestmark = pytest.mark.django_db


def grid_worker_a(demo):
    return Post.objects.active().get(place=demo.grid(1), role="grid_worker", rank="A")


def test_the_resident_sees_their_own_card(demo):
    resident = demo.user("resident")
    body = demo.api("resident").get("/api/v1/contact-card").json()
    assert body["place"] == resident.person.place_id
    roles = [line["role"] for line in body["lines"]]
    assert "building_head" in roles and "grid_worker" in roles
    a = grid_worker_a(demo)
    assert {"role": "grid_worker", "name": a.person.name} in [
        {"role": line["role"], "name": line["name"]} for line in body["lines"]
    ]
    assert any(line["role_label"].endswith(" A") for line in body["lines"])
    assert [e["phone"] for e in body["emergency"]][:3] == ["110", "119", "120"]
    # A post's published work phone in full (电话公开), else the holder's number masked: never
    # a private number in clear (the autouse fixture checks every response too).
    by_name = {line["name"]: line["phone"] for line in body["lines"]}
    assert by_name[a.person.name] == a.public_phone != ""
    for line in body["lines"]:
        post_phone = (
            Post.objects.active()
            .filter(person__name=line["name"], public_contact=True)
            .values_list("public_phone", flat=True)
        )
        assert line["phone"] in set(post_phone) or "*" in line["phone"] or not line["phone"]


def test_only_public_contacts_are_on_the_card(demo):
    head = Post.objects.active().get(person=demo.user("building").person, role="building_head")
    place = demo.user("resident").person.place
    assert "building_head" in [line.role for line in selectors.card_for(place).lines]
    Post.objects.filter(pk=head.pk).update(public_contact=False)
    assert "building_head" not in [line.role for line in selectors.card_for(place).lines]


def test_a_post_publishes_its_own_number_not_the_holders(demo):
    place = demo.user("resident").person.place
    a = grid_worker_a(demo)
    line = next(c for c in selectors.card_for(place).lines if c.name == a.person.name)
    assert line.phone == a.public_phone
    Post.objects.filter(pk=a.pk).update(public_phone="")
    line = next(c for c in selectors.card_for(place).lines if c.name == a.person.name)
    assert line.phone == a.person.phone_masked and "*" in line.phone


@pytest.mark.dates
def test_the_card_changes_when_a_post_ends(demo):
    place = demo.user("resident").person.place
    a = grid_worker_a(demo)
    before = selectors.card_for(place)
    assert a.person.name in [line.name for line in before.lines if line.role == "grid_worker"]
    assert before.responsible is not None
    Post.objects.filter(pk=a.pk).update(end_date=clock.today() - dt.timedelta(days=1))
    after = selectors.card_for(place)
    names = [line.name for line in after.lines if line.role == "grid_worker"]
    assert a.person.name not in names
    # Over the API too: the resident's card the next time they open it.
    forget_scope(demo.user("resident"))
    body = demo.api("resident").get("/api/v1/contact-card").json()
    assert a.person.name not in [
        line["name"] for line in body["lines"] if line["role"] == "grid_worker"
    ]


def test_staff_ask_for_a_dwelling_and_others_are_refused(demo):
    place = demo.user("resident").person.place
    ok = demo.api("grid1").get(f"/api/v1/contact-card?dwelling_id={place.pk}")
    assert ok.status_code == 200 and ok.json()["place"] == place.pk
    assert demo.api("grid2").get(f"/api/v1/contact-card?dwelling_id={place.pk}").status_code == 404
    assert demo.api("sysadmin").get("/api/v1/contact-card").status_code == 404
