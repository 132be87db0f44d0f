"""Follow-up (回访): 不满意 reopens, 满意/基本满意 close, staff may record a phone follow-up,
closing without one needs a note. Merge and "me too"."""

from __future__ import annotations

import datetime as dt

import pytest

from tongxin.cases import policies
from tongxin.cases.models import Case, CaseEvent, CaseSupport
from tongxin.cases.workflow import State, TransitionRefused
from tongxin.core.errors import Forbidden, NotFound, ValidationFailed
from tongxin.inbox.models import Message

from .support import MORNING, act, at, in_state, report, snapshot

LATER = at(2026, 10, 20, 15, 0)


def last_event(case, name):
    return CaseEvent.objects.filter(case=case, act=name).order_by("-seq").first()


@pytest.mark.django_db
def test_unsatisfied_reopens_to_the_assignee(demo):
    case = in_state(demo, State.RESOLVED)
    grid1 = demo.user("grid1").person
    case = act(
        demo, "resident", case, "feedback", now=LATER, rating="unsatisfied", comment="没修好"
    )
    assert case.state == State.IN_PROGRESS
    assert case.reopen_count == 1 and case.feedback == "unsatisfied"
    assert case.resolved_at is None and case.resolved_on_time is None and case.closed_at is None
    assert case.assignee_person == grid1
    # A fresh resolve clock from the moment of the verdict (one working day).
    # Tuesday 15:00–18:00 (3 h), Wednesday morning (3.5 h), the last 1.5 h from 14:00.
    assert case.resolve_due == at(2026, 10, 21, 15, 30)
    assert case.clocks["resolve"]["stage"] == ""
    event = last_event(case, "feedback")
    assert event.data["reopened"] and event.data["by_reporter"] and event.note == "没修好"
    assert Message.objects.filter(
        recipient=grid1, topic=f"case:{case.pk}", subject__startswith="群众不满意"
    ).exists()
    # Resolved again, then 基本满意 closes it; the count of reopenings stays.
    case = act(demo, "grid1", case, "resolve", now=LATER + dt.timedelta(hours=1), result="重新修好")
    assert case.resolved_on_time is True
    case = act(
        demo, "resident", case, "feedback", now=LATER + dt.timedelta(hours=2), rating="basic"
    )
    assert case.state == State.CLOSED and case.feedback == "basic" and case.reopen_count == 1
    assert case.closed_at == LATER + dt.timedelta(hours=2)


@pytest.mark.django_db
@pytest.mark.parametrize("rating", ["satisfied", "basic"])
def test_satisfied_or_basic_closes(demo, rating):
    case = in_state(demo, State.RESOLVED)
    case = act(demo, "resident", case, "feedback", now=LATER, rating=rating)
    assert case.state == State.CLOSED and case.feedback == rating
    assert case.closed_at == LATER and case.feedback_at == LATER
    assert Message.objects.filter(
        recipient=demo.user("resident").person, topic=f"case:{case.pk}"
    ).exists()


@pytest.mark.django_db
def test_staff_record_a_phone_follow_up(demo):
    case = in_state(demo, State.RESOLVED)
    case = act(
        demo, "secretary", case, "feedback", now=LATER, rating="satisfied", comment="电话回访"
    )
    assert case.state == State.CLOSED
    event = last_event(case, "feedback")
    assert event.data["by_reporter"] is False and event.actor == demo.user("secretary")


@pytest.mark.django_db
def test_a_hotline_case_is_followed_up_by_staff(demo):
    case = report(
        demo,
        "secretary",
        channel="hotline",
        reporter_name="李大爷",
        reporter_phone="13900001111",
        description="楼下井盖松动",
    )
    assert case.reporter_person is None and case.reporter_phone_masked.startswith("139")
    assert "13900001111" not in case.reporter_phone_masked
    act(demo, "grid1", case, "accept")
    act(demo, "grid1", case, "start", note="到场")
    case = act(demo, "grid1", case, "resolve", result="已固定")
    case = act(demo, "grid1", case, "feedback", now=LATER, rating="satisfied")
    assert case.state == State.CLOSED
    assert last_event(case, "feedback").data["by_reporter"] is False
    # A resident who did not report it cannot give the verdict (it is out of their sight),
    # nor can a neighbour (楼栋长) who is no party to it.
    other = in_state(demo, State.RESOLVED)
    for who in ("member", "building"):
        with pytest.raises(NotFound):
            act(demo, who, other, "feedback", rating="satisfied")


