"""Notices: audience resolution, delivery through the inbox, receipts and the API."""

from __future__ import annotations

import json

import pytest

from tongxin.core.errors import Forbidden, ValidationFailed
from tongxin.core.scoping import scope_for
from tongxin.inbox.models import Message
from tongxin.notices import selectors, services
from tongxin.notices.models import Notice, NoticeReceipt
from tongxin.orgs.models import Post
from tongxin.people.models import CareTag, Person
from tongxin.places.models import Place

pytestmark = pytest.mark.django_db


def head_building(demo):
    head = demo.user("building")
    return Post.objects.active().get(person=head.person, role="building_head").place


def publish(demo, place, **kw):
    return services.notice_publish(
        actor=kw.pop("actor", demo.user("secretary")),
        audience_place=place,
        title=kw.pop("title", "停水通知"),
        body=kw.pop("body", "明日 9 点至 12 点停水"),
        **kw,
    )


def test_a_notice_to_a_building_reaches_exactly_its_residents(demo):
    building = head_building(demo)
    residents = set(
        Person.objects.filter(place_path__startswith=building.path, is_active=True).values_list(
            "pk", flat=True
        )
    )
    assert residents and demo.user("resident").person_id in residents
    notice = publish(demo, building)
    receipts = set(NoticeReceipt.objects.filter(notice=notice).values_list("person_id", flat=True))
    told = set(
        Message.objects.filter(topic=f"notice:{notice.pk}").values_list("recipient_id", flat=True)
    )
    assert receipts == residents == told
    assert notice.recipient_count == len(residents)
    # The resident's account sees it among their own; a resident elsewhere does not.
    body = demo.api("resident").get("/api/v1/notices?mine=1").json()
    assert notice.pk in [n["id"] for n in body["items"]]
    outsider = Person.objects.filter(place_path__startswith=demo.grid(2).path).first()
    assert outsider.pk not in receipts


def test_care_tag_audience_is_the_tagged_residents_of_the_subtree(demo):
    grid = demo.grid(1)
    tagged = set(
        CareTag.objects.filter(
            kind="empty_nest", person__place_path__startswith=grid.path, end_date__isnull=True
        ).values_list("person_id", flat=True)
    )
    notice = publish(demo, grid, audience="care_tag", care_tag="empty_nest")
    got = set(NoticeReceipt.objects.filter(notice=notice).values_list("person_id", flat=True))
    assert got <= set(
        Person.objects.filter(place_path__startswith=grid.path).values_list("pk", flat=True)
    )
    assert tagged <= got or not tagged


def test_staff_audience_is_the_staff_posted_under_the_place(demo):
    community = Place.objects.get(path=demo.grid(1).path[:8])
    notice = publish(demo, community, audience="staff")
    got = set(NoticeReceipt.objects.filter(notice=notice).values_list("person_id", flat=True))
    assert demo.user("grid1").person_id in got
    assert demo.user("resident").person_id not in got


def test_only_staff_of_the_place_publish(demo):
    with pytest.raises(Forbidden):
        publish(demo, demo.grid(1), actor=demo.user("grid2"))
    with pytest.raises(Forbidden):
        publish(demo, head_building(demo), actor=demo.user("building"))
    assert publish(demo, demo.grid(1), actor=demo.user("grid1")).recipient_count > 0


def test_bad_input_is_refused_and_nothing_is_written(demo):
    notices, messages = Notice.objects.count(), Message.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        publish(demo, demo.grid(1), title=" ", audience="care_tag", care_tag="nonsense")
    assert {f["field"] for f in exc.value.fields} == {"title", "care_tag"}
    assert (Notice.objects.count(), Message.objects.count()) == (notices, messages)


def test_opening_records_the_read_and_the_unread_list_follows(demo):
    building = head_building(demo)
    notice = publish(demo, building)
    grid1 = demo.api("grid1")
    before = grid1.get(f"/api/v1/notices/{notice.pk}/receipts").json()
    assert before["read"] == 0 and before["unread"] == notice.recipient_count
    resident = demo.user("resident")
    assert resident.person_id in {p["id"] for p in before["unread_people"]}
    assert all(set(p) == {"id", "name", "address"} for p in before["unread_people"])

    opened = demo.api("resident").get(f"/api/v1/notices/{notice.pk}").json()
    assert opened["read_at"] is not None
    message = Message.objects.get(recipient=resident.person, topic=f"notice:{notice.pk}")
    assert message.read_at is not None
    after = grid1.get(f"/api/v1/notices/{notice.pk}/receipts").json()
    assert after["read"] == 1 and after["unread"] == notice.recipient_count - 1
    assert resident.person_id not in {p["id"] for p in after["unread_people"]}
    # A second opening changes nothing.
    first = NoticeReceipt.objects.get(notice=notice, person=resident.person).read_at
    demo.api("resident").get(f"/api/v1/notices/{notice.pk}")
    assert NoticeReceipt.objects.get(notice=notice, person=resident.person).read_at == first


def test_a_grid_worker_sees_only_their_own_grids_receipts(demo):
    community = Place.objects.get(path=demo.grid(1).path[:8])
    notice = publish(demo, community)
    r1 = selectors.receipts_of(demo.user("grid1"), notice)
    r2 = selectors.receipts_of(demo.user("grid2"), notice)
    whole = selectors.receipts_of(demo.user("secretary"), notice)
    assert r1.unread and r2.unread
    grid1_ids = {p["id"] for p in r1.unread_people}
    assert grid1_ids.isdisjoint({p["id"] for p in r2.unread_people})
    paths = Person.objects.filter(pk__in=grid1_ids).values_list("place_path", flat=True)
    own = scope_for(demo.user("grid1")).case_paths  # the grids grid1 works in
    assert all(any(p.startswith(g) for g in own) for p in paths)
    assert whole.unread == notice.recipient_count >= r1.unread + r2.unread
    # A resident may read the notice but not its receipts.
    response = demo.api("resident").get(f"/api/v1/notices/{notice.pk}/receipts")
    assert response.status_code == 403


def test_api_publish_and_errors(demo):
    api = demo.api("secretary")
    grid = demo.grid(1)
    response = api.post(
        "/api/v1/notices",
        data=json.dumps(
            {
                "audience": {"place_id": grid.pk},
                "title": "社区通知",
                "body": "周六义诊",
                "kind": "urgent",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["recipient_count"] > 0
    bad = api.post(
        "/api/v1/notices",
        data=json.dumps({"audience": {"place_id": grid.pk}, "title": "简报", "kind": "bulletin"}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "issue_number"
    missing = api.post(
        "/api/v1/notices",
        data=json.dumps({"audience": {"place_id": 999999}, "title": "x"}),
        content_type="application/json",
    )
    assert missing.status_code == 404
    refused = demo.api("grid2").post(
        "/api/v1/notices",
        data=json.dumps({"audience": {"place_id": grid.pk}, "title": "x"}),
        content_type="application/json",
    )
    assert refused.status_code in (403, 404)
    # Staff of another grid do not see a grid's notice at all.
    nid = response.json()["id"]
    assert demo.api("grid2").get(f"/api/v1/notices/{nid}").status_code == 404
