"""微会议: remote attendance, the speaking order, a vote of the attendees inside it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from tongxin.core import clock
from tongxin.core.errors import Forbidden
from tongxin.deliberation import selectors, services
from tongxin.meetings.tests.helpers import convene


@pytest.fixture
def micro(demo, estate):
    return convene(
        demo,
        kind="micro",
        invitees=[{"kind": "person", "id": estate.owners[k].pk} for k in "ABCDE"],
        online_url="https://meet.example.cn/r/2",
    )


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def test_remote_attendance_speaking_order_and_a_vote_inside(demo, estate, micro):
    for k in "ABC":
        r = _client(estate.users[k]).post(f"/api/v1/micro-meetings/{micro.pk}/join")
        assert r.status_code == 200, r.content
    from tongxin.meetings.models import Attendance

    assert set(Attendance.objects.filter(meeting=micro).values_list("method", flat=True)) == {
        "online"
    }
    # D did not join: no hand.
    with pytest.raises(Forbidden):
        services.hand_raise(actor=estate.users["D"], meeting=micro)
    b = services.hand_raise(actor=estate.users["B"], meeting=micro, topic="停车")
    a = services.hand_raise(actor=estate.users["A"], meeting=micro)
    assert services.hand_raise(actor=estate.users["B"], meeting=micro) == b  # once
    order = [r.pk for r in services.speaking_order(micro)]
    assert order == [b.pk, a.pk]
    sec = demo.user("secretary")
    with pytest.raises(Forbidden):
        services.floor(actor=estate.users["A"], meeting=micro, request_id=b.pk, act="give")
    services.floor(actor=sec, meeting=micro, request_id=b.pk, act="give")
    services.floor(actor=sec, meeting=micro, request_id=a.pk, act="give")  # B is done
    assert [(r.pk, r.state) for r in services.speaking_order(micro)] == [(a.pk, "speaking")]

    r = demo.client("secretary").post(
        f"/api/v1/micro-meetings/{micro.pk}/votes",
        json.dumps(
            {
                "title": "同意重新划线",
                "rule": "majority_present",
                "closes_at": (clock.now() + dt.timedelta(hours=1)).isoformat(),
            }
        ),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    from tongxin.deliberation.models import Vote

    vote = Vote.objects.get(pk=r.json()["id"])
    assert vote.eligible_heads == 3 and vote.meeting_id == micro.pk
    services.ballot_cast(actor=estate.users["A"], vote=vote, choice="yes")
    services.ballot_cast(actor=estate.users["B"], vote=vote, choice="yes")
    with pytest.raises(Exception) as refused:
        services.ballot_cast(actor=estate.users["D"], vote=vote, choice="yes")
    assert refused.value.code == "NOT_AN_ELECTOR"
    result = selectors.result_of(vote)
    # 2 of 3 attendees took part (more than half) and both said yes.
    assert result["passed"] is True and result["participating_heads"] == 2


def test_an_ordinary_meeting_is_not_joined_remotely(demo, estate):
    from tongxin.core.errors import ValidationFailed

    m = convene(demo, kind="joint", invitees=[{"kind": "person", "id": estate.owners["A"].pk}])
    with pytest.raises(ValidationFailed):
        services.micro_join(actor=estate.users["A"], meeting=m)


def test_the_room_on_the_phone_join_hand_floor_and_a_vote_inside(demo, estate, micro):
    """The pages over the same services: an invitee joins and raises a hand; the live part
    (htmx) shows the order; the secretary gives the floor and opens a vote of those present,
    whose page the attendee votes on."""
    a = _client(estate.users["A"])
    room = f"/deliberation/micro/{micro.pk}/"
    page = a.get(room)
    assert page.status_code == 200 and 'id="join"' in page.content.decode()
    assert a.post(f"{room}join/").status_code == 302
    page = a.get(room).content.decode()
    assert 'id="join"' not in page and 'id="hand"' in page
    assert 'id="micro-vote"' not in page  # an attendee does not run the meeting
    a.post(f"{room}hand/", {"topic": "楼道堆物"})
    live = a.get(room, headers={"HX-Request": "true"}).content.decode()
    assert "楼道堆物" in live and "<html" not in live and "在会 1 人" in live

    sec = demo.client("secretary")
    order = services.speaking_order(micro)
    assert sec.post(f"{room}floor/", {"request_id": order[0].pk, "act": "give"}).status_code == 302
    assert [r.state for r in services.speaking_order(micro)] == ["speaking"]
    # An attendee giving the floor gets a message, and nothing changes.
    a.post(f"{room}floor/", {"request_id": order[0].pk, "act": "done"})
    assert [r.state for r in services.speaking_order(micro)] == ["speaking"]

    bad = sec.post(f"{room}vote/", {"title": "同意", "rule": "majority_present", "minutes": "7"})
    assert bad.status_code == 302 and bad["Location"] == room
    from tongxin.deliberation.models import Vote

    assert not Vote.objects.filter(meeting_id=micro.pk).exists()
    made = sec.post(
        f"{room}vote/", {"title": "同意清理", "rule": "majority_present", "minutes": "10"}
    )
    vote = Vote.objects.get(meeting_id=micro.pk)
    assert made["Location"] == f"/deliberation/votes/{vote.pk}/" and vote.eligible_heads == 1
    assert a.post(f"/deliberation/votes/{vote.pk}/ballot/", {"choice": "yes"}).status_code == 302
    assert selectors.result_of(vote)["participating_heads"] == 1
    assert f'data-vote="{vote.pk}"' in a.get(room).content.decode()
    assert f'data-meeting="{micro.pk}"' in a.get("/deliberation/micro/").content.decode()
    # The meeting's own page leads to the room.
    assert f'href="{room}"' in a.get(f"/meetings/{micro.pk}/").content.decode()


def test_a_meeting_that_is_not_online_sends_its_room_to_its_own_page(demo, estate):
    m = convene(demo, kind="joint", invitees=[{"kind": "person", "id": estate.owners["A"].pk}])
    r = _client(estate.users["A"]).get(f"/deliberation/micro/{m.pk}/")
    assert r.status_code == 302 and r["Location"] == f"/meetings/{m.pk}/"
    assert (
        'id="room-link"'
        not in _client(estate.users["A"]).get(f"/meetings/{m.pk}/").content.decode()
    )
