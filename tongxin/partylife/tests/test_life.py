"""Organisational life against its cadence, under frozen clocks at quarter and year ends;
attendance and quorum; the superior's review."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tongxin.core.errors import Forbidden, ValidationFailed
from tongxin.meetings import selectors as meeting_selectors
from tongxin.meetings.models import Meeting
from tongxin.partylife import services
from tongxin.partylife.models import LifeRecord, ReviewState
from tongxin.partylife.selectors import life

from .conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def kinds(org, year):
    return {k.kind: k for k in life.life_of(org, year)}


def statuses(k):
    return [(p.start, p.status) for p in k.periods]


def test_theme_day_month_end_is_due_then_missing_the_next_day(branch):
    branch.hold(at(2026, 1, 20))
    branch.hold(at(2026, 2, 27))
    with time_machine.travel(at(2026, 3, 31, 23, 30), tick=False):
        got = kinds(branch.org, 2026)["theme_day"]
        assert statuses(got)[:4] == [
            (dt.date(2026, 1, 1), "held"),
            (dt.date(2026, 2, 1), "held"),
            (dt.date(2026, 3, 1), "overdue"),  # its fixed day (the 5th) has passed
            (dt.date(2026, 4, 1), "upcoming"),
        ]
        assert got.missing == []
        assert [p.label for p in got.due] == ["2026 年 3 月"]
    with time_machine.travel(at(2026, 4, 1, 0, 5), tick=False):
        got = kinds(branch.org, 2026)["theme_day"]
        assert [p.label for p in got.missing] == ["2026 年 3 月"]
        assert [p.label for p in got.due] == ["2026 年 4 月"]
        assert got.required == 12 and got.held == 2


def test_quarterly_assembly_across_the_quarter_and_year_end(branch):
    branch.hold(at(2026, 3, 31, 20), "branch_assembly")  # late on the quarter's last day
    branch.hold(at(2026, 10, 1, 9), "branch_assembly")
    with time_machine.travel(at(2026, 12, 31, 23), tick=False):
        got = kinds(branch.org, 2026)["branch_assembly"]
        assert statuses(got) == [
            (dt.date(2026, 1, 1), "held"),
            (dt.date(2026, 4, 1), "missing"),
            (dt.date(2026, 7, 1), "missing"),
            (dt.date(2026, 10, 1), "held"),
        ]
        assert kinds(branch.org, 2026)["life_meeting"].due  # the year's one, still due
    with time_machine.travel(at(2027, 1, 1, 0, 10), tick=False):
        year = kinds(branch.org, 2026)
        assert [p.label for p in year["life_meeting"].missing] == ["2026 年"]
        assert len(year["theme_day"].missing) == 12
        new = kinds(branch.org, 2027)["branch_assembly"]
        assert statuses(new)[0] == (dt.date(2027, 1, 1), "due")
        assert new.missing == []


def test_party_lectures_twice_a_year_one_by_the_secretary(branch):
    sec = branch.members[0]
    branch.hold(at(2026, 3, 5), "party_lecture", presenter=branch.members[2])
    with time_machine.travel(at(2026, 6, 30), tick=False):
        k = kinds(branch.org, 2026)["party_lecture"]
        assert (k.required, k.held, k.by_secretary_held) == (2, 1, 0)
        assert k.secretary_missing and [p.label for p in k.due] == ["2026 年"]
    branch.hold(at(2026, 9, 5), "party_lecture", presenter=sec)
    with time_machine.travel(at(2027, 1, 2), tick=False):
        k = kinds(branch.org, 2026)["party_lecture"]
        assert (k.held, k.by_secretary_held, k.missing) == (2, 1, [])
        assert not k.secretary_missing


def test_a_cancelled_meeting_does_not_count(branch):
    with time_machine.travel(at(2026, 5, 1), tick=False):
        from tongxin.meetings import services as meetings

        m = meetings.meeting_convene(
            actor=branch.secretary,
            kind="theme_day",
            organisation_id=branch.org.pk,
            starts_at=at(2026, 5, 10),
            agenda=["主题党日"],
        )
        meetings.meeting_act(actor=branch.secretary, meeting_id=m.pk, act="cancel")
    with time_machine.travel(at(2026, 6, 1, 0, 1), tick=False):
        assert [p.label for p in kinds(branch.org, 2026)["theme_day"].missing][-1] == "2026 年 5 月"


def test_attendance_counts_reasons_and_quorum(branch):
    ten, eleven = branch.members[1], branch.members[2]
    rec = branch.hold(at(2026, 4, 10), "branch_assembly", absent={ten.pk: "出差", eleven.pk: ""})
    m = Meeting.objects.get(pk=rec.meeting_id)
    seats = meeting_selectors.seats(m)
    assert len(seats) == 7
    status = {s.invitation.person_id: s.status for s in seats}
    assert status[ten.pk] == "excused" and status[eleven.pk] == "absent"
    q = meeting_selectors.quorum_of(m)
    # 支部党员大会: more than half of those expected, an apology not expected: 5 of 6.
    assert q.met
    # With four absent unexcused the assembly is not quorate (3 of 7 is not more than half).
    absent = {p.pk: "" for p in branch.members[1:5]}
    m2 = Meeting.objects.get(
        pk=branch.hold(at(2026, 5, 10), "branch_assembly", absent=absent).meeting_id
    )
    assert not meeting_selectors.quorum_of(m2).met


def test_the_record_refuses_outsiders_and_the_future(branch, demo):
    with pytest.raises(ValidationFailed) as e:
        services.life_record(
            actor=branch.secretary,
            organisation=branch.org,
            kind="theme_day",
            starts_at=at(2099, 1, 1),
            topic="",
            present=[demo.user("resident").person_id],
        )
    fields = {f["field"] for f in e.value.fields}
    assert {"starts_at", "topic", "present"} <= fields
    assert not LifeRecord.objects.filter(meeting__organisation=branch.org).exists()
    with pytest.raises(Forbidden):
        services.life_record(
            actor=demo.user("resident"),
            organisation=branch.org,
            kind="theme_day",
            starts_at=at(2026, 1, 1),
            topic="x",
            present=[],
        )


def test_the_superior_reviews_returned_then_corrected(branch, demo):
    rec = branch.hold(at(2026, 4, 10))
    # The branch's own secretary is not its superior.
    with pytest.raises(Forbidden):
        services.life_review(actor=branch.secretary, meeting_id=rec.meeting_id, accept=True)
    boss = demo.user("secretary")
    with pytest.raises(ValidationFailed):
        services.life_review(actor=boss, meeting_id=rec.meeting_id, accept=False)
    got = services.life_review(
        actor=boss, meeting_id=rec.meeting_id, accept=False, note="缺少签到表"
    )
    assert got.review_state == ReviewState.RETURNED and got.review_note == "缺少签到表"
    got = services.life_correct(
        actor=branch.secretary, meeting_id=rec.meeting_id, minutes="补充签到表与纪要"
    )
    assert got.review_state == ReviewState.PENDING
    got = services.life_review(actor=boss, meeting_id=rec.meeting_id, accept=True)
    assert got.review_state == ReviewState.ACCEPTED


def test_life_api_answers_required_held_missing(branch, demo):
    branch.hold(at(2026, 1, 20))
    from django.test import Client

    c = Client()
    c.force_login(branch.secretary)
    with time_machine.travel(at(2026, 3, 2), tick=False):
        r = c.get(f"/api/v1/party/organisations/{branch.org.pk}/life?year=2026")
        assert r.status_code == 200, r.content
        body = {k["kind"]: k for k in r.json()["kinds"]}
        assert body["theme_day"]["required"] == 12
        assert body["theme_day"]["held"] == 1
        assert body["theme_day"]["missing"] == ["2026 年 2 月"]
        assert body["branch_assembly"]["due"] == ["2026 年第 1 季度"]
        assert set(body) == {
            "branch_assembly",
            "branch_committee",
            "party_lecture",
            "theme_day",
            "life_meeting",
            "appraisal",
        }
        # The committee sees it; a plain member and a grid worker do not (404).
        assert (
            demo.client("secretary")
            .get(f"/api/v1/party/organisations/{branch.org.pk}/life")
            .status_code
            == 200
        )
        member = branch.user_of(branch.members[3], "plainmember")
        c2 = Client()
        c2.force_login(member)
        assert c2.get(f"/api/v1/party/organisations/{branch.org.pk}/life").status_code == 404
        assert (
            demo.client("resident")
            .get(f"/api/v1/party/organisations/{branch.org.pk}/life")
            .status_code
            == 404
        )
        assert (
            c.get(f"/api/v1/party/organisations/{branch.org.pk}/life?year=1900").status_code == 422
        )
