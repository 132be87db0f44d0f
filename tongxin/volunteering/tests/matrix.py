"""Volunteering's rows of the access matrix (tongxin/core/tests/test_access_matrix.py) and the
subject objects they are tried on: all in the demo community, around the ``resident`` (grid A,
the building head's building), who is an approved volunteer.

- activities, the leaderboard: the people of the community (not the department officer, whose
  home is the street, nor the back-office accounts);
- the volunteer's own acts (sign up, scan, redeem, spend banked time): volunteers only (403
  for the others: they are not volunteers);
- organiser's acts (roster, QR, check in/out, confirm): the community's secretary;
- the community's pages (volunteers, ledger, orders, exports, reviews, corrections, honours):
  the community's staff (the secretary), 403 for the rest.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tongxin.core import clock
from tongxin.core.tests.matrix_roles import PEOPLE_ROLES, SIGNED_IN

COMMUNITY = frozenset({"resident", "building", "grid1", "grid2", "secretary"})
PEOPLE = PEOPLE_ROLES
SEC = frozenset({"secretary"})
RES = frozenset({"resident"})
OWN_OR_SEC = frozenset({"resident", "secretary"})
SEES_RESIDENT = frozenset({"resident", "building", "grid1", "secretary"})
FUTURE = {
    "title": "矩阵测试活动",
    "starts_at": "2030-01-01T09:00:00+08:00",
    "ends_at": "2030-01-01T11:00:00+08:00",
    "slots": 3,
}

# name → (allowed, kind, method, data)
RULES: dict[str, tuple[frozenset[str], str, str, dict[str, Any]]] = {
    "volunteering:home": (SIGNED_IN, "signed_in", "GET", {}),
    "volunteering:register": (SIGNED_IN, "signed_in", "GET", {}),
    "volunteering:activities": (SIGNED_IN, "signed_in", "GET", {}),
    "volunteering:activity": (COMMUNITY, "object", "GET", {}),
    "volunteering:signup": (RES, "object", "POST", {}),
    "volunteering:roster": (SEC, "object", "GET", {}),
    "volunteering:qr": (SEC, "object", "GET", {}),
    "volunteering:scan": (COMMUNITY, "object", "GET", {}),
    "volunteering:signup_cancel": (OWN_OR_SEC, "object", "POST", {}),
    "volunteering:signup_check_in": (SEC, "object", "POST", {}),
    "volunteering:signup_check_out": (SEC, "object", "POST", {}),
    "volunteering:signup_confirm": (SEC, "object", "POST", {}),
    "volunteering:rewards": (SIGNED_IN, "signed_in", "GET", {}),
    "volunteering:redeem": (RES, "object", "POST", {"key": "matrix-web"}),
    "volunteering:order_cancel": (OWN_OR_SEC, "object", "POST", {"reason": "矩阵测试"}),
    "volunteering:order_fulfil": (SEC, "object", "POST", {}),
    "volunteering:leaderboard": (COMMUNITY, "object", "GET", {}),
    "volunteering:certificate": (SEES_RESIDENT, "object", "GET", {}),
    "volunteering:volunteers": (SEC, "object", "GET", {}),
    "volunteering:volunteers_export": (SEC, "object", "GET", {}),
    "volunteering:review": (SEC, "object", "POST", {"approve": "1"}),
    "volunteering:ledger": (SEC, "object", "GET", {}),
    "volunteering:ledger_export": (SEC, "object", "GET", {}),
    "volunteering:orders": (SEC, "object", "GET", {}),
    "api:points_me": (SIGNED_IN, "signed_in", "GET", {}),
    "api:my_orders": (SIGNED_IN, "signed_in", "GET", {}),
    "api:list_rewards": (SIGNED_IN, "signed_in", "GET", {}),
    "api:redeem_reward": (RES, "object", "POST", {}),  # no Idempotency-Key: 422 for her
    "api:cancel_order": (OWN_OR_SEC, "object", "POST", {"reason": "矩阵测试"}),
    "api:fulfil_order": (SEC, "object", "POST", {}),
    "api:list_volunteers": (SEC, "object", "GET", {}),
    "api:register_volunteer": (PEOPLE, "object", "POST", {}),
    "api:review_volunteer": (SEC, "object", "POST", {"approve": True}),
    "api:list_activities": (SIGNED_IN, "signed_in", "GET", {}),
    "api:create_activity": (SEC, "object", "POST", FUTURE),
    "api:get_activity": (COMMUNITY, "object", "GET", {}),
    "api:signup_activity": (RES, "object", "POST", {}),
    "api:scan_activity": (RES, "object", "POST", {"token": "wrong"}),
    "api:cancel_signup": (OWN_OR_SEC, "object", "POST", {}),
    "api:check_in_signup": (SEC, "object", "POST", {}),
    "api:check_out_signup": (SEC, "object", "POST", {}),
    "api:confirm_signup": (SEC, "object", "POST", {}),
    "api:list_transactions": (SEC, "object", "GET", {}),
    "api:correct_transaction": (SEC, "object", "POST", {"reason": "矩阵测试更正"}),
    "api:spend_time": (RES, "object", "POST", {"provider": 0, "minutes": 1}),
    "api:give_honour": (SEC, "object", "POST", {"kind": "monthly_star", "period": "2026-05"}),
    "api:get_leaderboard": (COMMUNITY, "object", "GET", {}),
}

ARGUMENTS = {
    "activity_id": "activity",
    "signup_id": "signup",
    "reward_id": "reward",
    "order_id": "order",
    "volunteer_id": "volunteer",
    "tx_id": "tx",
    "honour_id": "honour",
}


def subject(demo: Any) -> dict[str, Any]:
    """The resident's registration, signup, order and honour; an activity, a reward and a
    transaction of the demo community."""

    from tongxin.volunteering import ledger, services
    from tongxin.volunteering.models import Honour, Reward, Volunteer

    resident, secretary = demo.user("resident"), demo.user("secretary")
    volunteer = Volunteer.objects.get(person=resident.person)
    community = volunteer.community
    start = clock.now() + dt.timedelta(days=1)
    activity = services.activity_create(
        actor=secretary,
        community=community,
        title="矩阵测试活动",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        slots=5,
    )
    signup = services.activity_signup(actor=resident, activity=activity)
    reward = Reward.objects.create(
        community=community, name="矩阵测试品", kind="goods", cost=1, stock=100
    )
    order, _ = services.reward_redeem(actor=resident, reward=reward, idempotency_key="matrix")
    tx = ledger.transfer(
        source=ledger.issuer_account(community),
        target=ledger.person_account(resident.person, community=community),
        amount=5,
        kind="fixed",
        reason="矩阵测试",
        actor=secretary,
        community=community,
    )
    honour = Honour.objects.create(
        community=community,
        kind="monthly_star",
        period="2026-05",
        person=resident.person,
        person_path=resident.person.place_path,
        created_by=secretary,
    )
    return {
        "activity": activity,
        "signup": signup,
        "reward": reward,
        "order": order,
        "volunteer": volunteer,
        "tx": tx,
        "honour": honour,
    }
