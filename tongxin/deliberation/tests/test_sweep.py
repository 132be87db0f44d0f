"""The periodic job of votes (closing what is due, reminding before the close), merging a
duplicate topic into the one it repeats, and a topic raised from a daily-log entry."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tongxin.core import clock, schedule
from tongxin.core.errors import Forbidden, ValidationFailed
from tongxin.deliberation import services
from tongxin.deliberation.models import Channel, RecordKind, Topic, TopicSupport, Vote
from tongxin.inbox.models import Message

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def _open(demo, estate, days=7):
    return services.vote_open(
        actor=demo.user("secretary"),
        title="更换电梯",
        electorate="owners",
        place_id=estate.estate.pk,
        rule="art278_ordinary",
        closes_at=clock.now() + dt.timedelta(days=days),
    )


def test_the_sweep_is_scheduled_every_five_minutes():
    job = schedule.JOBS["deliberation_votes"]
    assert job.run is services.votes_sweep
    assert job.cron == {"minute": "*/5"}


def test_electors_who_have_not_voted_are_reminded_once_before_the_close(demo, estate):
    vote = _open(demo, estate)
    services.ballot_cast(actor=estate.users["A"], vote=vote, choice="yes")
    topic = f"vote:{vote.pk}"
    services.remind_electors()
    assert not Message.objects.filter(topic=topic).exists()  # a week before: not yet
    with time_machine.travel(vote.closes_at - dt.timedelta(hours=12), tick=False):
        services.votes_sweep()
        reminded = set(Message.objects.filter(topic=topic).values_list("recipient_id", flat=True))
        # B and C co-own one unit: both may cast its vote, both are reminded; A has voted.
        assert reminded == {estate.owners[k].pk for k in "BCDEF"}
        assert Message.objects.filter(topic=topic, kind="vote_reminder").count() == 5
        services.votes_sweep()  # run again: nothing twice
        assert Message.objects.filter(topic=topic).count() == 5
    assert Vote.objects.get(pk=vote.pk).reminded_at is not None


def test_the_sweep_closes_due_votes_and_stores_the_result_once(demo, estate):
    vote = _open(demo, estate, days=1)
    for k in "ABDE":
        services.ballot_cast(actor=estate.users[k], vote=vote, choice="yes")
    with time_machine.travel(vote.closes_at + dt.timedelta(minutes=3), tick=False):
        summary = services.votes_sweep()
        assert summary.startswith("closed ")
        vote.refresh_from_db()
        assert vote.state == "closed"
        assert vote.result["passed"] is True and vote.result["participating_heads"] == 4
        closed_at = vote.closed_at
        assert services.close_due_votes() == 0  # nothing left to close
    vote.refresh_from_db()
    assert vote.closed_at == closed_at


def _topic(user, place, title):
    return services.topic_propose(actor=user, title=title, place_id=place.pk)


def test_a_duplicate_topic_is_merged_with_its_supporters(demo, estate):
    u = estate.users
    target = _topic(u["A"], estate.estate, "东门加装充电桩")
    dup = _topic(u["D"], estate.estate, "充电桩太少")
    for k in ("B", "A"):
        services.topic_act(actor=u[k], topic=dup, act="support", data={})
    services.topic_act(actor=u["E"], topic=target, act="support", data={})
    manager = demo.user("secretary")
    with pytest.raises(ValidationFailed):
        services.topic_act(actor=manager, topic=dup, act="merge", data={"target_id": dup.pk})
    with pytest.raises(Forbidden):
        services.topic_act(actor=u["B"], topic=dup, act="merge", data={"target_id": target.pk})
    dup = services.topic_act(
        actor=manager, topic=dup, act="merge", data={"target_id": target.pk, "text": "同一诉求"}
    )
    target.refresh_from_db()
    assert dup.state == "withdrawn" and dup.merged_into_id == target.pk
    # E supported already; D (the duplicate's proposer) and B carry over; A proposed the target.
    assert target.supporters == 3
    supporters = set(TopicSupport.objects.filter(topic=target).values_list("person_id", flat=True))
    assert supporters == {estate.owners[k].pk for k in "BDE"}
    assert target.records.filter(kind=RecordKind.MERGE, data__merged_id=dup.pk).exists()


def test_a_daily_log_entry_raises_a_topic(demo, estate):
    from tongxin.notices import services as notices

    grid1 = demo.user("grid1")
    entry = notices.log_entry_record(
        actor=grid1, place=estate.dwellings["101"], raised="住户反映楼下电动车乱停，希望议一议"
    )
    c = demo.client("grid1")
    r = c.post(f"/deliberation/topics/from-log/{entry.pk}/", {"kind": "nonsense"})
    assert r.status_code == 302
    assert not Topic.objects.filter(channel=Channel.LOG).exists()  # bad input writes nothing
    page = c.get(f"/log/{entry.pk}/")
    assert f'action="/deliberation/topics/from-log/{entry.pk}/"' in page.content.decode()
    r = c.post(f"/deliberation/topics/from-log/{entry.pk}/", {"kind": "parking", "description": ""})
    assert r.status_code == 302
    topic = Topic.objects.get(channel=Channel.LOG, source_id=entry.pk)
    assert topic.title.startswith("住户反映楼下电动车乱停")
    assert topic.category == "停车交通"
    assert topic.place.kind == "building" and estate.dwellings["101"].path.startswith(
        topic.place_path
    )
    page = c.get(f"/log/{entry.pk}/").content.decode()
    assert f'href="/deliberation/topics/{topic.pk}/"' in page
    # A resident does not record at the entry's place: refused, nothing raised.
    r = demo.client("resident").post(
        f"/deliberation/topics/from-log/{entry.pk}/", {"kind": "parking"}
    )
    assert r.status_code in (403, 404)
    assert Topic.objects.filter(channel=Channel.LOG).count() == 1


def test_topics_are_classified_and_merged_from_the_pages(demo, estate):
    u = estate.users
    target = services.topic_propose(
        actor=u["A"], title="东门充电桩", place_id=estate.estate.pk, category="设施维修"
    )
    dup = services.topic_propose(
        actor=u["D"], title="充电桩不够", place_id=estate.estate.pk, category="设施维修"
    )
    other = services.topic_propose(
        actor=u["E"], title="楼道堆物", place_id=estate.estate.pk, category="环境卫生"
    )
    c = demo.client("secretary")
    listed = c.get("/deliberation/topics/", {"category": "环境卫生"}).content.decode()
    assert f'data-topic="{other.pk}"' in listed and f'data-topic="{dup.pk}"' not in listed
    page = c.get(f"/deliberation/topics/{dup.pk}/").content.decode()
    assert 'data-act="merge"' in page and f'<option value="{target.pk}">' in page
    r = c.post(f"/deliberation/topics/{dup.pk}/merge/", {"target_id": target.pk, "text": "重复"})
    assert r.status_code == 302
    dup.refresh_from_db()
    assert dup.state == "withdrawn" and dup.merged_into_id == target.pk
    page = c.get(f"/deliberation/topics/{target.pk}/").content.decode()
    assert 'id="merged"' in page and "充电桩不够" in page
    # A resident of the estate sees the topic (and may support it), not the merge form.
    from django.test import Client

    owner = Client()
    owner.force_login(u["F"])
    mine = owner.get(f"/deliberation/topics/{other.pk}/")
    assert mine.status_code == 200 and 'data-act="support"' in mine.content.decode()
    assert 'data-act="merge"' not in mine.content.decode()


def test_an_agenda_item_of_a_meeting_becomes_a_topic(demo, estate):
    import json

    from tongxin.meetings.models import AgendaItem
    from tongxin.meetings.tests.helpers import convene

    meeting = convene(demo, kind="joint", place_id=estate.dwellings["202"].pk)
    item = AgendaItem.objects.filter(meeting=meeting).order_by("position").last()
    c = demo.client("secretary")
    r = c.post(
        "/api/v1/topics",
        json.dumps({"agenda_item_id": item.pk}),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    topic = Topic.objects.get(pk=r.json()["id"])
    assert topic.channel == Channel.MEETING and topic.source_id == meeting.pk
    assert topic.title == item.text and topic.place.kind == "building"
    # An item the caller cannot see is not found; nothing written.
    from django.test import Client

    outsider = Client()
    outsider.force_login(estate.users["F"])
    r = outsider.post(
        "/api/v1/topics", json.dumps({"agenda_item_id": item.pk}), content_type="application/json"
    )
    assert r.status_code == 404
    assert Topic.objects.filter(channel=Channel.MEETING, source_id=meeting.pk).count() == 1