@pytest.mark.django_db
def test_closing_without_feedback_needs_a_note(demo):
    case = in_state(demo, State.RESOLVED)
    before = snapshot(case)
    with pytest.raises(ValidationFailed) as caught:
        act(demo, "secretary", case, "close", now=LATER)
    assert caught.value.fields[0]["field"] == "note"
    assert "结案说明" in caught.value.fields[0]["reason"]
    assert snapshot(case) == before
    case = act(demo, "secretary", case, "close", now=LATER, note="多次联系未接通，按办结处理")
    assert case.state == State.CLOSED and case.closed_at == LATER and case.feedback == ""
    assert last_event(case, "close").note == "多次联系未接通，按办结处理"


@pytest.mark.django_db
def test_the_reporter_cannot_close(demo):
    case = in_state(demo, State.RESOLVED)
    with pytest.raises(Forbidden):
        act(demo, "resident", case, "close", note="我自己结案")


# ------------------------------------------------------------------------------ merge


@pytest.mark.django_db
def test_merge_into_an_open_case(demo):
    target = report(demo, description="小区门口井盖缺失")
    dup = report(
        demo, "building", description="门口井盖不见了", now=MORNING + dt.timedelta(hours=1)
    )
    dup = act(demo, "secretary", dup, "merge", now=LATER, into=target.pk, note="同一井盖")
    assert dup.state == State.MERGED and dup.merged_into == target and dup.closed_at == LATER
    assert {c["stage"] for c in dup.clocks.values()} == {"stopped"}
    target.refresh_from_db()
    assert target.support_count == 1
    assert CaseSupport.objects.filter(case=target, user=demo.user("building")).exists()
    assert last_event(dup, "merge").data == {"into": target.ref}
    # The merged case's reporter is told.
    assert Message.objects.filter(
        recipient=demo.user("building").person, topic=f"case:{dup.pk}", kind="case_status"
    ).exists()
    # Merging the same reporter's second case adds no second support.
    again = report(
        demo, "building", description="井盖还是没有", now=MORNING + dt.timedelta(hours=2)
    )
    act(demo, "secretary", again, "merge", now=LATER, into=target.pk)
    target.refresh_from_db()
    assert target.support_count == 1


@pytest.mark.django_db
def test_merge_refusals(demo):
    closed = in_state(demo, State.CLOSED)
    case = report(demo, description="井盖缺失")
    grid2_case = report(demo, "grid2", grid=2, description="二网格的井盖")
    before = snapshot(case)
    for into, words in (
        (closed.pk, "尚未办结"),
        (case.pk, "自身"),
        (999999, "找不到"),
        ("abc", "整数"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            act(demo, "secretary", case, "merge", now=LATER, into=into)
        assert caught.value.fields[0]["field"] == "into"
        assert words in caught.value.fields[0]["reason"]
    # grid1 cannot merge into a case out of its sight.
    with pytest.raises(ValidationFailed):
        act(demo, "grid1", case, "merge", now=LATER, into=grid2_case.pk)
    assert snapshot(case) == before
    # A merged case is final.
    merged = in_state(demo, State.MERGED)
    with pytest.raises(TransitionRefused):
        act(demo, "secretary", merged, "merge", now=LATER, into=case.pk)


# ------------------------------------------------------------------------------ me too


@pytest.mark.django_db
def test_me_too_once_per_resident(demo):
    case = report(demo)
    member = demo.user("member")
    # The member lives in another grid of the community: not a party to the case, yet may
    # say "me too" to an open case of the community.
    assert case not in Case.objects.visible_to(member)
    assert "support" in policies.allowed_acts(member, case)
    case = act(demo, member, case, "support", now=LATER)
    assert case.support_count == 1
    before = snapshot(case)
    with pytest.raises(ValidationFailed) as caught:
        act(demo, member, case, "support", now=LATER)
    assert caught.value.code == "ALREADY_SUPPORTED"
    assert snapshot(case) == before
    assert CaseSupport.objects.filter(case=case).count() == 1
    # Not the reporter, not staff, and not on a closed case.
    with pytest.raises(Forbidden):
        act(demo, "resident", case, "support", now=LATER)
    with pytest.raises(Forbidden):
        act(demo, "grid1", case, "support", now=LATER)
    # A closed case is no longer open to "me too" (and out of the member's sight).
    closed = in_state(demo, State.CLOSED)
    with pytest.raises(NotFound):
        act(demo, member, closed, "support", now=LATER)
