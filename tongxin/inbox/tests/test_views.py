"""The inbox page: only one's own messages, newest first; opening marks read and follows the
link; mark all read; the unread count in the navigation."""

from __future__ import annotations

import pytest

from tongxin.inbox.models import Message
from tongxin.inbox.services import notify

pytestmark = pytest.mark.django_db


def test_inbox_lists_opens_and_marks_read(demo):
    person = demo.user("grid1").person
    Message.objects.filter(recipient=person).update(read_at=None)
    old = notify(recipients=[person], kind="t", subject="较早的消息", link="/cases/")[0]
    new = notify(recipients=[person], kind="t", subject="最新的消息", link="/cases/")[0]
    other = notify(recipients=[demo.user("grid2").person], kind="t", subject="别人的消息")[0]
    client = demo.client("grid1")
    body = client.get("/inbox/").content.decode()
    assert body.index("最新的消息") < body.index("较早的消息")
    assert "别人的消息" not in body
    assert 'class="nav-count"' in body
    response = client.get(f"/inbox/{new.pk}/")
    assert response.status_code == 302 and response["Location"] == "/cases/"
    new.refresh_from_db()
    assert new.read_at is not None
    assert client.get(f"/inbox/{other.pk}/").status_code == 404
    unread = client.get("/inbox/?unread=1").content.decode()
    assert "较早的消息" in unread and "最新的消息" not in unread
    assert client.post("/inbox/read-all/").status_code == 302
    old.refresh_from_db()
    assert old.read_at is not None
    body = client.get("/inbox/").content.decode()
    assert "全部标为已读" not in body and 'class="nav-count"' not in body


def test_a_link_off_site_is_not_followed(demo):
    person = demo.user("resident").person
    msg = notify(recipients=[person], kind="t", subject="外链", link="//evil.example/")[0]
    response = demo.client("resident").get(f"/inbox/{msg.pk}/")
    assert response["Location"] == "/inbox/"


def test_empty_inbox(demo):
    Message.objects.filter(recipient=demo.user("member").person).delete()
    body = demo.client("member").get("/inbox/").content.decode()
    assert "还没有消息" in body
    assert demo.client("member").get("/inbox/?unread=1").status_code == 200
