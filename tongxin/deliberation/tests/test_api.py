"""The votes and topics API: the shapes of the issue, the refusals, nothing half-written."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client

from tongxin.core import clock
from tongxin.deliberation.models import Ballot, Elector, Topic, TopicRecord


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _post(c: Client, url: str, body: dict) -> tuple[int, dict]:
    r = c.post(url, json.dumps(body, default=str), content_type="application/json")
    return r.status_code, r.json()


def _vote(demo, estate, **extra):
    body = {
        "title": "更换电梯",
        "electorate": "owners",
        "place_id": estate.estate.pk,
        "rule": "art278_ordinary",
        "closes_at": (clock.now() + dt.timedelta(days=3)).isoformat(),
        **extra,
    }
    return _post(demo.client("secretary"), "/api/v1/votes", body)


def test_open_cast_and_count_through_the_api(demo, estate):
    status, body = _vote(demo, estate)
    assert status == 201
    vid = body["id"]
    a = _client(estate.users["A"])
    status, receipt = _post(a, f"/api/v1/votes/{vid}/ballots", {"choice": "yes"})
    assert status == 201 and len(receipt["receipt"]) == 16 and receipt["ballots"] == 1
    status, again = _post(a, f"/api/v1/votes/{vid}/ballots", {"choice": "no"})
    assert status == 409 and again["code"] == "ALREADY_VOTED"
    _post(_client(estate.users["B"]), f"/api/v1/votes/{vid}/ballots", {"choice": "no"})
    status, co = _post(
        _client(estate.users["C"]), f"/api/v1/votes/{vid}/ballots", {"choice": "yes"}
    )
    assert status == 409 and co["code"] == "ALREADY_VOTED"  # the same unit
    result = a.get(f"/api/v1/votes/{vid}/result").json()
    assert {k: result[k] for k in ("eligible_heads", "eligible_area", "participating_heads")} == {
        "eligible_heads": 5,
        "eligible_area": "400.50",
        "participating_heads": 2,
    }
    assert result["participating_area"] == "230.00" and result["yes_area"] == "150.00"
    assert result["passed"] is False and result["final"] is False and result["reason"]
    status, check = _post(a, f"/api/v1/votes/{vid}/receipt", {"receipt": receipt["receipt"]})
    assert check == {"counted": True, "choices": ["yes"]}
    units = a.get(f"/api/v1/votes/{vid}/units").json()
    text = json.dumps(units, ensure_ascii=False)
    assert "业主" not in text and "101室" in text and '"choice": "yes"' not in text


def test_refusals_are_in_the_users_language_and_write_nothing(demo, estate):
    status, body = _vote(demo, estate, rule="two_thirds_present", electorate="nobody")
    assert status == 422 and body["fields"][0]["field"] == "electorate"
    status, body = _vote(demo, estate, closes_at=(clock.now() - dt.timedelta(hours=1)).isoformat())
    assert status == 422 and body["fields"][0]["field"] == "closes_at"
    status, body = _vote(demo, estate, rule="art278_special", electorate="households")
    assert status == 422
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(demo.user("secretary"))
    body = {"title": "x", "electorate": "owners", "place_id": estate.estate.pk}
    r = c.post(
        "/api/v1/votes",
        json.dumps({**body, "rule": "bad", "closes_at": "2100-01-01T00:00:00+08:00"}),
        content_type="application/json",
    )
    assert r.status_code == 422 and not any(
        "\u4e00" <= ch <= "\u9fff" for ch in r.json()["message"]
    )
    status, vote = _vote(demo, estate)
    status, body = _post(
        _client(estate.users["A"]), f"/api/v1/votes/{vote['id']}/ballots", {"choice": "maybe"}
    )
    assert status == 422 and not Ballot.objects.filter(vote_id=vote["id"]).exists()
    assert not Elector.objects.filter(vote_id=vote["id"], voted=True).exists()
    # Not an elector and not a manager: the vote does not exist for them.
    assert demo.client("grid2").get(f"/api/v1/votes/{vote['id']}/result").status_code == 404
    # A manager who is not an elector may see, not vote.
    status, body = _post(
        demo.client("secretary"), f"/api/v1/votes/{vote['id']}/ballots", {"choice": "yes"}
    )
    assert status == 403 and body["code"] == "NOT_AN_ELECTOR"


def test_close_stores_the_result(demo, estate):
    _status, vote = _vote(demo, estate)
    for k in ("A", "B", "D", "E"):
        _post(_client(estate.users[k]), f"/api/v1/votes/{vote['id']}/ballots", {"choice": "yes"})
    assert _post(_client(estate.users["A"]), f"/api/v1/votes/{vote['id']}/close", {})[0] == 403
    status, result = _post(demo.client("secretary"), f"/api/v1/votes/{vote['id']}/close", {})
    assert status == 200 and result["final"] is True and result["passed"] is True
    status, body = _post(
        _client(estate.users["F"]), f"/api/v1/votes/{vote['id']}/ballots", {"choice": "no"}
    )
    assert status == 409 and body["code"] == "VOTE_CLOSED"


def _act(c, tid, act, text="", **data):
    return _post(c, f"/api/v1/topics/{tid}/actions/{act}", {"text": text, "data": data})


def test_a_topic_through_the_six_steps(demo, estate):
    owner = _client(estate.users["A"])
    sec = demo.client("secretary")
    status, t = _post(
        owner,
        "/api/v1/topics",
        {"title": "加装电梯", "body": "老人上下楼难", "place_id": estate.estate.pk},
    )
    assert status == 201 and t["state"] == "proposed"
    tid = t["id"]
    assert _act(_client(estate.users["D"]), tid, "support")[1]["supporters"] == 1
    assert _act(_client(estate.users["D"]), tid, "support")[1]["code"] == "ALREADY_DONE"
    # Residents cannot move the steps; the publication cannot be skipped.
    assert _act(owner, tid, "convene")[0] == 403
    status, body = _act(sec, tid, "skip", "事项简单，不开恳谈会")
    assert status == 200 and body["state"] == "drafting"
    assert _act(sec, tid, "publish", days=7)[0] == 409  # no draft yet: publish from drafting
    assert _act(sec, tid, "draft", "方案第一稿")[1]["state"] == "drafting"
    status, body = _act(sec, tid, "skip", "不公示了")
    assert status == 422 and body["code"] == "SKIP_NOT_ALLOWED"
    assert _act(sec, tid, "publish", days=7)[1]["state"] == "notice"
    status, body = _act(owner, tid, "comment", "请考虑低层住户")
    comment = next(r for r in body["records"] if r["kind"] == "comment")
    assert _act(sec, tid, "answer", "已考虑", comment_id=comment["id"])[0] == 200
    assert _act(sec, tid, "send_review")[1]["code"] == "COMMENT_WINDOW_OPEN"
    later = clock.now() + dt.timedelta(days=8)
    with time_machine.travel(later, tick=False):
        owner, sec = _client(estate.users["A"]), demo.client("secretary")  # fresh sessions
        assert _act(owner, tid, "comment", "晚了")[1]["code"] == "COMMENT_WINDOW_CLOSED"
        assert _act(sec, tid, "send_review")[1]["state"] == "review"
        status, body = _act(sec, tid, "review", "可行", reviewers=["工程师甲"], changes=["加防护"])
        assert status == 200
        status, body = _act(
            sec,
            tid,
            "put_to_vote",
            electorate="owners",
            rule="art278_special",
            closes_at=(later + dt.timedelta(days=3)).isoformat(),
        )
        assert status == 200 and body["state"] == "voting", body
        assert _act(sec, tid, "decide")[1]["code"] == "VOTE_NOT_CLOSED"
        vote_id = Topic.objects.get(pk=tid).votes.get().pk
        for k in ("A", "B", "D", "E"):
            _post(_client(estate.users[k]), f"/api/v1/votes/{vote_id}/ballots", {"choice": "yes"})
        _post(sec, f"/api/v1/votes/{vote_id}/close", {})
        assert _act(sec, tid, "decide")[1]["state"] == "implementing"
        assert _act(sec, tid, "action", "施工", owner="物业")[0] == 200
        assert _act(sec, tid, "complete")[1]["state"] == "evaluation"
        assert _act(owner, tid, "evaluate", "很好", rating=5)[0] == 200
        assert _act(owner, tid, "evaluate", "再评", rating=4)[1]["code"] == "ALREADY_DONE"
        assert _act(sec, tid, "close")[1]["state"] == "closed"
    kinds = list(TopicRecord.objects.filter(topic_id=tid).values_list("kind", flat=True))
    for kind in ("proposal", "skip", "draft", "notice", "comment", "answer", "review", "vote"):
        assert kind in kinds
    assert "decision" in kinds and "evaluation" in kinds


def test_out_of_turn_and_unknown_acts(demo, estate):
    sec = demo.client("secretary")
    _s, t = _post(sec, "/api/v1/topics", {"title": "议题", "place_id": estate.estate.pk})
    status, body = _act(sec, t["id"], "close")
    assert status == 409 and body["code"] == "TRANSITION_NOT_ALLOWED"
    status, body = _act(sec, t["id"], "explode")
    assert status in (400, 409, 422) and body["code"] == "UNKNOWN_ACTION"


@pytest.mark.parametrize("page", ["votes", "topics"])
def test_the_lists_render(demo, page):
    r = demo.client("resident").get(f"/deliberation/{page}/")
    assert r.status_code == 200
