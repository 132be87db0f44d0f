"""六个一 and the unit scorecards, computed from the records under a frozen clock; the
publication window; a liaison sees only their own unit."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine

from tongxin.alliance import services
from tongxin.alliance.models import CardState, Scorecard, Suggestion
from tongxin.alliance.selectors import cards, six
from tongxin.core import clock
from tongxin.core.errors import Forbidden
from tongxin.meetings.models import Apology, Attendance, Invitation, Meeting, MeetingKind

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

YEAR = 2019  # a past year before any demo record: every quarter has ended


def joint_meeting(ally, day: dt.date, *, present=(), excused=(), state="held") -> Meeting:
    """A 联席会 of the alliance's organisation on ``day`` inviting all its units: the units in
    ``present`` send someone, those in ``excused`` send an apology, the others do not come."""
    manager = ally.manager
    m = Meeting.objects.create(
        kind=MeetingKind.objects.get(code="joint"),
        organisation=ally.alliance.organisation,
        title=f"{day:%m}月联席会",
        starts_at=clock.start_of_day(day) + dt.timedelta(hours=15),
        state=state,
        convener=manager.person,
        created_by=manager,
    )
    for u in ally.units:
        inv = Invitation.objects.create(meeting=m, kind="unit", organisation=u.unit)
        if u in present:
            Attendance.objects.create(
                meeting=m,
                invitation=inv,
                person=manager.person,
                method="secretary",
                recorded_by=manager,
            )
        elif u in excused:
            Apology.objects.create(meeting=m, invitation=inv, person=manager.person, reason="出差")
    return m


def test_six_ones_count_the_records_and_the_quarters_without_a_meeting(ally):
    a, b = ally.units[0], ally.units[1]
    # YEAR has ended: every quarter counts, whatever the session's date.
    before = {o.code: o.count for o in six.compute(ally.alliance, YEAR).ones}
    m1 = joint_meeting(ally, dt.date(YEAR, 3, 20))
    joint_meeting(ally, dt.date(YEAR, 9, 20))
    joint_meeting(ally, dt.date(YEAR, 11, 20), state="cancelled")  # not held: not counted
    ally.activity(a, dt.date(YEAR, 5, 1))
    ally.activity(b, dt.date(YEAR, 6, 1))
    ally.activity(a, dt.date(YEAR + 1, 1, 5))  # next year
    agreement = services.agreement_save(
        actor=ally.manager,
        membership=a,
        year=YEAR,
        items=[{"kind": "activities", "text": "活动", "target": 4}],
    )
    services.agreement_sign(actor=ally.manager, agreement=agreement, signed_on=dt.date(YEAR, 1, 10))
    s = six.compute(ally.alliance, YEAR)
    got = {o.code: o.count for o in s.ones}
    assert got["meetings"] == before["meetings"] + 2
    assert got["activities"] == before["activities"] + 2
    assert got["agreements"] == before["agreements"] + 1
    assert s.missing_quarters == [2, 4]
    assert s.meetings_by_quarter[1][0].id == m1.pk
    evidence = next(o for o in s.ones if o.code == "agreements").evidence
    assert evidence[-1].url == f"/alliance/agreements/{agreement.pk}/"


def test_a_units_card_by_hand(ally):
    """Unit a in YEAR: 3 activities (Q1 2, Q3 1 → Q2, Q3, Q4 short: −15), 2 joint meetings
    (present at one, absent unexcused at the other: −5, no full-attendance bonus), an
    agreement of 4 activities (3 done → 75%), one adopted suggestion (+2).
    平时 = 3 × 10 + 1 × 5 (meeting) = 35 → 17.5; 年度 = 75 → 37.5; 17.5 + 37.5 − 15 − 5 + 2 = 37
    → 差."""
    a = ally.units[0]
    # YEAR has ended: every quarter counts, whatever the session's date.
    for day in (dt.date(YEAR, 1, 5), dt.date(YEAR, 2, 5), dt.date(YEAR, 8, 5)):
        ally.activity(a, day)
    joint_meeting(ally, dt.date(YEAR, 3, 20), present=[a])
    joint_meeting(ally, dt.date(YEAR, 6, 20))
    agreement = services.agreement_save(
        actor=ally.manager,
        membership=a,
        year=YEAR,
        items=[{"kind": "activities", "text": "全年开展共建活动", "target": 4}],
    )
    services.agreement_sign(actor=ally.manager, agreement=agreement, signed_on=dt.date(YEAR, 1, 10))
    Suggestion.objects.create(
        membership=a,
        text="增设充电桩",
        made_on=dt.date(YEAR, 4, 1),
        adopted_on=dt.date(YEAR, 5, 1),
    )
    Suggestion.objects.create(membership=a, text="未采纳", made_on=dt.date(YEAR, 4, 1))
    result = cards.compute_one(a, YEAR)
    items = {i.rule: i for i in result.items}
    assert items["activity"].points == Decimal("15.00")
    assert items["meeting"].points == Decimal("2.50")
    assert items["agreement"].points == Decimal("37.50")
    assert items["absence"].points == Decimal("-5.00")
    assert [r for r in items if r.startswith("quarterly:")] == [
        f"quarterly:{YEAR}Q2",
        f"quarterly:{YEAR}Q3",
        f"quarterly:{YEAR}Q4",
    ]
    assert items["suggestion"].points == Decimal("2.00")
    assert "attendance" not in items
    assert result.total == Decimal("37.00") and result.grade == "差"
    # Every point links to its record.
    assert {e.model for e in items["activity"].evidence} == {"volunteering.activity"}
    assert items["absence"].evidence[0].model == "meetings.meeting"


def test_full_attendance_and_no_deduction_for_a_quarter_still_running(ally):
    b = ally.units[1]
    # On 15 May of YEAR only Q1 has ended: Q2 is not deducted yet.
    with time_machine.travel(dt.datetime(YEAR, 5, 15, 4, tzinfo=dt.UTC), tick=False):
        ally.activity(b, dt.date(YEAR, 1, 8))
        ally.activity(b, dt.date(YEAR, 2, 8))
        joint_meeting(ally, dt.date(YEAR, 3, 20), present=[b])
        result = cards.compute_one(b, YEAR)
    rules = {i.rule for i in result.items}
    assert "attendance" in rules
    assert not any(r.startswith("quarterly:") for r in rules)
    # 平时 2 × 10 + 5 = 25 → 12.5; no agreement: 年度 nothing; + 3
    assert result.total == Decimal("15.50")


def test_publication_window_objections_and_final(ally):
    from tongxin.alliance.errors import PublicationWindowOpen, ScorecardNotOpen

    a = ally.units[0]
    liaison = ally.user("member")
    n = services.scorecards_publish(actor=ally.manager, alliance=ally.alliance, year=YEAR)
    assert n == len(ally.units)
    card = Scorecard.objects.get(membership=a, year=YEAR)
    assert card.state == CardState.PUBLISHED
    assert card.publish_until == clock.today() + dt.timedelta(days=5)
    objection = services.objection_raise(actor=liaison, scorecard=card, reason="漏计一次活动")
    with pytest.raises(Forbidden):  # another unit's card
        services.objection_raise(
            actor=liaison,
            scorecard=Scorecard.objects.get(membership=ally.units[1], year=YEAR),
            reason="x",
        )
    with pytest.raises(PublicationWindowOpen):
        services.scorecards_finalize(actor=ally.manager, alliance=ally.alliance, year=YEAR)
    later = clock.now() + dt.timedelta(days=6)
    with time_machine.travel(later, tick=False):
        for user in (liaison, ally.manager):
            user.__dict__.pop("_tongxin_scope", None)
        with pytest.raises(ScorecardNotOpen):
            services.objection_raise(actor=liaison, scorecard=card, reason="迟到的异议")
        with pytest.raises(PublicationWindowOpen):  # the objection has no answer yet
            services.scorecards_finalize(actor=ally.manager, alliance=ally.alliance, year=YEAR)
        services.objection_answer(actor=ally.manager, objection=objection, answer="已核实，无误")
        finalized = services.scorecards_finalize(
            actor=ally.manager, alliance=ally.alliance, year=YEAR
        )
        assert finalized == len(ally.units)
        # A final card is not recomputed: a new activity does not change it.
        before = Scorecard.objects.get(pk=card.pk).result
        ally.activity(a, dt.date(YEAR, 12, 1))
        services.scorecards_compute(actor=ally.manager, alliance=ally.alliance, year=YEAR)
        card.refresh_from_db()
        assert card.state == CardState.FINAL
        assert card.result == before
        assert cards.compute_one(a, YEAR).as_dict()["items"] != before["items"]


def test_a_liaison_sees_only_their_unit(ally):
    api = ally.demo.api("member")
    r = api.get("/api/v1/alliance/units")
    assert r.status_code == 200
    # Their unit only (a member of the demo's alliance too).
    assert {u["unit_id"] for u in r.json()["items"]} == {ally.units[0].unit_id}
    assert ally.units[0].pk in {u["id"] for u in r.json()["items"]}
    mine = api.get(f"/api/v1/alliance/units/{ally.units[0].pk}/scorecard?year={YEAR}")
    assert mine.status_code == 200
    body = mine.json()
    assert set(body) >= {"total", "grade", "items"}
    assert all({"rule", "points", "evidence"} <= set(i) for i in body["items"])
    other = api.get(f"/api/v1/alliance/units/{ally.units[1].pk}/scorecard?year={YEAR}")
    assert other.status_code == 404
    assert other.json()["code"] == "NOT_FOUND"
    # The manager sees every unit of the alliance.
    ids = {
        u["id"] for u in ally.demo.api("secretary").get("/api/v1/alliance/units").json()["items"]
    }
    assert {u.pk for u in ally.units} <= ids
    # Pages: the liaison's board is their unit's page; another unit's page is 404.
    c = ally.demo.client("member")
    assert c.get("/alliance/").status_code == 302
    assert c.get(f"/alliance/units/{ally.units[0].pk}/").status_code == 200
    assert c.get(f"/alliance/units/{ally.units[1].pk}/").status_code == 404
    assert c.get(f"/alliance/units/{ally.units[1].pk}/scorecard/").status_code == 404


def test_bad_year_is_a_clear_422(ally):
    r = ally.demo.api("secretary").get(
        f"/api/v1/alliance/units/{ally.units[0].pk}/scorecard?year=1900"
    )
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION_FAILED"
    r = ally.demo.api("secretary").get(
        f"/api/v1/alliance/units/{ally.units[0].pk}/scorecard?year=x"
    )
    assert r.status_code == 422


def test_the_formula_is_checked_when_set(ally):
    from tongxin.alliance.defaults import DEFAULT_FORMULA
    from tongxin.alliance.errors import BadFormula

    bad = json.loads(json.dumps(DEFAULT_FORMULA))
    bad["adjustments"][0]["points"] = 5.5
    with pytest.raises(BadFormula) as exc:
        services.alliance_set_formula(actor=ally.manager, alliance=ally.alliance, formula=bad)
    assert exc.value.fields[0]["field"] == "formula.adjustments[0].points"
