"""``/api/v1/scorecards``: the kinds' registry, scoping (a branch secretary sees their branch
and its members, a member only their own card), evidence links that resolve to records the
viewer may see, and a clear 400 for an unknown kind."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from .conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def client(user):
    c = Client()
    c.force_login(user)
    return c


def test_a_member_lists_only_their_own_card_and_its_evidence_opens(branch):
    x = branch.members[1]
    branch.hold(at(2026, 3, 15))
    branch.hold(at(2026, 4, 15), absent={x.pk: ""})
    xu = branch.user_of(x, "xmember")
    c = client(xu)
    with time_machine.travel(at(2026, 6, 1), tick=False):
        r = c.get("/api/v1/scorecards?kind=member&year=2026")
        assert r.status_code == 200, r.content
        body = r.json()
        assert body["count"] == 1
        card_id = body["items"][0]["id"]
        assert card_id == f"member-{x.pk}-2026"
        card = c.get(f"/api/v1/scorecards/{card_id}").json()
        assert set(card) >= {"total", "stars", "items"}
        rules = {i["rule"]: i for i in card["items"]}
        assert rules["life_unexcused"]["points"] == "-3.50"
        urls = {e["url"] for i in card["items"] for e in i["evidence"] if e["url"]}
        assert urls
        for url in urls:  # every link opens for the member
            assert c.get(url).status_code == 200, url
        # another member's card is not there
        other = branch.members[2]
        assert c.get(f"/api/v1/scorecards/member-{other.pk}-2026").status_code == 404
        assert c.get(f"/api/v1/scorecards/branch-{branch.org.pk}-2026").status_code == 404


def test_the_branch_secretary_sees_their_branch_and_members_only(branch, demo):
    c = client(branch.secretary)
    with time_machine.travel(at(2026, 6, 1), tick=False):
        members = c.get("/api/v1/scorecards?kind=member&year=2026").json()
        assert members["count"] == 7
        assert {i["id"] for i in members["items"]} == {
            f"member-{p.pk}-2026" for p in branch.members
        }
        branches = c.get("/api/v1/scorecards?kind=branch&year=2026").json()
        assert [i["id"] for i in branches["items"]] == [f"branch-{branch.org.pk}-2026"]
        other = demo.grid(1)
        from tongxin.orgs.models import Organisation

        b1 = Organisation.objects.get(kind="branch", places=other)
        assert c.get(f"/api/v1/scorecards/branch-{b1.pk}-2026").status_code == 404
        card = c.get(f"/api/v1/scorecards/branch-{branch.org.pk}-2026").json()
        assert card["stars"] in range(1, 6)
        # the committee sees every branch of the community
        com = demo.client("secretary").get("/api/v1/scorecards?kind=branch&year=2026").json()
        assert com["count"] >= 7


def test_unit_cards_come_from_the_alliance_and_unknown_kinds_are_400(demo):
    c = demo.client("secretary")
    r = c.get("/api/v1/scorecards?kind=unit")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] >= 1
    one = c.get(f"/api/v1/scorecards/{body['items'][0]['id']}")
    assert one.status_code == 200 and "items" in one.json()
    bad = c.get("/api/v1/scorecards?kind=nonsense")
    assert bad.status_code == 400
    assert bad.json()["code"] == "UNKNOWN_SCORECARD_KIND"
    assert "branch" in bad.json()["fields"][0]["reason"]
    assert c.get("/api/v1/scorecards/nonsense-1-2026").status_code == 400
    assert c.get("/api/v1/scorecards/member-x-2026").status_code == 404
    assert demo.client("resident").get("/api/v1/scorecards?kind=unit").json()["count"] == 0


def test_in_service_cards_come_from_the_alliance_and_stay_in_scope(demo):
    from tongxin.alliance.models import InServiceMember

    c = demo.client("secretary")
    body = c.get("/api/v1/scorecards?kind=in_service").json()
    assert body["count"] == InServiceMember.objects.visible_to(demo.user("secretary")).count()
    assert body["count"] >= 1
    scored = [i for i in body["items"] if i["total"] is not None]
    assert scored, "the demo's alliance scores its units' in-service members"
    one = c.get(f"/api/v1/scorecards/{scored[0]['id']}").json()
    assert one["kind"] == "in_service" and one["items"]
    # Another grid's worker sees none of the community's members beyond their own grid.
    other = demo.client("grid2").get("/api/v1/scorecards?kind=in_service").json()
    assert other["count"] == InServiceMember.objects.visible_to(demo.user("grid2")).count()
    assert other["count"] < body["count"]
