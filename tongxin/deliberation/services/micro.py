"""微会议: an online meeting of the one meeting mechanism (kind ``micro``, ``online``) with
remote attendance (the invitee joins from the meeting's page: ``meetings.services
.meeting_sign_in`` without a QR token for online kinds), a speaking order (raised hands, the
floor given by whoever runs the meeting) and an online vote inside it, whose electorate is the
meeting's attendees at the moment it opens.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core import audit, clock
from tongxin.core.actors import Actor
from tongxin.core.errors import Code, Forbidden, TransitionRefused, ValidationFailed
from tongxin.meetings import policies as meeting_policies
from tongxin.meetings import services as meetings
from tongxin.meetings.models import Attendance, Meeting
from tongxin.places.models import Place

from ..errors import EmptyElectorate
from ..models import Elector, Electorate, ElectorMember, SpeakingRequest, SpeakingState, Vote
from .votes import _problem


def _online(meeting: Meeting) -> None:
    if not meeting.kind.online:
        raise ValidationFailed(
            _("只有线上会议（微会议）可以这样做"),
            fields=[{"field": "meeting_id", "reason": _("不是线上会议")}],
        )


def micro_join(*, actor: Actor, meeting: Meeting) -> Attendance:
    """Attend remotely: the invitee signs themself in from the meeting's page."""
    _online(meeting)
    return meetings.meeting_sign_in(actor=actor, meeting_id=meeting.pk)


def hand_raise(*, actor: Actor, meeting: Meeting, topic: str = "") -> SpeakingRequest:
    _online(meeting)
    person_id = getattr(actor, "person_id", None)
    if (
        not person_id
        or not Attendance.objects.filter(meeting=meeting, person_id=person_id).exists()
    ):
        raise Forbidden(_("请先进入会议再申请发言"), code=Code.ACTION_FORBIDDEN)
    with transaction.atomic():
        existing = SpeakingRequest.objects.filter(
            meeting_id=meeting.pk, person_id=person_id, state=SpeakingState.WAITING
        ).first()
        if existing is not None:
            return existing
        return SpeakingRequest.objects.create(
            meeting_id=meeting.pk, person_id=person_id, topic=(topic or "").strip()[:200]
        )


def floor(*, actor: Actor, meeting: Meeting, request_id: int, act: str) -> SpeakingRequest:
    """``give`` the floor to a waiting hand (whoever speaks now is done), or mark ``done``."""
    meeting_policies.require_run(actor, meeting)
    with transaction.atomic():
        req = (
            SpeakingRequest.objects.filter(meeting_id=meeting.pk, pk=request_id).first()
            if 0 < request_id < 2**31
            else None
        )
        if req is None:
            raise _problem("request_id", _("没有这条发言申请"))
        if act == "give" and req.state == SpeakingState.WAITING:
            SpeakingRequest.objects.filter(
                meeting_id=meeting.pk, state=SpeakingState.SPEAKING
            ).update(state=SpeakingState.DONE)
            req.state = SpeakingState.SPEAKING
        elif act == "done" and req.state != SpeakingState.DONE:
            req.state = SpeakingState.DONE
        else:
            raise TransitionRefused(
                _("发言申请当前为“{state}”，不能这样做").format(state=req.get_state_display()),
                context={"state": req.state, "action": act},
            )
        req.save(update_fields=["state", "updated_at"])
        audit.record(actor=actor, action=f"deliberation.floor_{act}", obj=meeting)
    return req


def speaking_order(meeting: Meeting) -> list[SpeakingRequest]:
    return list(
        SpeakingRequest.objects.filter(meeting_id=meeting.pk)
        .exclude(state=SpeakingState.DONE)
        .select_related("person")
        .order_by("created_at", "id")
    )


def micro_vote(
    *, actor: Actor, meeting: Meeting, title: str, rule: str, closes_at: dt.datetime
) -> Vote:
    """An online vote inside the meeting: its electorate is the attendees signed in now."""
    _online(meeting)
    meeting_policies.require_run(actor, meeting)
    if rule not in ("majority_present", "two_thirds_present"):
        raise _problem("rule", _("会议表决的规则应为到会过半数或三分之二"))
    persons = list(Attendance.objects.filter(meeting=meeting).values_list("person_id", flat=True))
    if not persons:
        raise EmptyElectorate(_("还没有人进入会议"))
    place = (
        meeting.place
        or Place.objects.filter(pk__in=meeting.organisation.places.values("pk"))
        .order_by("depth")
        .first()
    )
    if place is None:
        raise _problem("meeting_id", _("会议没有所在地点"))
    now = clock.now()
    if closes_at is None or closes_at <= now:
        raise _problem("closes_at", _("截止时间须晚于现在"))
    with transaction.atomic():
        vote = Vote.objects.create(
            title=(title or "").strip()[:200] or meeting.title,
            electorate=Electorate.ATTENDEES,
            rule=rule,
            secret=True,
            place=place,
            place_path=place.path,
            opens_at=now,
            closes_at=closes_at,
            eligible_heads=len(persons),
            eligible_area=0,
            meeting_id=meeting.pk,
        )
        electors = Elector.objects.bulk_create(
            [Elector(vote=vote, label="", units=[]) for _pid in persons]
        )
        ElectorMember.objects.bulk_create(
            [
                ElectorMember(vote=vote, elector=e, person_id=pid)
                for e, pid in zip(electors, persons, strict=True)
            ]
        )
        audit.record(actor=actor, action="deliberation.micro_vote", obj=vote)
    return vote
