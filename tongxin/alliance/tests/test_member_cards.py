"""The in-service member scorecard (在职党员): hours against the yearly target, pledges kept,
the 报到, every point against a hand-computed card; its publication with the units' cards,
the member's objection, and who sees it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from tongxin.alliance import services
from tongxin.alliance.models import CardState, InServiceMember, MemberScorecard, Pledge
from tongxin.alliance.selectors import member_cards
from tongxin.core import clock
from tongxin.core.errors import Forbidden
from tongxin.orgs.models import Organisation, OrgKind
from tongxin.people.models import PartyMembership

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

YEAR = 2019  # before any demo record


def _served(ally, minutes: int, on: dt.date) -> None:
    """The member (the demo's ``member`` user) claims a resident's need for themself and
    completes it: ``minutes`` of service, claimed on ``on`` (the need is worked through today,
    when the posts of the people involved are in force, then dated back into the year)."""
    from tongxin.matching import services as matching
    from tongxin.matching.models import Need

    need = matching.need_post(
        actor=ally.user("resident"), kind="repair", description="楼道灯坏了，需要维修"
    )
    act = matching.need_act
    act(actor=ally.user("grid1"), need_id=need.pk, act="verify", data={"method": "visit"})
    act(actor=ally.manager, need_id=need.pk, act="publish", data={})
    member = ally.user("member")
    act(actor=member, need_id=need.pk, act="claim", data={})
    act(actor=member, need_id=need.pk, act="start", data={})
    act(actor=member, need_id=need.pk, act="complete", data={"minutes": minutes, "proof": "好"})
    Need.objects.filter(pk=need.pk).update(
        claimed_at=clock.start_of_day(on) + dt.timedelta(hours=10)
    )


@pytest.fixture
def member(ally):
    person = ally.user("member").person
    m = InServiceMember.objects.create(unit=ally.units[0].unit, person=person)
    branch = Organisation.objects.filter(kind=OrgKind.BRANCH).order_by("id").first()
    PartyMembership.objects.update_or_create(
        person=person,
        defaults={
            "organisation": branch,
            "in_service": True,
            "registered_community": ally.community,
            "registered_date": dt.date(YEAR, 3, 1),
        },
    )
    return m


def _pledges(m, states):
    for i, (state, explanation) in enumerate(states):
        Pledge.objects.create(
            member=m, year=YEAR, text=f"承诺{i}", state=state, explanation=explanation
        )


def test_the_member_card_against_a_hand_computed_case(ally, member):
    _served(ally, 600, dt.date(YEAR, 6, 1))  # 10 h of the alliance's 50 h
    _pledges(
        member,
        [("delivered", ""), ("delivered", ""), ("unmet", "调岗外派"), ("pledged", "")],
    )
    body = member_cards.card_of(member, YEAR)
    assert body is not None
    points = {i["rule"]: Decimal(i["points"]) for i in body["items"]}
    # 10/50 × 60 = 12; 2/4 × 30 = 15; registered in March: +10; one unmet pledge: −2.
    assert points == {
        "hours": Decimal(12),
        "kept": Decimal(15),
        "registered": Decimal(10),
        "unmet": Decimal(-2),
    }
    assert Decimal(body["total"]) == Decimal(35)
    assert body["grade"] == "不合格"
    hours = next(i for i in body["items"] if i["rule"] == "hours")
    assert hours["evidence"] and "/matching/needs/" in hours["evidence"][0]["url"]
    unmet = next(i for i in body["items"] if i["rule"] == "unmet")
    assert "调岗外派" in unmet["evidence"][0]["text"]


def test_grade_boundaries_and_a_registration_after_the_year_does_not_count(ally, member):
    # 45 h of 50: 54; all four pledges kept: 30; registered: 10 → 94 优秀.
    for month in (3, 4, 5):
        _served(ally, 900, dt.date(YEAR, month, 10))
    _pledges(member, [("delivered", "")] * 4)
    body = member_cards.card_of(member, YEAR)
    assert body is not None
    assert Decimal(body["total"]) == Decimal(94) and body["grade"] == "优秀"
    # Registered only after the year: no bonus, 84 → 合格.
    PartyMembership.objects.filter(person=member.person).update(
        registered_date=dt.date(YEAR + 1, 1, 5)
    )
    body = member_cards.card_of(member, YEAR)
    assert Decimal(body["total"]) == Decimal(84) and body["grade"] == "合格"


def test_member_cards_publish_with_the_units_and_take_the_members_objection(ally, member):
    _pledges(member, [("delivered", ""), ("pledged", "")])
    services.scorecards_publish(actor=ally.manager, alliance=ally.alliance, year=YEAR)
    card = MemberScorecard.objects.get(member=member, year=YEAR)
    assert card.state == CardState.PUBLISHED and card.alliance_id == ally.alliance.pk
    # A stranger (another grid's worker, not the member, not the unit) may not object.
    with pytest.raises(Forbidden):
        services.objection_raise(actor=ally.user("grid2"), scorecard=card, reason="不对")
    o = services.objection_raise(
        actor=ally.user("member"), scorecard=card, reason="第四季度的服务没有计入"
    )
    assert o.member_card_id == card.pk and o.scorecard_id is None
    with time_machine.travel(clock.now() + dt.timedelta(days=6), tick=False):
        from tongxin.alliance.errors import PublicationWindowOpen

        with pytest.raises(PublicationWindowOpen):
            services.scorecards_finalize(actor=ally.manager, alliance=ally.alliance, year=YEAR)
        services.objection_answer(actor=ally.manager, objection=o, answer="已核实，按记录计")
        services.scorecards_finalize(actor=ally.manager, alliance=ally.alliance, year=YEAR)
    card.refresh_from_db()
    assert card.state == CardState.FINAL


def test_who_sees_a_member_card(ally, member, demo):
    url = f"/api/v1/alliance/members/{member.pk}/scorecard?year={YEAR}"
    assert demo.api("member").get(url).status_code == 200  # the member themself
    assert demo.api("secretary").get(url).status_code == 200  # the community's staff
    assert demo.api("dept").get(url).status_code == 404  # another unit
    listed = demo.api("dept").get("/api/v1/alliance/members").json()
    assert member.pk not in [x["id"] for x in listed["items"]]
    page = demo.client("member").get(f"/alliance/members/{member.pk}/?year={YEAR}")
    assert page.status_code == 200 and "公开承诺" in page.content.decode()


def test_the_cards_export_is_an_excel_workbook_of_units_and_members(ally, member):
    import io

    from openpyxl import load_workbook

    _pledges(member, [("delivered", ""), ("pledged", "")])
    client = ally.demo.client("secretary")
    response = client.get(f"/alliance/{ally.alliance.pk}/scorecards.xlsx?year={YEAR}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    units, members = wb.worksheets
    assert units.max_row == 1 + len(ally.units)
    names = [row[0].value for row in members.iter_rows(min_row=2)]
    assert member.person.name in names
    page = client.get(f"/alliance/{ally.alliance.pk}/scorecards/?year={YEAR}").content.decode()
    assert f'data-member="{member.pk}"' in page
    # Not for a unit's liaison.
    denied = ally.demo.client("member").get(f"/alliance/{ally.alliance.pk}/scorecards.xlsx")
    assert denied.status_code in (403, 404)
