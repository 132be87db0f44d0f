"""微会议 pages: the list of online meetings the caller may see, and the room — join from the
phone (remote attendance), raise a hand, the speaking order kept live (htmx, every few
seconds), the floor given by whoever runs the meeting, and a vote of those present opened
inside it (cast on the vote's own page). Thin: the services are ``services.micro``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.core import clock
from tongxin.core.actors import ActorRequest, person_of
from tongxin.core.errors import DomainError, ValidationFailed
from tongxin.meetings import policies as meeting_policies
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate

from . import selectors, services
from .models import Rule
from .views import _number, _refusal

#: How long a vote opened in the room stays open, in minutes, unless the chair says otherwise.
VOTE_MINUTES = (5, 10, 15, 30, 60)
MICRO_RULES = (Rule.MAJORITY_PRESENT, Rule.TWO_THIRDS_PRESENT)


@personal_page
def micros(request: ActorRequest) -> HttpResponse:
    page = paginate(request, selectors.micro_meetings_for(request.user))
    return render(
        request,
        "deliberation/micros.html",
        {"page_obj": page, "now": clock.now()},
    )


def _room(request: ActorRequest, meeting_id: int) -> tuple[Any, dict[str, Any]]:
    meeting = selectors.micro_meeting_for(request.user, meeting_id)
    person = person_of(request.user)
    room = selectors.micro_room(meeting, person.pk if person else None)
    room["order"] = services.speaking_order(meeting)
    room["runs"] = meeting_policies.may_run(request.user, meeting)
    return meeting, room


@personal_page
def micro(request: ActorRequest, meeting_id: int) -> HttpResponse:
    meeting, room = _room(request, meeting_id)
    if not meeting.kind.online:
        # Not a 微会议: its own page is the meeting mechanism's.
        return redirect("meetings:meeting", meeting.pk)
    live = bool(request.htmx)  # type: ignore[attr-defined]
    template = "deliberation/_micro_order.html" if live else "deliberation/micro.html"
    return render(
        request,
        template,
        {
            "m": meeting,
            **room,
            "rules": [(r.value, r.label) for r in MICRO_RULES],
            "minutes": VOTE_MINUTES,
        },
    )


def _act(request: ActorRequest, meeting_id: int, do: Any, done: str) -> HttpResponse:
    meeting = selectors.micro_meeting_for(request.user, meeting_id)
    try:
        do(meeting)
    except DomainError as exc:
        _refusal(request, exc)
    else:
        if done:
            messages.success(request, done)
    return redirect("deliberation:micro", meeting.pk)


@personal_page
@require_POST
def micro_join(request: ActorRequest, meeting_id: int) -> HttpResponse:
    return _act(
        request,
        meeting_id,
        lambda m: services.micro_join(actor=request.user, meeting=m),
        _("已进入会议"),
    )


@personal_page
@require_POST
def micro_hand(request: ActorRequest, meeting_id: int) -> HttpResponse:
    topic = request.POST.get("topic", "")[:200]
    return _act(
        request,
        meeting_id,
        lambda m: services.hand_raise(actor=request.user, meeting=m, topic=topic),
        _("已申请发言，请等待主持人安排"),
    )


@personal_page
@require_POST
def micro_floor(request: ActorRequest, meeting_id: int) -> HttpResponse:
    act = request.POST.get("act", "")
    request_id = _number(request.POST.get("request_id"))
    return _act(
        request,
        meeting_id,
        lambda m: services.floor(actor=request.user, meeting=m, request_id=request_id, act=act),
        "",
    )


@personal_page
@require_POST
def micro_vote(request: ActorRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.micro_meeting_for(request.user, meeting_id)
    minutes = _number(request.POST.get("minutes"))
    try:
        if minutes not in VOTE_MINUTES:
            reason = _("表决时长请从列表中选择")
            raise ValidationFailed(reason, fields=[{"field": "minutes", "reason": reason}])
        vote = services.micro_vote(
            actor=request.user,
            meeting=meeting,
            title=request.POST.get("title", ""),
            rule=request.POST.get("rule", ""),
            closes_at=clock.now() + dt.timedelta(minutes=minutes),
        )
    except DomainError as exc:
        _refusal(request, exc)
        return redirect("deliberation:micro", meeting.pk)
    messages.success(request, _("会上表决已开始：表决人为现在在会的参会人"))
    return redirect("deliberation:vote", vote.pk)
