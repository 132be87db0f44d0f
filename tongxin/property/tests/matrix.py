"""Red property's rows of the access matrix (tongxin/core/tests/test_access_matrix.py) and the
subject they are tried on: the demo resident's estate (grid A), served by the demo's first
property company, with its latest published month, an open rectification order and a credit
record awaiting the company's response.

- the board, the report and the checklist: anyone signed in; the rankings list: scoped (the
  staff over grid A, and the resident who sits on the estate's panel);
- the estate's page, the company's page and credit, the order: the staff over the estate
  (grid1, secretary); the company's own people are not matrix roles (their own tests);
- the inspection form and submission: the estate's panelists in their term (the resident);
- the satisfaction survey: the resident's own page and list (anyone signed in, their own
  household's rows only); answering: a member of the sampled household (the resident); the
  estate's sample page: the staff over the estate and its panelists;
- objections: the company or a panelist (the resident);
- publishing a month, convening the joint meeting, posting a credit record: the secretary
  (a manager of the community); the company's response: nobody of the matrix roles;
- the contracts and the orders lists: scoped (the staff over grid A); recording or ending a
  contract and entering a credit record: the secretary; the estate's panel page: the staff
  over the estate (the secretary appoints).
"""

from __future__ import annotations

from typing import Any

from tongxin.core.tests.matrix_roles import SIGNED_IN

STAFF = frozenset({"grid1", "secretary"})
SEC = frozenset({"secretary"})
RESIDENT = frozenset({"resident"})
NOBODY: frozenset[str] = frozenset()

RULES: dict[str, tuple[frozenset[str], str, str, dict[str, Any]]] = {
    "property:board": (SIGNED_IN, "signed_in", "GET", {}),
    "property:report": (SIGNED_IN, "signed_in", "GET", {}),
    "property:report_xlsx": (SIGNED_IN, "signed_in", "GET", {}),
    "property:report_pdf": (SIGNED_IN, "signed_in", "GET", {}),
    "property:estate": (STAFF, "object", "GET", {}),
    "property:inspect": (RESIDENT, "object", "GET", {}),
    "property:publish": (SEC, "object", "POST", {}),
    "property:joint": (SEC, "object", "GET", {}),
    "property:object": (RESIDENT, "object", "POST", {"reason": "矩阵异议"}),
    "property:company": (STAFF, "object", "GET", {}),
    "property:respond": (NOBODY, "object", "POST", {"response": "矩阵申辩"}),
    "property:decide": (SEC, "object", "POST", {}),
    "property:rectification": (STAFF, "object", "GET", {}),
    "property:survey": (SIGNED_IN, "signed_in", "GET", {}),
    "property:contracts": (STAFF, "list", "GET", {}),
    "property:contract_new": (SEC, "object", "GET", {}),
    "property:contract_end": (SEC, "object", "GET", {}),
    "property:credit_new": (SEC, "object", "GET", {}),
    "property:panel": (STAFF, "object", "GET", {}),
    "property:rectifications": (STAFF, "list", "GET", {}),
    "property:estate_survey": (STAFF | RESIDENT, "object", "GET", {}),
    "api:checklist": (SIGNED_IN, "signed_in", "GET", {}),
    "api:my_surveys": (SIGNED_IN, "signed_in", "GET", {}),
    # The resident's household is in the month's sample; staff over the estate see the row
    # but do not answer for a household.
    "api:answer_survey": (RESIDENT, "object", "POST", {"level": 4}),
    # ``subject`` fills in the estate and the items.
    "api:submit_inspection": (RESIDENT, "object", "POST", {}),
    "api:company_credit": (STAFF, "object", "GET", {}),
    "api:respond_to_event": (NOBODY, "object", "POST", {"response": "矩阵申辩"}),
    "api:rankings": (STAFF | RESIDENT, "list", "GET", {}),
}

ARGUMENTS = {
    "estate_id": "property_estate",
    "contract_id": "property_contract",
    "score_id": "property_score",
    "company_id": "property_company",
    "event_id": "property_event",
    "rect_id": "property_rect",
    "answer_id": "property_answer",
}
PATH_WORDS = {"credit_act": "post"}


def subject(demo: Any) -> dict[str, Any]:
    from tongxin.core import clock
    from tongxin.property.models import (
        ChecklistItem,
        MonthlyScore,
        Rectification,
        ServiceContract,
    )
    from tongxin.property.services import credit

    resident = demo.user("resident").person
    contract = next(
        c
        for c in ServiceContract.objects.select_related("estate", "company")
        if resident.place_path.startswith(c.estate_path)
    )
    assert contract.estate.path.startswith(demo.grid(1).path)
    event = credit.credit_raise(
        actor=demo.user("secretary"),
        contract_id=contract.pk,
        rule_code="fees_unpublished",
        evidence_text="矩阵检查记录",
        occurred_on=clock.today(),
    )
    RULES["api:submit_inspection"][3].update(
        estate_id=contract.estate_id,
        items=[
            {"code": c.code, "score": c.max_score}
            for c in ChecklistItem.objects.filter(is_active=True)
        ],
    )
    from tongxin.property.models import SurveyAnswer
    from tongxin.property.services import survey

    sample = survey.draw(contract, clock.today())
    answer, _new = SurveyAnswer.objects.get_or_create(
        sample=sample, household_id=resident.household_id
    )
    return {
        "property_answer": answer,
        "property_estate": contract.estate,
        "property_contract": contract,
        "property_company": contract.company,
        "property_score": MonthlyScore.objects.filter(contract=contract).order_by("-month")[0],
        "property_event": event,
        "property_rect": Rectification.objects.filter(contract=contract).order_by("id")[0],
    }


def marker(name: str, subject: dict[str, Any]) -> str:
    if name == "property:contracts":
        return f'data-contract="{subject["property_contract"].pk}"'
    if name == "property:rectifications":
        return f'data-rect="{subject["property_rect"].pk}"'
    return f'"estate_id": {subject["property_estate"].pk},'


def list_query(name: str, subject: dict[str, Any]) -> dict[str, Any]:
    return {}
