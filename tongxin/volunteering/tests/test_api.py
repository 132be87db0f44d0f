"""The volunteering API: the interfaces other work relies on, and the flows behind them."""

from __future__ import annotations

import datetime as dt
import json

from tongxin.core import clock
from tongxin.volunteering.models import Reward, RewardOrder


def post(client, url, data=None, **headers):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json", **headers)


def test_points_me_has_balance_and_entries(demo, vol):
    r = demo.api("resident").get("/api/v1/points/me")
    assert r.status_code == 200
    body = r.json()
    assert body["balance"] == vol.balance(vol.resident) > 0
    assert body["entries"] and body["entries"][0]["amount"] != 0
    assert body["volunteer_status"] == "approved"
    assert demo.api("grid2").get("/api/v1/points/me").json()["balance"] == 0


def test_redeem_201_then_replay_and_409_codes(demo, vol):
    api = demo.api("resident")
    rewards = api.get("/api/v1/rewards").json()["items"]
    assert rewards and all(r["stock"] > 0 for r in rewards[:3])
    cheap = Reward.objects.get(pk=rewards[0]["id"])
    before = vol.balance(vol.resident)
    r = post(api, f"/api/v1/rewards/{cheap.pk}/redeem", HTTP_IDEMPOTENCY_KEY="k-1")
    assert r.status_code == 201, r.content
    order = r.json()
    assert order["points"] == cheap.cost and order["balance_after"] == before - cheap.cost
    again = post(api, f"/api/v1/rewards/{cheap.pk}/redeem", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again.json()["id"] == order["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert RewardOrder.objects.filter(created_by=vol.resident, idempotency_key="k-1").count() == 1
    assert vol.balance(vol.resident) == before - cheap.cost

    missing = post(api, f"/api/v1/rewards/{cheap.pk}/redeem")
    assert missing.status_code == 422 and missing.json()["code"] == "VALIDATION_FAILED"

    dear = vol.reward(cost=10**6)
    r = post(api, f"/api/v1/rewards/{dear.pk}/redeem", HTTP_IDEMPOTENCY_KEY="k-2")
    assert r.status_code == 409 and r.json()["code"] == "INSUFFICIENT_POINTS"
    assert set(r.json()) == {"code", "message", "fields", "context"}
    empty = vol.reward(cost=1, stock=0)
    r = post(api, f"/api/v1/rewards/{empty.pk}/redeem", HTTP_IDEMPOTENCY_KEY="k-3")
    assert r.status_code == 409 and r.json()["code"] == "OUT_OF_STOCK"
    once = vol.reward(cost=1, limit=1)
    assert (
        post(api, f"/api/v1/rewards/{once.pk}/redeem", HTTP_IDEMPOTENCY_KEY="k-4").status_code
        == 201
    )
    r = post(api, f"/api/v1/rewards/{once.pk}/redeem", HTTP_IDEMPOTENCY_KEY="k-5")
    assert r.status_code == 409 and r.json()["code"] == "LIMIT_REACHED"

    cancel = post(api, f"/api/v1/orders/{order['id']}/cancel", {"reason": "不需要了"})
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
    assert vol.balance(vol.resident) == before - 1


def test_activity_flow_through_the_api(demo, vol):
    sec = demo.api("secretary")
    start = clock.now() + dt.timedelta(hours=1)
    r = post(
        sec,
        "/api/v1/activities",
        {
            "title": "社区义诊",
            "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
            "slots": 3,
            "difficulty": 2,
            "lat": 30.9,
            "lng": 113.9,
        },
    )
    assert r.status_code == 201, r.content
    act = r.json()
    res = demo.api("resident")
    signup = post(res, f"/api/v1/activities/{act['id']}/signup").json()
    assert signup["status"] == "signed_up"
    assert res.get(f"/api/v1/activities/{act['id']}").json()["roster"] is None
    roster = sec.get(f"/api/v1/activities/{act['id']}").json()["roster"]
    assert [s["id"] for s in roster] == [signup["id"]]
    assert post(res, f"/api/v1/signups/{signup['id']}/check-in").status_code == 403
    assert post(sec, f"/api/v1/signups/{signup['id']}/check-in").json()["status"] == "checked_in"
    assert post(sec, f"/api/v1/signups/{signup['id']}/check-out").json()["status"] == "checked_out"
    before = vol.balance(vol.resident)
    done = post(sec, f"/api/v1/signups/{signup['id']}/confirm", {"minutes": 120}).json()
    assert done["status"] == "confirmed" and done["points"] == 30
    assert vol.balance(vol.resident) == before + 30
    bad = post(
        sec,
        "/api/v1/activities",
        {"title": "x", "starts_at": start.isoformat(), "ends_at": start.isoformat(), "slots": 1},
    )
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "ends_at"


def test_ledger_list_and_correction_for_staff_only(demo, vol):
    tx = vol.give(vol.resident, 15)
    sec = demo.api("secretary")
    page = sec.get("/api/v1/ledger/transactions").json()
    assert page["items"][0]["id"] == tx.pk
    assert sum(e["amount"] for e in page["items"][0]["entries"]) == 0
    assert demo.api("grid1").get("/api/v1/ledger/transactions").status_code == 403
    assert (
        post(
            demo.api("resident"), f"/api/v1/ledger/transactions/{tx.pk}/correct", {"reason": "x"}
        ).status_code
        == 404
    )
    r = post(sec, f"/api/v1/ledger/transactions/{tx.pk}/correct", {"reason": "发错了"})
    assert r.status_code == 201 and r.json()["corrects"] == tx.pk
    assert r.json()["approved_by"] == "secretary"


def test_volunteers_leaderboard_and_honours(demo, vol):
    sec = demo.api("secretary")
    vols = sec.get("/api/v1/volunteers").json()
    assert vols["count"] >= 30
    assert demo.api("resident").get("/api/v1/volunteers").status_code == 403
    pending = sec.get("/api/v1/volunteers", {"status": "pending"}).json()["items"][0]
    r = post(sec, f"/api/v1/volunteers/{pending['id']}/review", {"approve": True, "note": "欢迎"})
    assert r.json()["status"] == "approved"
    r = post(
        sec,
        "/api/v1/honours",
        {
            "kind": "monthly_star",
            "period": "2026-05",
            "person": vol.resident.person_id,
            "award": "monthly_star",
        },
    )
    assert r.status_code == 201 and r.json()["points"] == 50
    board = demo.api("resident").get("/api/v1/leaderboard").json()
    assert board["persons"] and board["persons"][0]["points"] >= board["persons"][-1]["points"]
    assert any(p["id"] == vol.resident.person_id for p in board["persons"])
    year = demo.api("resident").get("/api/v1/leaderboard", {"period": str(clock.today().year)})
    assert year.status_code == 200 and year.json()["units"]
    assert demo.api("resident").get("/api/v1/leaderboard", {"period": "20xx"}).status_code == 422


def test_timebank_spend(demo, vol):
    other = vol.member.person_id
    r = post(
        demo.api("resident"),
        "/api/v1/timebank/spend",
        {"provider": other, "minutes": 30, "reason": "陪诊"},
    )
    assert r.status_code == 201, r.content
    assert vol.balance(vol.resident, "minutes") == 90 and vol.balance(vol.member, "minutes") == 30
    r = post(demo.api("resident"), "/api/v1/timebank/spend", {"provider": other, "minutes": 999})
    assert r.status_code == 409 and r.json()["code"] == "INSUFFICIENT_POINTS"
