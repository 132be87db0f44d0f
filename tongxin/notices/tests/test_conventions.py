"""Conventions (居民公约, 楼道公约): drafted by the staff of their place, in force once their
adoption is recorded; residents read their own community's and building's."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tongxin.core.errors import Forbidden, ValidationFailed
from tongxin.notices import selectors, services
from tongxin.notices.models import Convention
from tongxin.orgs.models import Post
from tongxin.places.models import Place

pytestmark = pytest.mark.django_db


def head_building(demo):
    head = demo.user("building")
    return Post.objects.active().get(person=head.person, role="building_head").place


def community(demo):
    return Place.objects.get(path=demo.grid(1).path[:8])


def other_building(demo):
    return (
        Place.objects.filter(kind="building", path__startswith=demo.grid(2).path)
        .order_by("path")
        .first()
    )


def draft(demo, place, kind, actor="secretary", title="公约"):
    return services.convention_draft(
        actor=demo.user(actor), place=place, kind=kind, title=title, text="一、爱护公共设施。"
    )


def adopt(demo, c, actor="secretary", **kw):
    args = {"adopted_on": dt.date(2026, 3, 1), "method": "representatives_meeting"}
    args.update(kw)
    return services.convention_adopt(actor=demo.user(actor), convention_id=c.pk, **args)


def test_residents_read_the_adopted_conventions_of_their_community_and_building(demo):
    resident = demo.user("resident")
    mine = draft(demo, head_building(demo), "stairwell", actor="grid1", title="本楼楼道公约")
    town = draft(demo, community(demo), "residents", title="居民公约")
    theirs = draft(demo, other_building(demo), "stairwell", actor="grid2", title="别楼公约")
    for c in (mine, town, theirs):
        assert not selectors.conventions_for(resident).filter(pk=c.pk).exists()  # drafts
    adopt(demo, mine, actor="grid1", method="vote", votes_for=40, votes_against=3, votes_abstain=2)
    adopt(demo, town, deliberation_ref="2026 年 2 月居民代表会议纪要")
    adopt(demo, theirs, actor="grid2")
    seen = set(selectors.conventions_for(resident).values_list("pk", flat=True))
    assert {mine.pk, town.pk} <= seen and theirs.pk not in seen
    # grid1 sees their grid's (and the community's), not grid 2's building.
    grid1 = set(selectors.conventions_for(demo.user("grid1")).values_list("pk", flat=True))
    assert {mine.pk, town.pk} <= grid1 and theirs.pk not in grid1
    page = demo.client("resident").get(f"/conventions/{mine.pk}/").content.decode()
    assert "赞成 40，反对 3，弃权 2" in page and "居民投票" in page
    assert demo.client("resident").get(f"/conventions/{theirs.pk}/").status_code == 404
    listed = demo.client("resident").get("/conventions/").content.decode()
    assert f'data-convention="{mine.pk}"' in listed
    assert f'data-convention="{theirs.pk}"' not in listed


def test_who_may_draft_and_adopt_and_the_rules_of_the_record(demo):
    building = head_building(demo)
    with pytest.raises(Forbidden):
        draft(demo, building, "stairwell", actor="grid2")
    with pytest.raises(Forbidden):
        draft(demo, building, "stairwell", actor="resident")
    with pytest.raises(ValidationFailed) as wrong_place:
        draft(demo, building, "residents")
    assert wrong_place.value.fields[0]["field"] == "place_id"
    c = draft(demo, building, "stairwell")
    with pytest.raises(ValidationFailed) as no_counts:
        adopt(demo, c, method="vote")
    assert no_counts.value.fields[0]["field"] == "votes_for"
    with pytest.raises(ValidationFailed):
        adopt(demo, c, method="vote", votes_for=3, votes_against=5)
    with pytest.raises(ValidationFailed):
        adopt(demo, c, adopted_on=dt.date(2099, 1, 1))
    with pytest.raises(ValidationFailed):
        adopt(demo, c, method="show_of_hands")
    adopted = adopt(demo, c, method="residents_meeting", deliberation_ref="议事 #12")
    assert adopted.adopted_on == dt.date(2026, 3, 1) and adopted.recorded_by == demo.user(
        "secretary"
    )
    with pytest.raises(ValidationFailed) as twice:
        adopt(demo, c)
    assert "不能重复登记" in twice.value.message


def test_the_pages_draft_and_adopt(demo):
    building = head_building(demo)
    client = demo.client("grid1")
    assert client.get("/conventions/new/").status_code == 200
    bad = client.post(
        "/conventions/new/",
        {"kind": "residents", "place": building.pk, "title": "x", "version": "1", "text": "y"},
    )
    assert bad.status_code == 422 and "居民公约适用于社区" in bad.content.decode()
    ok = client.post(
        "/conventions/new/",
        {
            "kind": "stairwell",
            "place": building.pk,
            "title": "楼道公约",
            "version": "1",
            "text": "不在楼道堆放杂物。",
        },
    )
    c = Convention.objects.get(title="楼道公约")
    assert ok.status_code == 302 and ok["Location"] == f"/conventions/{c.pk}/"
    refused = client.post(
        f"/conventions/{c.pk}/adopt/", {"adopted_on": "2026-03-01", "method": "vote"}
    )
    assert refused.status_code == 422 and "投票通过须填写赞成和反对票数" in refused.content.decode()
    done = client.post(
        f"/conventions/{c.pk}/adopt/",
        {"adopted_on": "2026-03-01", "method": "vote", "votes_for": "20", "votes_against": "1"},
    )
    assert done.status_code == 302
    c.refresh_from_db()
    assert c.votes_for == 20 and c.adoption_method == "vote"
    assert demo.client("grid2").get(f"/conventions/{c.pk}/adopt/").status_code == 404
    assert demo.client("resident").get("/conventions/new/").status_code == 403


def test_the_api_lists_and_creates_with_the_adoption(demo):
    api = demo.api("secretary")
    created = api.post(
        "/api/v1/conventions",
        data=json.dumps(
            {
                "kind": "residents",
                "place_id": community(demo).pk,
                "title": "文化路社区居民公约",
                "text": "一、遵纪守法。",
                "version": "2",
                "adoption": {
                    "adopted_on": "2026-01-15",
                    "method": "vote",
                    "votes_for": 312,
                    "votes_against": 12,
                    "votes_abstain": 9,
                    "deliberation_ref": "2026 年第 1 次居民代表会议",
                },
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["adopted"] and body["votes_for"] == 312 and body["version"] == "2"
    mine = demo.api("resident").get("/api/v1/conventions").json()
    assert body["id"] in [c["id"] for c in mine["items"]]
    bad = api.post(
        "/api/v1/conventions",
        data=json.dumps(
            {
                "kind": "residents",
                "place_id": community(demo).pk,
                "title": "x",
                "text": "y",
                "adoption": {"adopted_on": "2026-01-15", "method": "vote"},
            }
        ),
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert not Convention.objects.filter(title="x").exists()  # all or nothing
    assert demo.api("resident").post(
        "/api/v1/conventions",
        data=json.dumps(
            {"kind": "residents", "place_id": community(demo).pk, "title": "x", "text": "y"}
        ),
        content_type="application/json",
    ).status_code in (403, 404)


def test_the_demo_has_the_residents_convention_for_its_residents(demo):
    town = Convention.objects.get(kind="residents", place=community(demo))
    assert town.is_adopted and town.adoption_method == "representatives_meeting"
    assert selectors.conventions_for(demo.user("resident")).filter(pk=town.pk).exists()
