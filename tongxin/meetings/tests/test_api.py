"""The API: convening, listing with filters, the meeting's answer, sign-in, apologies, acts,
resolutions and action items, with their error codes."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tongxin.core import clock
from tongxin.meetings.models import Meeting

from .helpers import committee, liaison_of, units, user_for

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def bearer(demo, user):
    from django.test import Client

    from tongxin.accounts.models import ApiToken

    return Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user, name='t')[1]}")


def test_the_meeting_round_trip(demo):
    sec = demo.api("secretary")
    u1, u2 = units(2)
    liaison = user_for(liaison_of(u1), "api-liaison")
    starts = (clock.now() + dt.timedelta(hours=1)).isoformat()
    r = post(
        sec,
        "/api/v1/meetings",
        {
            "kind": "joint",
            "organisation_id": committee().pk,
            "starts_at": starts,
            "agenda": ["通报", "研究"],
            "place": "三楼会议室",
            "invitees": [{"kind": "unit", "id": u1.pk}, {"kind": "unit", "id": u2.pk}],
        },
    )
    assert r.status_code == 201, r.content
    m = r.json()
    assert m["kind"] == "joint" and m["state"] == "planned" and m["agenda"] == ["通报", "研究"]
    assert m["quorum"]["invited"] == 2 and m["quorum"]["required"] == 1
    assert [s["status"] for s in m["seats"]] == ["absent", "absent"]
    assert set(m["acts"]) == {"hold", "cancel"} and m["may_run"]

    # Listing with filters.
    today = clock.local_date(clock.now() + dt.timedelta(hours=1))
    r = sec.get(
        "/api/v1/meetings",
        {
            "organisation_id": committee().pk,
            "kind": "joint",
            "from": today.isoformat(),
            "to": today.isoformat(),
        },
    )
    assert m["id"] in [x["id"] for x in r.json()["items"]]
    r = sec.get("/api/v1/meetings", {"kind": "weekly", "from": today.isoformat()})
    assert m["id"] not in [x["id"] for x in r.json()["items"]]
    assert sec.get("/api/v1/meetings", {"from": "1800-01-01"}).status_code == 422

    # The liaison: the wrong token, then the secretary signs them in.
    phone = bearer(demo, liaison)
    r = post(phone, f"/api/v1/meetings/{m['id']}/sign-in", {"token": "nope"})
    assert r.status_code == 403 and r.json()["code"] == "SIGNIN_TOKEN_INVALID"
    r = post(sec, f"/api/v1/meetings/{m['id']}/sign-in", {"person_id": liaison.person_id})
    assert r.status_code == 201 and r.json()["method"] == "secretary"
    r = post(phone, f"/api/v1/meetings/{m['id']}/apologies", {"reason": "临时有事"})
    assert r.status_code == 409 and r.json()["code"] == "ALREADY_SIGNED_IN"
    r = post(
        sec, f"/api/v1/meetings/{m['id']}/sign-in", {"person_id": demo.user("resident").person_id}
    )
    assert r.status_code == 403 and r.json()["code"] == "NOT_INVITED"

    # Resolutions need a held meeting.
    r = post(sec, f"/api/v1/meetings/{m['id']}/resolutions", {"text": "x"})
    assert r.status_code == 409 and r.json()["code"] == "MEETING_NOT_HELD"
    r = post(sec, f"/api/v1/meetings/{m['id']}/actions/hold", {})
    assert r.status_code == 200 and r.json()["state"] == "held"
    assert r.json()["quorum"]["met"]
    r = post(sec, f"/api/v1/meetings/{m['id']}/actions/minute", {})
    assert r.status_code == 422 and r.json()["code"] == "MINUTES_REQUIRED"
    r = post(sec, f"/api/v1/meetings/{m['id']}/actions/fly", {})
    assert r.status_code == 422 and r.json()["code"] == "UNKNOWN_ACTION"
    r = post(sec, f"/api/v1/meetings/{m['id']}/actions/cancel", {})
    assert r.status_code == 409 and r.json()["code"] == "TRANSITION_NOT_ALLOWED"
    due = (clock.today() + dt.timedelta(days=30)).isoformat()
    r = post(
        sec,
        f"/api/v1/meetings/{m['id']}/resolutions",
        {"text": "共享停车位", "owner_person_id": liaison.person_id, "due": due},
    )
    assert r.status_code == 201, r.content
    item = r.json()
    assert item["owner"]["id"] == liaison.person_id and item["due"] == due
    assert item["state"] == "open" and not item["overdue"]
    r = post(
        sec, f"/api/v1/meetings/{m['id']}/resolutions", {"text": "汇总", "owner_person_id": None}
    )
    assert r.json()["owner"]["id"] == demo.user("secretary").person_id
    r = post(sec, f"/api/v1/meetings/{m['id']}/resolutions", {"text": "x", "due": "1900-01-01"})
    assert r.status_code == 422

    # The owner's list and acts.
    mine = phone.get("/api/v1/action-items", {"mine": 1}).json()["items"]
    assert item["id"] in [i["id"] for i in mine]
    assert all(i["owner"]["id"] == liaison.person_id for i in mine)
    r = post(phone, f"/api/v1/action-items/{item['id']}/actions/cancel", {"note": "不办"})
    assert r.status_code == 403 and r.json()["code"] == "ACTION_FORBIDDEN"
    r = post(phone, f"/api/v1/action-items/{item['id']}/actions/complete", {"note": "已办"})
    assert r.status_code == 200 and r.json()["state"] == "done"
    r = post(phone, f"/api/v1/action-items/{item['id']}/actions/complete", {})
    assert r.status_code == 409
    assert demo.api("resident").get(f"/api/v1/meetings/{m['id']}").status_code == 404
    r = post(demo.api("resident"), f"/api/v1/action-items/{item['id']}/actions/reopen", {})
    assert r.status_code == 404


def test_convening_errors(demo):
    sec = demo.api("secretary")
    starts = clock.now().isoformat()
    r = post(sec, "/api/v1/meetings", {"kind": "joint", "starts_at": starts, "agenda": []})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "agenda"
    r = post(sec, "/api/v1/meetings", {"kind": "party", "starts_at": starts, "agenda": ["a"]})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "kind"
    r = post(
        sec, "/api/v1/meetings", {"kind": "joint", "starts_at": "2026-13-01T00:00", "agenda": ["a"]}
    )
    assert r.status_code == 422
    r = post(
        sec,
        "/api/v1/meetings",
        {
            "kind": "joint",
            "starts_at": starts,
            "agenda": ["a"],
            "invitees": [{"kind": "unit", "id": 10**9}],
        },
    )
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "invitees[0].id"
    # Without organisation_id: the caller's own (the committee, for the secretary).
    r = post(sec, "/api/v1/meetings", {"kind": "weekly", "starts_at": starts, "agenda": ["a"]})
    assert r.status_code == 201 and r.json()["organisation"] == committee().pk
    r = post(
        demo.api("resident"),
        "/api/v1/meetings",
        {"kind": "joint", "starts_at": starts, "agenda": ["a"]},
    )
    assert r.status_code == 403 and r.json()["code"] == "ACTION_FORBIDDEN"
    assert Meeting.objects.filter(kind__code="weekly", organisation=committee()).exists()


def test_overdue_items_for_the_convener(demo):
    sec = demo.api("secretary")
    body = sec.get("/api/v1/action-items", {"overdue": 1}).json()
    assert body["count"] >= 2  # the demo's last 联席会 left two overdue
    assert all(i["overdue"] for i in body["items"])
