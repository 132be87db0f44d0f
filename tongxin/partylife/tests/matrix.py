"""Party life's rows of the access matrix (tongxin/core/tests/test_access_matrix.py) and the
subject they are tried on: the demo's grid-1 branch (the matrix's ``org``), a study material
and an appraisal of it, a published branch card of the year 2000 whose window is open.

The officers over the branch are the committee's people whose view covers it (``secretary``,
and ``grid1``, the grid worker of the branch's grid, who holds a post in the committee;
``grid2`` sees nothing of it): they see its life, board, cards, materials and appraisal. The
export is any party officer's (``grid2`` too), of the cards they may see.
Nobody reviews the matrix's meeting (the meetings matrix's committee 联席会: no organisation
above the committee among the roles, and it is no party-life meeting). Lists are scoped.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from tongxin.core.tests.matrix_roles import SIGNED_IN

OFFICERS = frozenset({"secretary", "grid1"})
NOBODY: frozenset[str] = frozenset()
YEAR = 2000

RULES: dict[str, tuple[frozenset[str], str, str, dict[str, Any]]] = {
    "api:organisation_life": (OFFICERS, "object", "GET", {}),
    "api:review_meeting": (NOBODY, "object", "POST", {"accept": True}),
    "api:list_scorecards": (OFFICERS, "list", "GET", {}),
    "api:get_scorecard": (OFFICERS, "object", "GET", {}),
    "partylife:home": (SIGNED_IN, "signed_in", "GET", {}),
    "partylife:me": (SIGNED_IN, "signed_in", "GET", {}),
    "partylife:board": (OFFICERS, "object", "GET", {}),
    "partylife:record": (OFFICERS, "object", "GET", {}),
    "partylife:review": (NOBODY, "object", "POST", {"accept": "1"}),
    "partylife:study": (OFFICERS, "object", "GET", {}),
    "partylife:study_ping": (OFFICERS, "object", "POST", {}),
    "partylife:appraisal": (OFFICERS, "object", "GET", {}),
    "partylife:cards": (OFFICERS, "list", "GET", {}),
    "partylife:cards_export": (OFFICERS | {"grid2"}, "object", "GET", {}),
    "partylife:cards_act": (OFFICERS, "object", "POST", {}),
    "partylife:card_object": (OFFICERS, "object", "POST", {"reason": "矩阵测试异议"}),
    "partylife:card_pdf": (OFFICERS, "object", "GET", {}),
    "partylife:card": (OFFICERS, "object", "GET", {}),
    "partylife:fixed_day": (OFFICERS, "object", "POST", {"kind": "theme_day", "day": "12"}),
    "partylife:book_pdf": (OFFICERS, "object", "GET", {}),
    "partylife:book_xlsx": (OFFICERS, "object", "GET", {}),
    "partylife:centres": (OFFICERS, "object", "GET", {}),
    # any party officer: the candidates among the cards they may see
    "partylife:honours": (OFFICERS | {"grid2"}, "object", "GET", {}),
    # 评先评优: the branch's published list (its window open), seen by the officers over it
    # (a party member of the branch would see it too; no matrix role is one)
    "partylife:nominations": (SIGNED_IN, "signed_in", "GET", {}),
    "partylife:nomination_org": (OFFICERS, "object", "GET", {}),
    "partylife:nomination_list": (OFFICERS, "object", "GET", {}),
    "partylife:nomination_pdf": (OFFICERS, "object", "GET", {}),
    "api:list_nominations": (OFFICERS, "list", "GET", {}),
    "api:nomination_candidates": (OFFICERS, "list", "GET", {}),
    "api:get_nomination_list": (OFFICERS, "object", "GET", {}),
    # the officers get 422 (nobody of that id among the candidates), the others 404
    "api:create_nomination": (
        OFFICERS,
        "object",
        "POST",
        {"title": "excellent_member", "subject_id": 0, "year": YEAR},
    ),
    # the officers get 409 (published: no longer submitted), the others 404
    "api:act_on_nominations": (OFFICERS, "object", "POST", {"act": "submit"}),
    "api:object_to_nominations": (OFFICERS, "object", "POST", {"reason": "矩阵测试异议"}),
    # both officers are above the branch (grid1 holds a post in the committee)
    "api:answer_nomination_objection": (OFFICERS, "object", "POST", {"answer": "已核实"}),
}

ARGUMENTS = {
    "organisation_id": "org",
    "material_id": "party_material",
    "appraisal_id": "party_appraisal",
    "card_id": "party_card_id",
    "card_pk": "party_card",
    "list_id": "nomination_list",
    "objection_id": "nomination_objection",
}
PATH_WORDS: dict[str, str] = {}


def subject(demo: Any) -> dict[str, Any]:
    import datetime as dt

    from tongxin.core import clock
    from tongxin.orgs.models import Organisation
    from tongxin.partylife.models import Appraisal, PartyCard, StudyMaterial

    branch = Organisation.objects.get(kind="branch", places=demo.grid(1))
    material = StudyMaterial.objects.create(
        organisation=branch, title="矩阵测试材料", body="正文", min_seconds=60
    )
    appraisal = Appraisal.objects.create(organisation=branch, year=YEAR)
    card = PartyCard.objects.create(
        kind="branch",
        organisation=branch,
        year=YEAR,
        total=80,
        stars=4,
        result={"total": "80", "grade": "4", "parts": {}, "items": []},
        state="published",
        computed_at=clock.now(),
        publish_until=dt.date(2100, 1, 1),
    )
    from tongxin.partylife.models import CardObjection, NominationList

    nl = NominationList.objects.create(
        organisation=branch,
        year=YEAR,
        occasion="year_end",
        state="published",
        publish_from=dt.date(YEAR, 1, 1),
        publish_until=dt.date(2100, 1, 1),
    )
    from tongxin.accounts.models import User

    objection = CardObjection.objects.create(
        nomination_list=nl,
        reason="矩阵测试异议",
        raised_by=User.objects.get(username="secretary"),
    )
    return {
        "nomination_list": nl,
        "nomination_objection": objection,
        "party_material": material,
        "party_appraisal": appraisal,
        "party_card": card,
        "party_card_id": SimpleNamespace(pk=f"branch-{branch.pk}-{YEAR}"),
    }


def marker(name: str, subject: dict[str, Any]) -> str:
    if name == "api:list_nominations":
        return f'"id": {subject["nomination_list"].pk}, "organisation_id"'
    if name == "api:nomination_candidates":
        return '"title": "excellent_member"'
    return subject["party_card_id"].pk


def list_query(name: str, subject: dict[str, Any]) -> dict[str, Any]:
    if name == "api:list_nominations":
        return {"year": YEAR}
    if name == "api:nomination_candidates":
        org = subject["nomination_list"].organisation_id
        return {"organisation_id": org, "title": "excellent_member", "year": YEAR}
    return {"kind": "branch", "year": YEAR}
