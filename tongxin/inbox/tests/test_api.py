"""The inbox through the API: each person lists and marks only their own messages."""

from __future__ import annotations

import json

import pytest

from tongxin.inbox.models import Message
from tongxin.inbox.services import notify


def post(client, url):
    return client.post(url, data=json.dumps({}), content_type="application/json")


@pytest.fixture
def messages(demo):
    grid1, grid2 = demo.user("grid1").person, demo.user("grid2").person
    made = [
        *notify(recipients=[grid1], kind="case_assigned", subject="新诉求待受理：井盖", link="/x"),
        *notify(recipients=[grid1], kind="case_deadline", subject="受理黄色预警：井盖"),
        *notify(recipients=[grid2], kind="case_assigned", subject="新诉求待受理：路灯"),
    ]
    return made


@pytest.mark.django_db
def test_list_unread_and_mark_read(demo, messages):
    mine, _second, theirs = messages
    client = demo.api("grid1")
    before = Message.objects.filter(recipient=demo.user("grid1").person, read_at__isnull=True)
    unread_before = before.count()

    body = client.get("/api/v1/inbox", {"unread": "true"}).json()
    assert body["unread_count"] == unread_before and body["count"] == unread_before
    ids = [m["id"] for m in body["items"]]
    assert {mine.pk, _second.pk} <= set(ids) and theirs.pk not in ids
    assert ids[0] == _second.pk  # newest first
    first = next(m for m in body["items"] if m["id"] == mine.pk)
    assert first["subject"] == "新诉求待受理：井盖" and first["read"] is False

    answer = post(client, f"/api/v1/inbox/{mine.pk}/read")
    assert answer.status_code == 200 and answer.json()["read"] is True
    assert post(client, f"/api/v1/inbox/{mine.pk}/read").status_code == 200  # again: no change
    unread = client.get("/api/v1/inbox", {"unread": "true"}).json()
    assert mine.pk not in [m["id"] for m in unread["items"]]
    assert unread["unread_count"] == unread_before - 1
    everything = client.get("/api/v1/inbox").json()
    assert mine.pk in [m["id"] for m in everything["items"]] or everything["count"] > 20

    # Someone else's message is not there at all.
    assert post(client, f"/api/v1/inbox/{theirs.pk}/read").status_code == 404
    assert post(demo.api("grid2"), f"/api/v1/inbox/{mine.pk}/read").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_read_all(demo, messages):
    client = demo.api("grid1")
    marked = post(client, "/api/v1/inbox/read-all").json()["marked"]
    assert marked >= 1
    assert client.get("/api/v1/inbox").json()["unread_count"] == 0
    assert post(client, "/api/v1/inbox/read-all").json() == {"marked": 0}
    assert Message.objects.get(pk=messages[2].pk).read_at is None  # grid2's stays unread
    admin = demo.api("sysadmin")
    assert admin.get("/api/v1/inbox").json()["count"] == 0
    assert post(admin, "/api/v1/inbox/read-all").json() == {"marked": 0}


@pytest.mark.django_db
def test_bad_query_and_anonymous(demo):
    from django.test import Client

    assert Client().get("/api/v1/inbox").status_code == 401
    assert demo.api("grid1").get("/api/v1/inbox", {"unread": "maybe"}).status_code == 422
    assert demo.api("grid1").get("/api/v1/inbox", {"page": 0}).status_code == 422
