"""The alliance's rows of the access matrix (tongxin/core/tests/test_access_matrix.py) and the
subject they are tried on: the demo alliance's first co-building unit (of the demo community,
managed by the secretary), its agreement and a published scorecard of the year 2000 whose
window is still open.

- the board and the unit list: anyone signed in, scoped (the secretary sees the unit; ``dept``,
  the 城管 department in the alliance, only its own unit; others nothing);
- the unit's pages, agreement, scorecard, objections: the secretary (404 for everyone else);
- the alliance's scorecard list: the secretary and ``dept`` (whose unit is a member), the
  export and the acts on the cards: the secretary only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tongxin.core.tests.matrix_roles import SIGNED_IN

SEC = frozenset({"secretary"})
ALLIANCE_PEOPLE = frozenset({"secretary", "dept"})

RULES: dict[str, tuple[frozenset[str], str, str, dict[str, Any]]] = {
    "api:list_units": (SEC, "list", "GET", {}),
    "api:unit_scorecard": (SEC, "object", "GET", {}),
    "api:object_to_scorecard": (SEC, "object", "POST", {"year": 2000, "reason": "矩阵测试异议"}),
    "alliance:board": (SIGNED_IN, "signed_in", "GET", {}),
    "alliance:unit": (SEC, "object", "GET", {}),
    "alliance:scorecard": (SEC, "object", "GET", {}),
    "alliance:object": (SEC, "object", "POST", {"reason": "矩阵测试异议"}),
    "alliance:cards": (ALLIANCE_PEOPLE, "object", "GET", {}),
    "alliance:cards_export": (SEC, "object", "GET", {}),
    "alliance:cards_act": (SEC, "object", "POST", {}),
    "alliance:agreement": (SEC, "object", "GET", {}),
    "alliance:agreement_pdf": (SEC, "object", "GET", {}),
    # An in-service member of the unit living in grid 3 (no matrix role's building or grid):
    # seen by the community's staff; the unit's liaison and the member are not matrix roles.
    "api:list_members": (SEC, "list", "GET", {}),
    "api:member_scorecard": (SEC, "object", "GET", {}),
    "api:object_to_member_card": (SEC, "object", "POST", {"year": 2000, "reason": "矩阵异议"}),
    "alliance:member": (SEC, "object", "GET", {}),
    "alliance:pledges": (SEC, "object", "POST", {"texts": "陪伴老人\n清理楼道"}),
    "alliance:pledge_evaluate": (SEC, "object", "POST", {"outcome": "delivered"}),
    "alliance:member_object": (SEC, "object", "POST", {"year": 2000, "reason": "矩阵异议"}),
    "alliance:answer": (SEC, "object", "POST", {"answer": "已复核"}),
    "alliance:agreement_edit": (SEC, "object", "GET", {}),
    "alliance:agreement_sign": (SEC, "object", "POST", {"signed_on": "2026-01-05"}),
    "alliance:suggest": (SEC, "object", "POST", {"text": "矩阵建议"}),
    "alliance:adopt": (SEC, "object", "POST", {}),
    "alliance:formula": (SEC, "object", "GET", {}),
}

ARGUMENTS = {
    "unit_id": "alliance_unit",
    "membership_id": "alliance_unit",
    "alliance_id": "alliance",
    "agreement_id": "alliance_agreement",
    "member_id": "alliance_member",
    "pledge_id": "alliance_pledge",
    "objection_id": "alliance_objection",
    "suggestion_id": "alliance_suggestion",
}
PATH_WORDS = {"card_act": "compute"}


def subject(demo: Any) -> dict[str, Any]:
    from tongxin.alliance.models import (
        Agreement,
        Alliance,
        InServiceMember,
        MemberScorecard,
        Membership,
        Objection,
        Pledge,
        Scorecard,
        Suggestion,
    )
    from tongxin.core import clock
    from tongxin.people.models import Person

    alliance = Alliance.objects.order_by("id").first()
    assert alliance is not None, "the demo builds an alliance"
    unit = Membership.objects.filter(alliance=alliance, unit__kind="co_building_unit").order_by(
        "id"
    )[0]
    agreement = Agreement.objects.filter(membership=unit).order_by("-year")[0]
    Scorecard.objects.create(
        membership=unit,
        year=2000,
        total=90,
        grade="中",
        result={"total": "90", "grade": "中", "parts": {}, "items": []},
        state="published",
        computed_at=clock.now(),
        publish_until=dt.date(2100, 1, 1),
    )
    card = Scorecard.objects.get(membership=unit, year=2000)
    person = (
        Person.objects.filter(place_path__startswith=demo.grid(3).path)
        .exclude(pk__in=InServiceMember.objects.values("person_id"))
        .order_by("id")
        .first()
    )
    assert person is not None
    member = InServiceMember.objects.create(unit=unit.unit, person=person)
    pledge = Pledge.objects.create(member=member, year=clock.today().year, text="矩阵承诺")
    MemberScorecard.objects.create(
        member=member,
        alliance=alliance,
        year=2000,
        total=80,
        grade="合格",
        result={"total": "80", "grade": "合格", "parts": {}, "items": []},
        state="published",
        computed_at=clock.now(),
        publish_until=dt.date(2100, 1, 1),
    )
    objection = Objection.objects.create(
        scorecard=card, reason="矩阵异议", raised_by=demo.user("secretary")
    )
    return {
        "alliance": alliance,
        "alliance_unit": unit,
        "alliance_agreement": agreement,
        "alliance_member": member,
        "alliance_pledge": pledge,
        "alliance_objection": objection,
        "alliance_suggestion": Suggestion.objects.create(
            membership=unit, text="矩阵建议", made_on=clock.today()
        ),
    }


def marker(name: str, subject: dict[str, Any]) -> str:
    if name == "api:list_members":
        return f'"id": {subject["alliance_member"].pk},'
    return f'"id": {subject["alliance_unit"].pk},'


def list_query(name: str, subject: dict[str, Any]) -> dict[str, Any]:
    return {}
