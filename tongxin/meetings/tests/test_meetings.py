"""Convening, sign-in (QR token and secretary), apologies, quorum per kind, resolutions as
action items through their states, scoping, and the selectors other modules use."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tongxin.core import clock
from tongxin.core.errors import Forbidden, NotFound, TransitionRefused, ValidationFailed
from tongxin.inbox.models import Message
from tongxin.meetings import selectors, services
from tongxin.meetings.errors import (
    AlreadySignedIn,
    MeetingNotHeld,
    MinutesRequired,
    NotInvited,
    SignInClosed,
    SignInTokenInvalid,
)
from tongxin.meetings.models import ActionState, Attendance, Meeting, MeetingKind, MeetingState

from .helpers import committee, convene, liaison_of, units, user_for

pytestmark = pytest.mark.django_db


def liaisons():
    return [user_for(liaison_of(u), f"liaison{i}") for i, u in enumerate(units(2), 1)]


def held_meeting(demo, **kw):
    m = convene(demo, **kw)
    return services.meeting_act(actor=demo.user("secretary"), meeting_id=m.pk, act="hold")


def test_convening_records_agenda_and_seats_and_tells_the_invitees(demo):
    l1, l2 = liaisons()
    m = convene(demo, place_text="社区党群服务中心三楼会议室")
    assert m.state == MeetingState.PLANNED
    assert m.title.endswith("联席会")
    assert m.agenda.order_by("position").first().text == "通报本季度共建项目进展"
    assert m.invitations.count() == 2
    told = set(
        Message.objects.filter(topic=f"meeting:{m.pk}").values_list("recipient_id", flat=True)
    )
    assert {l1.person_id, l2.person_id} <= told


def test_convening_refuses_bad_input_with_field_reasons(demo):
    with pytest.raises(ValidationFailed) as e:
        convene(demo, kind="nonsense")
    assert e.value.fields[0]["field"] == "kind"
    with pytest.raises(ValidationFailed) as e:
        convene(demo, agenda=["  "])
    assert e.value.fields[0]["field"] == "agenda"
    with pytest.raises(ValidationFailed) as e:
        convene(demo, invitees=[{"kind": "unit", "id": 10**9}, {"kind": "team", "id": 1}])
    assert {f["field"] for f in e.value.fields} == {"invitees[0].id", "invitees[1].kind"}
    with pytest.raises(ValidationFailed) as e:
        convene(demo, kind="micro")  # an online meeting needs its link
    assert e.value.fields[0]["field"] == "online_url"


def test_only_officers_of_the_organisation_or_above_convene(demo):
    with pytest.raises((Forbidden, NotFound)):
        convene(demo, actor=demo.user("resident"))
    l1, _l2 = liaisons()
    # A liaison runs their own unit's meetings, not the committee's.
    with pytest.raises((Forbidden, NotFound)):
        convene(demo, actor=l1)
    own = convene(demo, actor=l1, organisation_id=units(1)[0].pk, kind="weekly", invitees=[])
    assert own.organisation_id == units(1)[0].pk


def test_qr_sign_in_needs_the_current_token(demo):
    l1, l2 = liaisons()
    m = convene(demo)
    with pytest.raises(SignInTokenInvalid):
        services.meeting_sign_in(actor=l1, meeting_id=m.pk, token="")
    m = services.signin_token(actor=demo.user("secretary"), meeting_id=m.pk)
    token = m.signin_token
    with pytest.raises(SignInTokenInvalid):
        services.meeting_sign_in(
            actor=l1, meeting_id=m.pk, token=token[:-1] + ("y" if token.endswith("x") else "x")
        )
    a = services.meeting_sign_in(actor=l1, meeting_id=m.pk, token=token)
    assert a.method == "qr" and a.person_id == l1.person_id
    # Again: the same sign-in, not a second one.
    again = services.meeting_sign_in(actor=l1, meeting_id=m.pk, token=token)
    assert again.pk == a.pk
    # Ten minutes on, the token is refused; the page shows a fresh one.
    with time_machine.travel(clock.now() + dt.timedelta(minutes=11)):
        with pytest.raises(SignInTokenInvalid):
            services.meeting_sign_in(actor=l2, meeting_id=m.pk, token=token)
        fresh = services.signin_token(actor=demo.user("secretary"), meeting_id=m.pk)
        assert fresh.signin_token != token
        services.meeting_sign_in(actor=l2, meeting_id=m.pk, token=fresh.signin_token)
    assert Attendance.objects.filter(meeting=m).count() == 2


def test_an_outsider_cannot_see_or_sign_in(demo):
    m = services.signin_token(actor=demo.user("secretary"), meeting_id=convene(demo).pk)
    with pytest.raises(NotFound):
        services.meeting_sign_in(actor=demo.user("resident"), meeting_id=m.pk, token=m.signin_token)
    # The secretary cannot sign in someone who was not invited.
    with pytest.raises(NotInvited):
        services.meeting_sign_in(
            actor=demo.user("secretary"), meeting_id=m.pk, person_id=demo.user("resident").person_id
        )


def test_the_secretary_records_sign_ins_and_an_invitee_cannot_sign_in_others(demo):
    l1, l2 = liaisons()
    m = convene(demo)
    a = services.meeting_sign_in(
        actor=demo.user("secretary"), meeting_id=m.pk, person_id=l2.person_id
    )
    assert a.method == "secretary"
    with pytest.raises(Forbidden):
        services.meeting_sign_in(actor=l1, meeting_id=m.pk, person_id=l2.person_id)


def test_apologies_and_their_refusals(demo):
    l1, l2 = liaisons()
    m = convene(demo)
    with pytest.raises(ValidationFailed):
        services.meeting_apology(actor=l1, meeting_id=m.pk, reason=" ")
    ap = services.meeting_apology(actor=l1, meeting_id=m.pk, reason="单位值班")
    assert ap.reason == "单位值班"
    ap = services.meeting_apology(actor=l1, meeting_id=m.pk, reason="外出培训")
    assert ap.reason == "外出培训"  # replaced, still one
    services.meeting_sign_in(actor=demo.user("secretary"), meeting_id=m.pk, person_id=l2.person_id)
    with pytest.raises(AlreadySignedIn):
        services.meeting_apology(actor=l2, meeting_id=m.pk, reason="临时有事")
    seats = {s.invitation.organisation_id: s.status for s in selectors.seats(m)}
    u1, u2 = units(2)
    assert seats == {u1.pk: "excused", u2.pk: "present"}


def _seat_meeting(demo, kind, present, excused, absent):
    """A meeting of ``kind`` with invited persons in the three states."""
    from tongxin.people.models import Person

    people = list(
        Person.objects.filter(is_active=True)
        .exclude(pk=demo.user("secretary").person_id)
        .order_by("id")[: present + excused + absent]
    )
    m = convene(
        demo,
        kind=kind,
        invitees=[{"kind": "person", "id": p.pk} for p in people],
        online_url="https://meet.example.cn/r/1" if kind == "micro" else "",
    )
    sec = demo.user("secretary")
    for p in people[:present]:
        services.meeting_sign_in(actor=sec, meeting_id=m.pk, person_id=p.pk)
    for p in people[present : present + excused]:
        services.meeting_apology(actor=sec, meeting_id=m.pk, person_id=p.pk, reason="病假")
    return m


@pytest.mark.parametrize(
    ("kind", "present", "excused", "absent", "met"),
    [
        ("joint", 5, 0, 5, True),  # at least half
        ("branch_committee", 5, 0, 5, False),  # more than half
        ("branch_committee", 6, 0, 4, True),
        ("branch_assembly", 4, 2, 4, False),  # more than half of 10 − 2 excused = 8: 5
        ("branch_assembly", 5, 2, 3, True),
        ("representatives", 5, 1, 4, False),  # apologies do not lower the number expected
        ("consultation", 1, 0, 9, True),  # no quorum rule
    ],
)
def test_quorum_per_kind(demo, kind, present, excused, absent, met):
    m = _seat_meeting(demo, kind, present, excused, absent)
    q = selectors.quorum_of(m)
    assert (q.present, q.excused, q.met) == (present, excused, met)


def test_an_election_needs_four_fifths(demo):
    m = _seat_meeting(demo, "branch_assembly", 7, 0, 3)
    assert selectors.quorum_of(m).met
    m.is_election = True
    assert not selectors.quorum_of(m).met  # 7 of 10 < 4/5
    m2 = _seat_meeting(demo, "branch_assembly", 8, 0, 2)
    m2.is_election = True
    assert selectors.quorum_of(m2).met


def test_kinds_are_configuration(demo):
    kind = MeetingKind.objects.get(code="joint")
    kind.quorum_strict = True
    kind.save()
    assert selectors.kinds()["joint"].quorum_strict
    m = _seat_meeting(demo, "joint", 5, 0, 5)
    assert not selectors.quorum_of(m).met


def test_meeting_states(demo):
    sec = demo.user("secretary")
    m = convene(demo)
    with pytest.raises(TransitionRefused):
        services.meeting_act(actor=sec, meeting_id=m.pk, act="close")
    with pytest.raises(MeetingNotHeld):
        services.resolution_add(actor=sec, meeting_id=m.pk, text="x")
    services.meeting_act(actor=sec, meeting_id=m.pk, act="hold")
    with pytest.raises(MinutesRequired):
        services.meeting_act(actor=sec, meeting_id=m.pk, act="minute", data={"minutes": ""})
    services.meeting_act(actor=sec, meeting_id=m.pk, act="minute", data={"minutes": "议定三项"})
    m = services.meeting_act(actor=sec, meeting_id=m.pk, act="close")
    assert m.state == MeetingState.CLOSED
    with pytest.raises(SignInClosed):
        services.meeting_sign_in(actor=sec, meeting_id=m.pk, person_id=liaisons()[0].person_id)
    with pytest.raises(ValidationFailed):
        services.meeting_act(actor=sec, meeting_id=m.pk, act="explode")
    other = convene(demo)
    l1, _ = liaisons()
    with pytest.raises(Forbidden):
        services.meeting_act(actor=l1, meeting_id=other.pk, act="cancel")
    other = services.meeting_act(
        actor=sec, meeting_id=other.pk, act="cancel", data={"reason": "台风"}
    )
    assert other.state == MeetingState.CANCELLED


def test_a_resolution_is_an_action_item_of_its_owner(demo):
    sec = demo.user("secretary")
    l1, l2 = liaisons()
    m = held_meeting(demo)
    due = clock.today() + dt.timedelta(days=14)
    item = services.resolution_add(
        actor=sec, meeting_id=m.pk, text="协调停车位共享", owner_person_id=l1.person_id, due=due
    )
    assert (item.owner_id, item.state, item.due) == (l1.person_id, ActionState.OPEN, due)
    assert Message.objects.filter(topic=f"action:{item.pk}", recipient_id=l1.person_id).exists()
    mine = services.resolution_add(actor=sec, meeting_id=m.pk, text="汇总资源清单")
    assert mine.owner_id == sec.person_id  # the convener when none is named
    assert item.pk in [i.pk for i in selectors.my_action_items(l1)]
    assert item.pk not in [i.pk for i in selectors.my_action_items(l2)]
    # The other liaison may see the meeting's items but not close them.
    with pytest.raises(Forbidden):
        services.action_item_act(actor=l2, item_id=item.pk, act="complete")
    with pytest.raises(Forbidden):
        services.action_item_act(actor=l1, item_id=item.pk, act="cancel", note="不办了")
    done = services.action_item_act(actor=l1, item_id=item.pk, act="complete", note="已签协议")
    assert done.state == ActionState.DONE and done.closed_at is not None
    with pytest.raises(TransitionRefused):
        services.action_item_act(actor=l1, item_id=item.pk, act="complete")
    reopened = services.action_item_act(actor=sec, item_id=item.pk, act="reopen", note="未落实")
    assert reopened.state == ActionState.OPEN and reopened.closed_at is None
    with pytest.raises(ValidationFailed):
        services.action_item_act(actor=sec, item_id=item.pk, act="cancel")
    cancelled = services.action_item_act(actor=sec, item_id=item.pk, act="cancel", note="并入")
    assert cancelled.state == ActionState.CANCELLED
    with pytest.raises(NotFound):
        services.action_item_act(actor=demo.user("resident"), item_id=item.pk, act="reopen")


def test_resolution_refusals(demo):
    sec = demo.user("secretary")
    m = held_meeting(demo)
    with pytest.raises(ValidationFailed):
        services.resolution_add(actor=sec, meeting_id=m.pk, text="")
    with pytest.raises(ValidationFailed):
        services.resolution_add(
            actor=sec, meeting_id=m.pk, text="x", due=m.local_day - dt.timedelta(days=1)
        )
    with pytest.raises(ValidationFailed):
        services.resolution_add(actor=sec, meeting_id=m.pk, text="x", owner_person_id=10**9)
    with pytest.raises(Forbidden):
        services.resolution_add(actor=liaisons()[0], meeting_id=m.pk, text="x")


def test_overdue_items_are_visible_to_the_convener(demo):
    sec = demo.user("secretary")
    l1, _ = liaisons()
    m = held_meeting(demo)
    item = services.resolution_add(
        actor=sec,
        meeting_id=m.pk,
        text="清理楼道杂物",
        owner_person_id=l1.person_id,
        due=clock.today(),
    )
    assert item.pk not in [i.pk for i in selectors.overdue_for_convener(sec)]
    with time_machine.travel(clock.now() + dt.timedelta(days=2)):
        assert item.pk in [i.pk for i in selectors.overdue_for_convener(sec)]
        assert item.pk not in [i.pk for i in selectors.overdue_for_convener(l1)]


def test_scoping(demo):
    l1, l2 = liaisons()
    m = convene(demo, invitees=[{"kind": "unit", "id": units(1)[0].pk}])
    assert Meeting.objects.visible_to(demo.user("secretary")).filter(pk=m.pk).exists()
    assert Meeting.objects.visible_to(demo.user("street")).filter(pk=m.pk).exists()
    assert Meeting.objects.visible_to(l1).filter(pk=m.pk).exists()  # invited unit
    assert not Meeting.objects.visible_to(l2).filter(pk=m.pk).exists()
    # The committee's own staff (a grid worker holds a post in it) see its meetings.
    assert Meeting.objects.visible_to(demo.user("grid1")).filter(pk=m.pk).exists()
    for name in ("resident", "building", "dept", "member"):
        assert not Meeting.objects.visible_to(demo.user(name)).filter(pk=m.pk).exists(), name


def test_unit_attendance_and_meetings_held(demo):
    sec = demo.user("secretary")
    l1, l2 = liaisons()
    u1, u2 = units(2)
    today = clock.today()
    first = held_meeting(demo)
    services.meeting_sign_in(actor=sec, meeting_id=first.pk, person_id=l1.person_id)
    second = convene(demo)
    services.meeting_apology(actor=l2, meeting_id=second.pk, reason="出差")
    services.meeting_act(actor=sec, meeting_id=second.pk, act="hold")
    convene(demo)  # planned: not counted
    stats = selectors.unit_attendance(
        [u1.pk, u2.pk, 10**9], today - dt.timedelta(days=1), today + dt.timedelta(days=1)
    )
    mine = {first.pk, second.pk}
    s1, s2 = stats[u1.pk], stats[u2.pk]
    assert set(s1.invited_meeting_ids) >= mine
    assert first.pk in s1.present_meeting_ids and second.pk in s1.unexcused_meeting_ids
    assert first.pk in s2.unexcused_meeting_ids and second.pk in s2.excused_meeting_ids
    assert stats[10**9].invited == 0
    assert s1.invited == s1.present + s1.excused + s1.unexcused
    held = selectors.meetings_held(
        [committee().pk], today - dt.timedelta(days=1), today + dt.timedelta(days=1), kind="joint"
    )
    assert mine <= {x.pk for x in held}
    weekly = selectors.meetings_held(
        [committee().pk], today - dt.timedelta(days=1), today + dt.timedelta(days=1), kind="weekly"
    )
    assert not mine & {x.pk for x in weekly}
