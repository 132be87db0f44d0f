"""Companies, contracts, 三无 compounds, the panel's rotation, inspections and the month's
score."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from tongxin.core import clock
from tongxin.core.errors import DomainError, Forbidden, ValidationFailed
from tongxin.orgs.models import Organisation
from tongxin.people.models import Person
from tongxin.property import selectors, services
from tongxin.property.models import (
    MonthlyScore,
    PanelMember,
    Rectification,
    SelfManagedCompound,
    ServiceContract,
)

pytestmark = pytest.mark.django_db


def last_month() -> dt.date:
    return services.add_months(services.month_of(clock.today()), -1)


def items_all(score_of=lambda c, m: m):
    from tongxin.property.models import ChecklistItem

    return [
        {"code": c.code, "score": score_of(c.code, c.max_score)}
        for c in ChecklistItem.objects.filter(is_active=True)
    ]


# ------------------------------------------------------------------ companies and estates


def test_demo_has_two_companies_with_contracts_and_self_managed_compounds(prop):
    companies = {c.company_id for c in ServiceContract.objects.all()}
    assert len(companies) == 2
    assert all(Organisation.objects.get(pk=c).kind == "property_company" for c in companies)
    assert SelfManagedCompound.objects.count() == 3
    assert prop.home.project_manager is not None


def test_contract_refuses_overlap_bad_dates_and_non_companies(prop):
    sec = prop.user("secretary")
    home = prop.home
    with pytest.raises(ValidationFailed) as e:
        services.contract_create(
            actor=sec,
            company_id=prop.other.company_id,
            estate_id=home.estate_id,
            starts_on=clock.today(),
            ends_on=clock.today() + dt.timedelta(days=30),
            fee_standard="1",
        )
    assert e.value.fields[0]["field"] == "starts_on"
    branch = Organisation.objects.filter(kind="branch").first()
    with pytest.raises(ValidationFailed):
        services.contract_create(
            actor=sec,
            company_id=branch.pk,
            estate_id=prop.free_estate().pk,
            starts_on=clock.today(),
            ends_on=clock.today(),
            fee_standard="1",
        )
    with pytest.raises(ValidationFailed) as e:
        services.contract_create(
            actor=sec,
            company_id=home.company_id,
            estate_id=prop.free_estate().pk,
            starts_on=clock.today(),
            ends_on=clock.today() - dt.timedelta(days=1),
            fee_standard="1",
        )
    assert e.value.fields[0]["field"] == "ends_on"
    with pytest.raises(ValidationFailed):
        services.contract_create(
            actor=sec,
            company_id=home.company_id,
            estate_id=prop.free_estate().pk,
            starts_on=clock.today(),
            ends_on=clock.today(),
            fee_standard="abc",
        )


def test_only_managers_record_contracts(prop):
    with pytest.raises(Forbidden):
        services.contract_create(
            actor=prop.user("grid1"),
            company_id=prop.home.company_id,
            estate_id=prop.free_estate().pk,
            starts_on=clock.today(),
            ends_on=clock.today(),
            fee_standard="1",
        )


def test_self_managed_compound_refuses_an_estate_under_contract(prop):
    committee = Organisation.objects.filter(kind="self_management").first()
    with pytest.raises(ValidationFailed):
        services.self_management_set(
            actor=prop.user("secretary"),
            estate_id=prop.home.estate_id,
            committee_id=committee.pk,
            since=clock.today(),
        )
    row = services.self_management_set(
        actor=prop.user("secretary"),
        estate_id=prop.free_estate().pk,
        committee_id=committee.pk,
        since=clock.today(),
    )
    assert row.committee == committee


# ------------------------------------------------------------------ the panel


def test_panel_rotates_nobody_serves_two_terms_in_a_row(prop):
    home = prop.home
    sec = prop.user("secretary")
    current = PanelMember.objects.filter(estate=home.estate).order_by("-term_start")[0]
    members = list(
        PanelMember.objects.filter(estate=home.estate, term_start=current.term_start).values_list(
            "person_id", flat=True
        )
    )
    next_term = services.add_months(current.term_start, 3)
    with pytest.raises(ValidationFailed) as e:
        services.panel_rotate(
            actor=sec, estate_id=home.estate_id, person_ids=members, term_start=next_term
        )
    assert "轮换" in e.value.fields[0]["reason"]
    fresh = list(
        Person.objects.filter(place_path__startswith=home.estate_path)
        .exclude(pk__in=PanelMember.objects.values("person_id"))
        .order_by("id")
        .values_list("pk", flat=True)[:3]
    )
    rows = services.panel_rotate(
        actor=sec, estate_id=home.estate_id, person_ids=fresh, term_start=next_term
    )
    assert len(rows) == 3 and rows[0].term_end == services.add_months(next_term, 3) - dt.timedelta(
        days=1
    )
    with pytest.raises(ValidationFailed):  # too few
        services.panel_rotate(
            actor=sec,
            estate_id=home.estate_id,
            person_ids=fresh[:2],
            term_start=services.add_months(next_term, 3),
        )
    stranger = Person.objects.exclude(place_path__startswith=home.estate_path).first()
    with pytest.raises(ValidationFailed):  # not a resident of the estate
        services.panel_rotate(
            actor=sec,
            estate_id=home.estate_id,
            person_ids=[*fresh[:2], stranger.pk],
            term_start=services.add_months(next_term, 6),
        )


# ------------------------------------------------------------------ inspections


def test_panelist_inspects_by_api_and_a_low_item_raises_an_order(prop):
    api = prop.demo.api("resident")
    home = prop.home
    body = {
        "estate_id": home.estate_id,
        "items": items_all(lambda code, m: 3 if code == "fire" else m),
    }
    r = api.post("/api/v1/property/inspections", json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    data = r.json()
    assert len(data["rectifications"]) == 1 and "消防安全" in data["rectifications"][0]["text"]
    assert Rectification.objects.filter(contract=home, item__code="fire", state="open").exists()
    again = api.post(
        "/api/v1/property/inspections", json.dumps(body), content_type="application/json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "INSPECTION_ALREADY_SUBMITTED"


def test_inspection_refuses_bad_scores_with_every_field_named(prop):
    api = prop.demo.api("resident")
    items = items_all(lambda code, m: m + 1 if code == "lifts" else m)
    items = [i for i in items if i["code"] != "greening"] + [{"code": "nope", "score": 1}]
    r = api.post(
        "/api/v1/property/inspections",
        json.dumps({"estate_id": prop.home.estate_id, "items": items}),
        content_type="application/json",
    )
    assert r.status_code == 422
    fields = {f["field"] for f in r.json()["fields"]}
    assert fields == {"items.lifts", "items.greening", "items.nope"}
    assert not prop.home.inspections.filter(
        month=services.month_of(clock.today()), panelist=prop.user("resident").person
    ).exists()


def test_only_the_estates_panelists_inspect(prop):
    for who in ("grid1", "secretary", "building"):
        r = prop.demo.api(who).post(
            "/api/v1/property/inspections",
            json.dumps({"estate_id": prop.home.estate_id, "items": items_all()}),
            content_type="application/json",
        )
        assert r.status_code == 404, who


# ------------------------------------------------------------------ the month's score


def test_monthly_score_arithmetic_through_the_engine(prop):
    contract = prop.new_contract()
    month = last_month()
    people = list(Person.objects.order_by("id")[:2])
    prop.inspect(contract, month, people[0], {"cleaning": 10, "fire": 10})  # 80 of 100
    prop.inspect(contract, month, people[1], {"lifts": 10})  # 90 of 100
    result = selectors.month_result(contract, month)
    # inspection 170/200 → 85 × 0.6 = 51; no repair rating → 100 × 0.2 = 20; no survey
    # answer → 100 × 0.2 = 20
    assert result.total == Decimal("91.00")
    assert result.grade == "优秀"
    assert sum(Decimal(i["points"]) for i in result.as_dict()["items"]) == result.total
    checklist = next(i for i in result.items if i.rule == "checklist")
    assert len(checklist.evidence) == 16 and checklist.note == "170/200"

    row = services.month_publish(actor=prop.user("secretary"), contract_id=contract.pk, month=month)
    assert row.state == "published" and row.total == Decimal("91.00")
    with pytest.raises(DomainError):
        services.month_publish(actor=prop.user("secretary"), contract_id=contract.pk, month=month)


def test_monthly_score_takes_repair_ratings(prop):
    from tongxin.property.models import RepairRating

    contract = prop.new_contract()
    month = last_month()
    person = Person.objects.order_by("id").first()
    prop.inspect(contract, month, person, {})
    case = _closed_case(prop, contract)
    RepairRating.objects.create(
        case=case, contract=contract, rated_by=person, overall=5, arrival=4, service=3, month=month
    )
    result = selectors.month_result(contract, month)
    # 100 × 0.6 + (12/15 = 80) × 0.2 + no survey 100 × 0.2 = 96
    assert result.total == Decimal("96.00")


def test_month_not_ended_cannot_be_published(prop):
    with pytest.raises(ValidationFailed):
        services.month_publish(
            actor=prop.user("secretary"),
            contract_id=prop.home.pk,
            month=services.month_of(clock.today()),
        )


def test_objections_within_the_window_by_company_or_panelist(prop):
    score = MonthlyScore.objects.filter(contract=prop.home).order_by("-month")[0]
    o = services.objection_raise(
        actor=prop.user("property1"), score_id=score.pk, reason="检查当天下雨"
    )
    assert o.pk
    with pytest.raises(Forbidden):
        services.objection_raise(actor=prop.user("grid1"), score_id=score.pk, reason="x")
    answered = services.objection_answer(
        actor=prop.user("secretary"), objection_id=o.pk, answer="已复核，维持评分"
    )
    assert answered.answered_at is not None
    score.objection_until = clock.today() - dt.timedelta(days=1)
    score.save()
    with pytest.raises(DomainError) as e:
        services.objection_raise(actor=prop.user("resident"), score_id=score.pk, reason="迟到")
    assert e.value.code == "WINDOW_CLOSED"


def _closed_case(prop, contract):
    """A property repair case at the contract's estate, closed, reported by the resident."""
    from tongxin.cases.models import Case, CaseCategory

    category = CaseCategory.objects.filter(code__startswith="property").order_by("code").first()
    building = contract.estate
    case = Case.objects.create(
        ref=f"T{contract.pk}{clock.now():%H%M%S%f}",
        category=category,
        channel="app",
        description="楼道灯坏了",
        place=building,
        place_path=building.path,
        state="closed",
        closed_at=clock.now() - dt.timedelta(days=1),
        reporter_person=prop.user("resident").person,
        reporter_user=prop.user("resident"),
    )
    return case


def test_repair_rating_once_by_the_reporter(prop):
    case = _closed_case(prop, prop.home)
    row = services.repair_rate(
        actor=prop.user("resident"), case_id=case.pk, overall=5, arrival="4", service=5
    )
    assert row.contract == prop.home
    with pytest.raises(DomainError) as e:
        services.repair_rate(
            actor=prop.user("resident"), case_id=case.pk, overall=5, arrival=4, service=5
        )
    assert e.value.code == "ALREADY_RATED"
    case2 = _closed_case(prop, prop.home)
    with pytest.raises(ValidationFailed):
        services.repair_rate(
            actor=prop.user("resident"), case_id=case2.pk, overall=6, arrival=4, service=5
        )
