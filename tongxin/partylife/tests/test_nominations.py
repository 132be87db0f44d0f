"""评先评优: the candidates ranked by their year's card with the reasons that bar some, the
quota (data), the superior's approval or return, the publicity window under frozen clocks
(across the New Year and the Spring Festival, counted in working days), objections blocking
the final list, and who sees what."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tongxin.alliance.errors import PublicationWindowOpen, ScorecardNotOpen
from tongxin.core.errors import Forbidden, NotFound, ValidationFailed
from tongxin.core.models import AuditEvent
from tongxin.partylife import nominations, services
from tongxin.partylife.errors import NominationLocked, NominationQuotaExceeded, NotEligible
from tongxin.partylife.models import (
    AppraisalGrade,
    NominationList,
    NominationQuota,
    NominationState,
)
from tongxin.partylife.selectors import nominations as sel

from .conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

EM, EW, AO = "excellent_member", "excellent_worker", "advanced_org"


def year_with_cards(branch):
    """2026 for the test branch: a 主题党日 a month, members[1] absent unexcused once,
    members[2] graded 基本合格, members[3] 优秀, the rest 合格; cards computed in January."""
    b = branch.members
    for month in range(1, 13):
        branch.hold(at(2026, month, 5), absent={b[1].pk: ""} if month == 4 else None)
    with time_machine.travel(at(2026, 12, 10), tick=False):
        a = services.appraisal_open(actor=branch.secretary, organisation=branch.org, year=2026)
        grades = {p.pk: AppraisalGrade.QUALIFIED for p in branch.full}
        grades[b[2].pk] = AppraisalGrade.BASIC
        grades[b[3].pk] = AppraisalGrade.EXCELLENT
        services.appraisal_grade(actor=branch.secretary, appraisal=a, grades=grades)
    with time_machine.travel(at(2027, 1, 4), tick=False):
        services.cards_compute(actor=branch.secretary, organisation=branch.org, year=2026)


def nominate(branch, person, title=EM, occasion="year_end", actor=None):
    return nominations.nominate(
        actor=actor or branch.secretary,
        organisation=branch.org,
        year=2026,
        occasion=occasion,
        title=title,
        subject_id=person.pk,
        deeds="带头参加志愿服务",
    )


def test_candidates_are_ranked_by_card_and_the_barred_say_why(branch):
    year_with_cards(branch)
    b = branch.members
    got = {c.subject_id: c for c in sel.candidates(branch.org, 2026, EM)}
    assert any("无故缺席组织生活" in r for r in got[b[1].pk].reasons)
    assert got[b[2].pk].reasons == ["民主评议等次为“基本合格”，低于合格"]
    assert got[b[3].pk].eligible and got[b[3].pk].card is not None
    ranked = sel.candidates(branch.org, 2026, EM)
    eligible = [c for c in ranked if c.eligible]
    assert eligible[0].subject_id == b[3].pk  # 优秀: the best card
    assert [c.total for c in eligible] == sorted((c.total for c in eligible), reverse=True)
    assert all(not c.eligible for c in ranked[len(eligible) :])
    with time_machine.travel(at(2027, 1, 6), tick=False):
        with pytest.raises(NotEligible) as exc:
            nominate(branch, b[2])
        assert exc.value.fields[0]["reason"].startswith("民主评议等次")
        with pytest.raises(NotEligible):
            nominate(branch, b[1])
        n = nominate(branch, b[3])
    assert n.card.person_id == b[3].pk and n.card.year == 2026  # the card is the evidence
    # 优秀党务工作者: only who holds a party post of the branch (its secretary)
    workers = {c.subject_id: c for c in sel.candidates(branch.org, 2026, EW)}
    assert workers[b[0].pk].eligible
    assert "未在本组织担任党务工作职务" in workers[b[4].pk].reasons


def test_the_quota_is_data_and_is_enforced(branch):
    year_with_cards(branch)
    b = branch.members
    with time_machine.travel(at(2027, 1, 6), tick=False):
        nominate(branch, b[3])
        nominate(branch, b[4])
        with pytest.raises(NominationQuotaExceeded) as exc:
            nominate(branch, b[5])  # the branch's level: two 优秀共产党员
        assert exc.value.context == {"title": EM, "quota": 2}
        NominationQuota.objects.create(organisation=branch.org, title=EM, count=3)
        nominate(branch, b[5])
        with pytest.raises(NominationQuotaExceeded):
            nominate(branch, b[0], title=AO)  # a branch nominates no branches
        with pytest.raises(ValidationFailed):
            nominate(branch, b[5])  # already on the list
    nl = NominationList.objects.get(organisation=branch.org, year=2026, occasion="year_end")
    assert nl.nominations.count() == 3
    assert AuditEvent.objects.filter(action="nomination.add").count() == 3


def test_the_superior_returns_then_approves(branch, demo):
    year_with_cards(branch)
    boss = demo.user("secretary")
    with time_machine.travel(at(2027, 1, 6), tick=False):
        n = nominate(branch, branch.members[3])
        nl = n.nomination_list
        with pytest.raises(NominationLocked):
            nominations.review(actor=boss, list_id=nl.pk, approve=True)  # not submitted
        nominations.submit(actor=branch.secretary, list_id=nl.pk)
        with pytest.raises(NominationLocked):
            nominate(branch, branch.members[4])  # submitted: locked
        with pytest.raises(Forbidden):  # the branch does not approve its own list
            nominations.review(actor=branch.secretary, list_id=nl.pk, approve=True)
        with pytest.raises(ValidationFailed):
            nominations.review(actor=boss, list_id=nl.pk, approve=False)  # no reason
        got = nominations.review(actor=boss, list_id=nl.pk, approve=False, note="事迹过简")
        assert got.state == NominationState.RETURNED and got.review_note == "事迹过简"
        nominations.withdraw(actor=branch.secretary, nomination_id=n.pk)
        nominate(branch, branch.members[4])
        nominations.submit(actor=branch.secretary, list_id=nl.pk)
        got = nominations.review(actor=boss, list_id=nl.pk, approve=True)
    assert got.state == NominationState.PUBLISHED
    assert got.publish_from == dt.date(2027, 1, 6)
    assert got.publish_until == dt.date(2027, 1, 13)  # 5 working days after
    actions = list(
        AuditEvent.objects.filter(action__startswith="nomination.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "nomination.open",
        "nomination.add",
        "nomination.submit",
        "nomination.return",
        "nomination.withdraw",
        "nomination.add",
        "nomination.submit",
        "nomination.approve",
    ]


def approved_on(branch, demo, when):
    boss = demo.user("secretary")
    with time_machine.travel(when, tick=False):
        nl = nominate(branch, branch.members[3], occasion="july_first").nomination_list
        nominations.submit(actor=branch.secretary, list_id=nl.pk)
        return nominations.review(actor=boss, list_id=nl.pk, approve=True)


def test_the_window_spans_the_new_year_in_working_days(branch, demo):
    year_with_cards(branch)
    nl = approved_on(branch, demo, at(2026, 12, 30))
    # Wed 30 Dec: 31 Dec, (1 Jan holiday, a weekend), 4, 5, 6, 7 Jan
    assert nl.publish_until == dt.date(2027, 1, 7)


def test_the_window_spans_the_spring_festival_and_objections_block_the_final(branch, demo):
    year_with_cards(branch)
    boss = demo.user("secretary")
    member = branch.user_of(branch.members[5], "nominee-watcher")
    nl = approved_on(branch, demo, at(2027, 2, 4, 16))
    # Thu 4 Feb; the Spring Festival holiday 5–10 Feb; 11, 12, 15, 16, 17 Feb
    assert nl.publish_until == dt.date(2027, 2, 17)
    with time_machine.travel(at(2027, 2, 9), tick=False):  # in the holiday: still open
        o = nominations.object_to(actor=member, list_id=nl.pk, reason="事迹与实际不符")
        with pytest.raises(ValidationFailed):
            nominations.object_to(actor=member, list_id=nl.pk, reason=" ")
    with (
        time_machine.travel(at(2027, 2, 17, 23, 50), tick=False),
        pytest.raises(PublicationWindowOpen),  # the window's last day
    ):
        nominations.finalize(actor=boss, list_id=nl.pk)
    with time_machine.travel(at(2027, 2, 18, 9), tick=False):
        with pytest.raises(ScorecardNotOpen):  # too late to object
            nominations.object_to(actor=member, list_id=nl.pk, reason="再提异议")
        with pytest.raises(PublicationWindowOpen) as exc:
            nominations.finalize(actor=boss, list_id=nl.pk)  # unanswered
        assert "异议" in exc.value.message
        with pytest.raises(Forbidden):  # the branch answers no objection to its own list
            nominations.answer(actor=branch.secretary, objection_id=o.pk, text="已核实")
        with pytest.raises(NotFound):  # a member does not answer, nor sees others' lists' ones
            nominations.answer(actor=member, objection_id=o.pk + 999, text="x")
        nominations.answer(actor=boss, objection_id=o.pk, text="经核实，事迹属实")
        got = nominations.finalize(actor=boss, list_id=nl.pk)
    assert got.state == NominationState.FINAL
    assert (
        AuditEvent.objects.filter(
            action__in=["nomination.object", "partycard.answer", "nomination.finalize"]
        ).count()
        == 3
    )


def test_a_make_up_working_day_shortens_the_window(branch, demo):
    from tongxin.cases.models import WorkCalendarDay

    WorkCalendarDay.objects.create(date=dt.date(2027, 2, 14), is_workday=True, note="调休上班")
    year_with_cards(branch)
    nl = approved_on(branch, demo, at(2027, 2, 4, 16))
    assert nl.publish_until == dt.date(2027, 2, 16)


def test_scoping_members_see_only_the_published_list(branch, demo):
    year_with_cards(branch)

    def mine(user):  # the demo's own lists aside
        return sel.visible_lists(user).filter(organisation=branch.org)

    member = branch.user_of(branch.members[5], "plain-member")
    with time_machine.travel(at(2027, 1, 6), tick=False):
        nl = nominate(branch, branch.members[3]).nomination_list
        with pytest.raises(Forbidden):  # a member does not nominate
            nominate(branch, branch.members[4], actor=member)
        assert not mine(member).exists()  # a draft: the branch's only
        assert not mine(demo.user("grid2")).exists()  # another grid's officer
        assert mine(branch.secretary).get() == nl
        assert mine(demo.user("secretary")).get() == nl
        nominations.submit(actor=branch.secretary, list_id=nl.pk)
        assert not mine(member).exists()
        nominations.review(actor=demo.user("secretary"), list_id=nl.pk, approve=True)
        assert mine(member).get() == nl
        assert not mine(demo.user("resident")).exists()  # not a party member
        with pytest.raises(NotFound):
            nominations.object_to(actor=demo.user("resident"), list_id=nl.pk, reason="x")


def test_the_committee_nominates_branches_barred_by_a_missing_period(branch, demo):
    boss = demo.user("secretary")
    branch.hold(at(2026, 1, 5))
    with time_machine.travel(at(2027, 1, 4), tick=False):
        services.cards_compute(actor=boss, organisation=branch.committee, year=2026)
    got = {c.subject_id: c for c in sel.candidates(branch.committee, 2026, AO)}
    assert any("未召开" in r or "组织生活" in r for r in got[branch.org.pk].reasons)
    with time_machine.travel(at(2027, 1, 6), tick=False), pytest.raises(NotEligible):
        nominations.nominate(
            actor=boss,
            organisation=branch.committee,
            year=2026,
            occasion="year_end",
            title=AO,
            subject_id=branch.org.pk,
        )
    assert sel.quota_of(branch.committee, AO) == 2
    assert sel.may_approve(boss, branch.committee)  # the top: its officers record the decision
    assert not sel.may_approve(branch.secretary, branch.committee)


def client(user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


def test_the_api_nominates_approves_publishes_and_takes_objections(branch, demo):
    year_with_cards(branch)
    b = branch.members
    with time_machine.travel(at(2027, 1, 6), tick=False):
        sec, boss = client(branch.secretary), client(demo.user("secretary"))
        member = client(branch.user_of(branch.members[5], "api-member"))
        r = sec.get(
            f"/api/v1/party/nominations/candidates?organisation_id={branch.org.pk}"
            f"&title={EM}&year=2026"
        )
        assert r.status_code == 200, r.content
        rows = {c["subject_id"]: c for c in r.json()}
        assert rows[b[2].pk]["eligible"] is False and rows[b[2].pk]["reasons"]
        assert rows[b[3].pk]["card_id"] == f"member-{b[3].pk}-2026"
        assert (
            member.get(
                f"/api/v1/party/nominations/candidates?organisation_id={branch.org.pk}&title={EM}"
            ).status_code
            == 404
        )
        body = {"year": 2026, "title": EM}
        create = f"/api/v1/party/nominations/organisations/{branch.org.pk}"
        r = sec.post(create, {**body, "subject_id": b[2].pk}, "application/json")
        assert r.status_code == 422 and r.json()["code"] == "NOT_ELIGIBLE"
        assert r.json()["fields"][0]["reason"].startswith("民主评议等次")
        r = sec.post(create, {**body, "subject_id": b[3].pk}, "application/json")
        assert r.status_code == 201, r.content
        list_id = r.json()["id"]
        assert r.json()["nominations"][0]["card_id"] == f"member-{b[3].pk}-2026"
        sec.post(create, {**body, "subject_id": b[4].pk}, "application/json")
        r = sec.post(create, {**body, "subject_id": b[5].pk}, "application/json")
        assert r.status_code == 422 and r.json()["code"] == "NOMINATION_QUOTA_EXCEEDED"
        assert member.get(f"/api/v1/party/nominations/{list_id}").status_code == 404
        act = f"/api/v1/party/nominations/{list_id}/act"
        assert sec.post(act, {"act": "submit"}, "application/json").status_code == 200
        r = sec.post(act, {"act": "approve"}, "application/json")
        assert r.status_code == 403 and r.json()["code"] == "ACTION_FORBIDDEN"
        r = boss.post(act, {"act": "approve"}, "application/json")
        assert r.status_code == 200 and r.json()["state"] == "published"
        assert r.json()["publish_until"] == "2027-01-13"
        r = boss.post(act, {"act": "approve"}, "application/json")
        assert r.status_code == 409 and r.json()["code"] == "NOMINATION_LOCKED"
        r = member.get("/api/v1/party/nominations?year=2026")
        assert [x["id"] for x in r.json()] == [list_id]
        r = member.post(
            f"/api/v1/party/nominations/{list_id}/objections",
            {"reason": "不实"},
            "application/json",
        )
        assert r.status_code == 201
        oid = r.json()["id"]
    with time_machine.travel(at(2027, 1, 14), tick=False):
        boss = client(demo.user("secretary"))
        r = boss.post(act, {"act": "finalize"}, "application/json")
        assert r.status_code == 409 and r.json()["code"] == "PUBLICATION_WINDOW_OPEN"
        r = boss.post(
            f"/api/v1/party/nominations/objections/{oid}/answer",
            {"answer": "已核实"},
            "application/json",
        )
        assert r.status_code == 200
        r = boss.post(act, {"act": "finalize"}, "application/json")
        assert r.status_code == 200 and r.json()["state"] == "final"


def test_the_pages_on_a_phone_and_the_printed_notice(branch, demo, tmp_path):
    year_with_cards(branch)
    b = branch.members
    with time_machine.travel(at(2027, 1, 6), tick=False):
        sec = client(branch.secretary)
        url = f"/party/nominations/org/{branch.org.pk}/?year=2026&occasion=year_end"
        page = sec.get(url, HTTP_USER_AGENT="Mozilla/5.0 (iPhone)")
        assert page.status_code == 200
        html = page.content.decode()
        assert f'href="/party/scorecards/member-{b[3].pk}-2026/"' in html  # the evidence
        assert "民主评议等次为“基本合格”，低于合格" in html
        r = sec.post(url, {"act": "nominate", "title": EM, "subject": b[2].pk})
        assert r.status_code == 302
        assert "低于合格" in sec.get(url).content.decode()  # the refusal, said on the page
        sec.post(url, {"act": "nominate", "title": EM, "subject": b[3].pk, "deeds": "热心服务"})
        sec.post(url, {"act": "submit"})
        nl = NominationList.objects.get(organisation=branch.org)
        assert nl.state == NominationState.SUBMITTED
        member = client(branch.user_of(b[5], "page-member"))
        assert member.get(f"/party/nominations/{nl.pk}/").status_code == 404
        boss = client(demo.user("secretary"))
        boss.post(f"/party/nominations/{nl.pk}/", {"act": "approve"})
        nl.refresh_from_db()
        assert nl.state == NominationState.PUBLISHED
        assert member.get(f"/party/nominations/{nl.pk}/").status_code == 200
        member.post(f"/party/nominations/{nl.pk}/", {"act": "object", "reason": "请核实"})
        assert nl.objections.count() == 1
        pdf = member.get(f"/party/nominations/{nl.pk}.pdf")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
    out = tmp_path / "notice.pdf"
    out.write_bytes(pdf.content)
    import os
    import shutil
    import subprocess

    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: the notice was not rendered")
    png = os.environ.get("TONGXIN_KEEP_NOTICE") or str(tmp_path / "notice")
    subprocess.run(  # noqa: S603 — poppler on the PDF we just wrote
        [pdftoppm, "-png", "-r", "60", "-singlefile", str(out), png], check=True
    )
    assert os.path.getsize(f"{png}.png") > 5000
