"""Credit: records from each source with their evidence, the response window, posting and
withdrawal, expiry after validity, grade boundaries, the blacklist; rectification orders;
a company seeing only its own estates; joint meetings with resolutions."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine

from tongxin.core import clock
from tongxin.core.errors import DomainError, Forbidden, NotFound, TransitionRefused
from tongxin.core.scoring import FactSet, evaluate
from tongxin.property import defaults, services
from tongxin.property.models import (
    ChecklistItem,
    CreditEvent,
    CreditRule,
    MonthlyScore,
    Rectification,
)
from tongxin.property.services import credit, joint

pytestmark = pytest.mark.django_db


def raise_lawsuit(prop, contract=None, days_ago=3, rule="lawsuit_lost", text="(2026)民初1号"):
    return credit.credit_raise(
        actor=prop.user("secretary"),
        contract_id=(contract or prop.home).pk,
        rule_code=rule,
        evidence_text=text,
        occurred_on=clock.today() - dt.timedelta(days=days_ago),
    )


# ------------------------------------------------------------------ grades


@pytest.mark.parametrize(
    ("good", "bad", "total", "grade"),
    [
        (0, 0, "80", "AA"),
        (5, 0, "85", "AAA"),
        (4.99, 0, "84.99", "AA"),
        (50, 0, "120", "AAA"),  # good records capped at 40
        (0, 10, "70", "A"),
        (0, 10.01, "69.99", "B"),
        (0, 20, "60", "B"),
        (0, 20.01, "59.99", "C"),
        (0, 100, "0", "C"),  # never below 0
    ],
)
def test_grade_boundaries(good, bad, total, grade):
    facts = FactSet()
    if good:
        facts.add("good", amount=Decimal(str(good)))
    if bad:
        facts.add("bad", amount=Decimal(str(bad)))
    result = evaluate(defaults.CREDIT_FORMULA, facts)
    assert result.total == Decimal(total)
    assert result.grade == grade


# ------------------------------------------------------------------ the response window


def test_manual_record_needs_evidence_and_opens_the_response_window(prop):
    with pytest.raises(DomainError):
        raise_lawsuit(prop, text="  ")
    event = raise_lawsuit(prop)
    assert event.state == "pending"
    assert event.respond_until == clock.today() + dt.timedelta(days=7)
    assert event.expires_on == event.occurred_on + dt.timedelta(days=365)
    # pending records do not count yet
    before = credit.credit_of(prop.home.company)
    assert event.pk not in [e.pk for e in credit.in_force(before.events, clock.today())]
    with pytest.raises(DomainError):  # the same evidence twice
        raise_lawsuit(prop)


def test_company_responds_then_manager_withdraws_or_posts(prop):
    event = raise_lawsuit(prop)
    with pytest.raises(Forbidden):
        credit.credit_respond(actor=prop.user("secretary"), event_id=event.pk, response="x")
    done = credit.credit_respond(
        actor=prop.user("property1"), event_id=event.pk, response="已上诉，判决未生效"
    )
    assert done.state == "responded"
    with pytest.raises(TransitionRefused):
        credit.credit_respond(actor=prop.user("property1"), event_id=event.pk, response="again")
    with pytest.raises(DomainError):  # withdrawal needs a reason
        credit.credit_decide(actor=prop.user("secretary"), event_id=event.pk, act="withdraw")
    withdrawn = credit.credit_decide(
        actor=prop.user("secretary"), event_id=event.pk, act="withdraw", note="判决未生效"
    )
    assert withdrawn.state == "withdrawn"
    second = raise_lawsuit(prop, text="(2026)民初2号")
    posted = credit.credit_decide(actor=prop.user("secretary"), event_id=second.pk, act="post")
    assert posted.state == "posted" and posted.posted_on == clock.today()


def test_the_company_cannot_respond_after_the_window(prop):
    event = raise_lawsuit(prop)
    later = clock.now() + dt.timedelta(days=8)
    with time_machine.travel(later, tick=False), pytest.raises(DomainError):
        credit.credit_respond(actor=prop.user("property1"), event_id=event.pk, response="晚了")


@pytest.mark.dates
def test_pending_records_post_when_the_window_ends_and_expire_after_validity(prop):
    company = prop.home.company
    base = credit.credit_of(company).score
    event = raise_lawsuit(prop, days_ago=0)
    assert credit.post_due() == 0
    later = clock.now() + dt.timedelta(days=8)
    with time_machine.travel(later, tick=False):
        assert credit.post_due() >= 1  # this one and the demo's lawsuit
        assert credit.post_due() == 0  # idempotent
        event.refresh_from_db()
        assert event.state == "posted"
        assert credit.credit_of(company).score == base - 5
    gone = clock.now() + dt.timedelta(days=366)
    with time_machine.travel(gone, tick=False):
        c = credit.credit_of(company)
        assert event.pk not in [e.pk for e in credit.in_force(c.events, clock.today())]


def test_blacklist_overrides_the_grade(prop):
    company = prop.other.company
    assert credit.credit_of(company).blacklisted is False
    event = raise_lawsuit(
        prop, contract=prop.other, rule="repair_fund_misuse", text="审计报告 12 号"
    )
    credit.credit_decide(actor=prop.user("secretary"), event_id=event.pk, act="post")
    c = credit.credit_of(company)
    assert c.blacklisted and c.grade == defaults.BLACKLIST_GRADE


def test_rules_are_data(prop):
    rule = CreditRule.objects.get(code="lawsuit_lost")
    rule.points = Decimal("-8")
    rule.save()
    event = raise_lawsuit(prop)
    assert event.points == Decimal("-8")
    rule.is_active = False
    rule.save()
    with pytest.raises(DomainError):
        raise_lawsuit(prop, text="(2026)民初9号")


# ------------------------------------------------------------------ sources


def test_a_failed_month_is_a_bad_record_with_the_month_as_evidence(prop):
    contract = prop.new_contract()
    month = services.add_months(services.month_of(clock.today()), -1)
    person = prop.user("resident").person
    # every item at 0: 0 × 0.6 + 100 × 0.2 (no rating) + 100 × 0.2 (no survey answer) = 40
    prop.inspect(
        contract,
        month,
        person,
        {c.code: c.max_score for c in ChecklistItem.objects.filter(is_active=True)},
    )
    row = services.month_publish(actor=prop.user("secretary"), contract_id=contract.pk, month=month)
    assert row.total < 60
    event = CreditEvent.objects.get(rule__code="monthly_fail", evidence_id=str(row.pk))
    assert event.evidence_model == "property.monthlyscore" and event.contract == contract
    assert f"month={month:%Y-%m}" in event.evidence_url


def test_overdue_and_reopened_cases_are_bad_records(prop):
    from tongxin.property.tests.test_evaluation import _closed_case

    case = _closed_case(prop, prop.home)
    case.overdue = True
    case.reopen_count = 1
    case.save()
    n = credit.records_from_cases(clock.today() - dt.timedelta(days=30))
    assert n == 2
    codes = set(
        CreditEvent.objects.filter(
            evidence_model="cases.case", evidence_id=str(case.pk)
        ).values_list("rule__code", flat=True)
    )
    assert codes == {"case_overdue", "case_reopened"}
    assert credit.records_from_cases(clock.today() - dt.timedelta(days=30)) == 0


def test_overdue_rectification_is_a_bad_record(prop):
    rect = credit.rectification_issue(
        actor=prop.user("secretary"),
        contract_id=prop.home.pk,
        text="清理楼道杂物",
        deadline=clock.today(),
    )
    assert credit.records_from_rectifications(clock.today()) == 0
    later = clock.today() + dt.timedelta(days=1)
    assert credit.records_from_rectifications(later) >= 1
    assert CreditEvent.objects.filter(
        rule__code="rectification_overdue", evidence_id=str(rect.pk)
    ).exists()


def _joint_meeting(prop):
    from tongxin.meetings import services as meetings
    from tongxin.orgs.models import Organisation

    committee = Organisation.objects.filter(kind="party_committee").order_by("path").first()
    meeting = joint.joint_meeting_convene(
        actor=prop.user("secretary"),
        contract_id=prop.home.pk,
        organisation_id=committee.pk,
        starts_at=clock.now() + dt.timedelta(hours=1),
        agenda=["电动车充电桩安装", "电梯维保"],
        department_ids=list(
            Organisation.objects.filter(kind="department").values_list("pk", flat=True)[:1]
        ),
    )
    meetings.meeting_act(actor=prop.user("secretary"), meeting_id=meeting.pk, act="hold")
    return meeting


def test_joint_meeting_invites_the_company_and_committees_and_an_overdue_resolution_counts(prop):
    meeting = _joint_meeting(prop)
    assert meeting.kind.code == "property_joint"
    units = set(
        meeting.invitations.exclude(organisation=None).values_list("organisation__kind", flat=True)
    )
    assert {"property_company", "department"} <= units
    item = joint.joint_resolution(
        actor=prop.user("secretary"),
        meeting_id=meeting.pk,
        contract_id=prop.home.pk,
        text="两周内在3号楼安装充电桩",
        due=meeting.local_day,  # the meeting's day: an hour from now may be tomorrow
    )
    assert item.owner_id == prop.home.project_manager_id
    assert credit.records_from_resolutions(meeting.local_day) == 0
    later = meeting.local_day + dt.timedelta(days=1)
    assert credit.records_from_resolutions(later) == 1
    event = CreditEvent.objects.get(rule__code="resolution_overdue")
    assert event.company == prop.home.company and event.evidence_model == "meetings.actionitem"


# ------------------------------------------------------------------ rectification


def test_rectification_respond_fail_respond_pass(prop):
    rect = Rectification.objects.filter(contract=prop.home, state="open").first()
    company, sec = prop.user("property1"), prop.user("secretary")
    with pytest.raises(Forbidden):
        credit.rectification_act(actor=sec, rect_id=rect.pk, act="respond", text="x")
    credit.rectification_act(actor=company, rect_id=rect.pk, act="respond", text="已清理")
    with pytest.raises(Forbidden):
        credit.rectification_act(actor=company, rect_id=rect.pk, act="pass", text="x")
    back = credit.rectification_act(actor=sec, rect_id=rect.pk, act="fail", text="仍有杂物")
    assert back.state == "open"
    credit.rectification_act(actor=company, rect_id=rect.pk, act="respond", text="已全部清理")
    done = credit.rectification_act(actor=sec, rect_id=rect.pk, act="pass", text="复查合格")
    assert done.state == "closed" and done.closed_at is not None
    with pytest.raises(TransitionRefused):
        credit.rectification_act(actor=sec, rect_id=rect.pk, act="pass", text="again")


# ------------------------------------------------------------------ the company's own view


def test_a_company_sees_only_its_estates(prop):
    from tongxin.property.models import ServiceContract

    user = prop.user("property1")
    mine = set(ServiceContract.objects.visible_to(user).values_list("company_id", flat=True))
    assert mine == {prop.home.company_id}
    assert not MonthlyScore.objects.visible_to(user).filter(contract=prop.other).exists()
    assert not CreditEvent.objects.visible_to(user).filter(company=prop.other.company).exists()
    api = prop.demo.api("property1")
    assert api.get(f"/api/v1/property/companies/{prop.home.company_id}/credit").status_code == 200
    other = api.get(f"/api/v1/property/companies/{prop.other.company_id}/credit")
    assert other.status_code == 404 and other.json()["code"] == "NOT_FOUND"
    assert (
        prop.demo.client("property1")
        .get(f"/property/companies/{prop.other.company_id}/")
        .status_code
        == 404
    )
    with pytest.raises(NotFound):
        credit.credit_respond(
            actor=user,
            event_id=CreditEvent.objects.filter(company=prop.other.company).first().pk,
            response="x",
        )


def test_credit_api_shape_with_evidence(prop):
    body = (
        prop.demo.api("secretary")
        .get(f"/api/v1/property/companies/{prop.home.company_id}/credit")
        .json()
    )
    assert set(body) >= {"score", "grade", "events"}
    assert body["grade"] in ("AAA", "AA", "A", "B", "C", defaults.BLACKLIST_GRADE)
    event = body["events"][0]
    assert set(event) >= {"rule", "points", "state", "evidence"}
    assert event["evidence"]["text"]


def test_company_responds_through_the_api(prop):
    event = raise_lawsuit(prop)
    r = prop.demo.api("property1").post(
        f"/api/v1/property/credit-events/{event.pk}/response",
        json.dumps({"response": "已履行判决"}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "responded"
    bad = prop.demo.api("property1").post(
        f"/api/v1/property/credit-events/{event.pk}/response",
        json.dumps({"response": ""}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "response"
