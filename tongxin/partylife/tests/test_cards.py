"""The branch and member scorecards through the one scoring engine, against hand-computed
cards: deductions with their reasons, caps, the stars' bands and the five-star cap, the
publication window with objections; the secret mutual appraisal and the 优秀 cap; study's
time-on-page floor."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from tongxin.alliance.errors import PublicationWindowOpen, ScorecardNotOpen
from tongxin.core.errors import Forbidden, ValidationFailed
from tongxin.core.models import AuditEvent
from tongxin.partylife import services
from tongxin.partylife.errors import ExcellentCapExceeded
from tongxin.partylife.models import (
    AppraisalGrade,
    CardFormula,
    CardState,
    MutualVote,
    PartyCard,
    StudyMaterial,
)
from tongxin.partylife.selectors import cards, study

from .conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def items(result):
    return {i.rule: i for i in result.items}


def material(branch, day=dt.date(2026, 1, 5), floor=60):
    return StudyMaterial.objects.create(
        organisation=branch.org,
        title="学习二十大精神",
        body="正文",
        published_on=day,
        min_seconds=floor,
    )


def study_it(branch, person, m, when):
    user = getattr(person, "_user", None) or branch.user_of(person, f"u{person.pk}")
    person._user = user
    with time_machine.travel(when, tick=False):
        services.study_open(actor=user, material=m)
    for k in range(1, 4):
        with time_machine.travel(when + dt.timedelta(seconds=30 * k), tick=False):
            read = services.study_ping(actor=user, material=m)
    return read


def member_card(branch, person, year=2026):
    ms = [m for m in services.members_of(branch.org) if m.person_id == person.pk]
    return cards.evaluate_members(ms, year)[0]


def test_member_card_by_hand(branch):
    x = branch.members[1]
    for month in (1, 2, 3):
        branch.hold(at(2026, month, 15))
    branch.hold(at(2026, 4, 15), absent={x.pk: ""})  # unexcused: −5
    branch.hold(at(2026, 5, 15), absent={x.pk: "住院"})  # excused: nothing
    study_it(branch, x, material(branch), at(2026, 2, 1))
    study_it(branch, x, material(branch, dt.date(2026, 3, 1)), at(2026, 3, 2))
    with time_machine.travel(at(2026, 12, 1), tick=False):
        a = services.appraisal_open(actor=branch.secretary, organisation=branch.org, year=2026)
        services.appraisal_grade(
            actor=branch.secretary, appraisal=a, grades={x.pk: AppraisalGrade.EXCELLENT}
        )
    with time_machine.travel(at(2027, 1, 5), tick=False):
        card = member_card(branch, x)
    got = items(card.result)
    # base 60 + attended 3 × 1 + studied 2 × 1 − 5 = 60, × 0.7 = 42.00; appraisal 100 × 0.3
    assert got["base.base"].points == Decimal("42.00")
    assert got["life_attended"].points == Decimal("2.10")
    assert got["study_done"].points == Decimal("1.40")
    assert got["life_unexcused"].points == Decimal("-3.50")
    assert "无故缺席" in got["life_unexcused"].evidence[0].text  # the deduction's reason
    assert got["appraisal_grade"].points == Decimal("30.00")
    assert card.result.total == Decimal("72.00")
    assert card.stars == 3
    assert sum(i.points for i in card.result.items) == card.result.total
    assert len(got["life_attended"].evidence) == 3


def test_a_rule_cap_and_the_probationary_member(branch):
    p = branch.probationary
    for k in range(11):
        study_it(branch, p, material(branch, dt.date(2026, 1, 1 + k)), at(2026, 2, 1 + k))
    with time_machine.travel(at(2027, 1, 5), tick=False):
        card = member_card(branch, p)
    got = items(card.result)
    assert len(got["study_done"].evidence) == 11
    assert got["study_done"].raw == Decimal(10) and got["study_done"].note == "cap 10"
    assert "appraisal_grade" not in got and "appraisal.probationary" in got
    # 60 + 10 = 70, × 0.7 = 49.00, no appraisal part: below 60 is one star
    assert card.result.total == Decimal("49.00") and card.stars == 1


def test_branch_card_by_hand_with_a_missed_month(branch):
    StudyMaterial.objects.all().delete()  # the demo's materials (the committee's, this year)
    branch.hold(at(2026, 1, 15))
    m = material(branch)
    for p in branch.members[:3]:
        study_it(branch, p, m, at(2026, 1, 20))
    with time_machine.travel(at(2026, 2, 1, 0, 10), tick=False):
        card = next(
            c
            for c in cards.evaluate_branches(cards.sibling_branches(branch.org), 2026)
            if c.subject_id == branch.org.pk
        )
    got = items(card.result)
    assert got["base.base"].points == Decimal("49.00")
    assert got["life_held"].points == Decimal("0.70")
    # the branch committee of January was not held: −5 × 0.7
    assert got["life_missed"].points == Decimal("-3.50")
    assert "支委会" in got["life_missed"].evidence[0].text
    # 3 of 7 studied: 10 × 3/7 = 4.29, × 0.7 = 3.00
    assert got["study"].raw == Decimal("4.29") and got["study"].points == Decimal("3.00")
    assert card.result.total == Decimal("49.20") and card.stars == 1


def test_five_star_branches_are_capped_at_thirty_percent(branch):
    CardFormula.objects.create(
        kind="branch",
        formula={
            "parts": [
                {
                    "code": "base",
                    "base": "90",
                    "rules": [
                        {
                            "code": "held",
                            "label": "组织生活",
                            "kind": "per_fact",
                            "fact": "life_held",
                            "points": "1",
                        }
                    ],
                }
            ],
            "bands": [{"grade": "5", "min": "90"}, {"grade": "4", "min": "80"}, {"grade": "1"}],
            "grade_caps": [{"grade": "5", "max_share": "0.3"}],
        },
    )
    branch.hold(at(2026, 1, 15))
    with time_machine.travel(at(2026, 3, 1), tick=False):
        population = cards.sibling_branches(branch.org)
        got = cards.evaluate_branches(population, 2026)
    five = [c for c in got if c.stars == 5]
    assert len(population) >= 4
    assert len(five) <= int(len(population) * 0.3)
    mine = next(c for c in got if c.subject_id == branch.org.pk)
    assert mine.result.total > Decimal(90)
    if len(five) == 1:
        assert five[0].subject_id == mine.subject_id or five[0].result.total >= mine.result.total
    demoted = [c for c in got if c.stars == 4 and c.result.total >= 90]
    assert all("stars.cap" in items(c.result) for c in demoted)


def test_publication_window_objections_and_final_cards(branch, demo):
    x = branch.members[1]
    branch.hold(at(2026, 3, 15))
    boss = demo.user("secretary")
    with time_machine.travel(at(2026, 12, 20), tick=False):
        n = services.cards_publish(actor=branch.secretary, organisation=branch.org, year=2026)
        assert n == 8  # the branch and its seven members
        card = PartyCard.objects.get(kind="member", person=x, year=2026)
        assert card.state == CardState.PUBLISHED
        assert card.publish_until == dt.date(2026, 12, 25)
        xu = branch.user_of(x, "xmember")
        other = branch.user_of(branch.members[2], "othermember")
        with pytest.raises(Forbidden):
            services.objection_raise(actor=other, card=card, reason="不是我的")
        o = services.objection_raise(actor=xu, card=card, reason="三月的主题党日我参加了")
        with pytest.raises(PublicationWindowOpen):
            services.cards_finalize(actor=boss, organisation=branch.committee, year=2026)
    with time_machine.travel(at(2026, 12, 26), tick=False):
        with pytest.raises(ScorecardNotOpen):
            services.objection_raise(actor=xu, card=card, reason="晚了")
        with pytest.raises(PublicationWindowOpen):  # the objection waits for its answer
            services.cards_finalize(actor=boss, organisation=branch.committee, year=2026)
        with pytest.raises(Forbidden):  # the branch does not answer objections to itself
            services.objection_answer(actor=branch.secretary, objection=o, answer="x")
        services.objection_answer(actor=boss, objection=o, answer="已核实，记录无误")
        assert services.cards_finalize(actor=boss, organisation=branch.committee, year=2026) >= 8
        card.refresh_from_db()
        assert card.state == CardState.FINAL
        before = card.total
        branch.hold(at(2026, 12, 26, 8))
        services.cards_compute(actor=branch.secretary, organisation=branch.org, year=2026)
        card.refresh_from_db()
        assert card.total == before  # a final card is never recomputed


def test_study_needs_time_on_the_page_not_a_click(branch):
    x = branch.members[1]
    user = branch.user_of(x, "reader")
    m = material(branch, floor=60)
    with time_machine.travel(at(2026, 2, 1), tick=False):
        services.study_open(actor=user, material=m)
        read = services.study_ping(actor=user, material=m)
        assert read.seconds == 0 and read.studied_at is None
    with time_machine.travel(at(2026, 2, 1, 10, 10), tick=False):  # ten minutes away
        read = services.study_ping(actor=user, material=m)
        assert read.seconds == 30 and read.studied_at is None  # one ping counts at most 30 s
    with time_machine.travel(at(2026, 2, 1, 10, 10) + dt.timedelta(seconds=20), tick=False):
        read = services.study_ping(actor=user, material=m)
        assert read.seconds == 50 and read.studied_at is None
    with time_machine.travel(at(2026, 2, 1, 10, 10) + dt.timedelta(seconds=45), tick=False):
        read = services.study_ping(actor=user, material=m)
        assert read.seconds == 75 and read.studied_at is not None
    assert [r.person_id for r in study.readers(branch.secretary, m)] == [x.pk]
    assert study.readers(user, m) is None  # a member does not see who read


def test_the_appraisal_caps_excellent_and_excludes_probationary(branch):
    with time_machine.travel(at(2026, 12, 1), tick=False):
        a = services.appraisal_open(actor=branch.secretary, organisation=branch.org, year=2026)
        full = branch.full  # six full members: at most two 优秀
        grades = {p.pk: AppraisalGrade.QUALIFIED for p in full}
        for p in full[:3]:
            grades[p.pk] = AppraisalGrade.EXCELLENT
        with pytest.raises(ExcellentCapExceeded) as e:
            services.appraisal_grade(actor=branch.secretary, appraisal=a, grades=grades)
        assert e.value.context == {"allowed": 2, "given": 3}
        with pytest.raises(ValidationFailed):
            services.appraisal_grade(
                actor=branch.secretary,
                appraisal=a,
                grades={branch.probationary.pk: AppraisalGrade.QUALIFIED},
            )
        grades[full[2].pk] = AppraisalGrade.QUALIFIED
        assert services.appraisal_grade(actor=branch.secretary, appraisal=a, grades=grades) == 6


def test_the_mutual_appraisal_is_secret(branch):
    voter, subject = branch.members[1], branch.members[2]
    vu = branch.user_of(voter, "voter")
    with time_machine.travel(at(2026, 12, 1), tick=False):
        a = services.appraisal_open(actor=branch.secretary, organisation=branch.org, year=2026)
        services.appraisal_self(actor=vu, appraisal=a, text="认真履行党员义务")
        services.appraisal_vote(actor=vu, appraisal=a, votes={subject.pk: AppraisalGrade.EXCELLENT})
        with pytest.raises(ValidationFailed):  # once
            services.appraisal_vote(actor=vu, appraisal=a, votes={subject.pk: AppraisalGrade.BASIC})
        with pytest.raises(ValidationFailed):  # nobody grades a probationary member
            services.appraisal_vote(
                actor=branch.user_of(branch.members[3], "v2"),
                appraisal=a,
                votes={branch.probationary.pk: AppraisalGrade.QUALIFIED},
            )
    # No one reads a ballot: not the voter, not the secretary, not the committee.
    assert not MutualVote.objects.visible_to(vu).exists()
    assert not MutualVote.objects.visible_to(branch.secretary).exists()
    vote = MutualVote.objects.get(appraisal=a)
    assert len(vote.ballot) == 64  # a one-way key: no field of a vote names its voter
    assert not [f for f in MutualVote._meta.concrete_fields if f.name in ("person", "voter")]
    assert study.tallies(a) == {subject.pk: {"excellent": 1}}
    ev = AuditEvent.objects.filter(action="appraisal.vote").latest("id")
    assert "excellent" not in str(ev.detail) and str(subject.pk) not in str(ev.detail or "")
