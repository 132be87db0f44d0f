"""API of the meeting mechanism (``/api/v1/meetings``, ``/api/v1/action-items``). Thin:
parse, authorise, call a service or a selector, answer. Out of scope is 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from tongxin.core.api_support import caller, paginate
from tongxin.core.errors import ValidationFailed
from tongxin.core.i18n import lazy_str
from tongxin.core.scoping import access

from . import present, selectors, services
from .models import ActionItem, Meeting
from .schemas import (
    ActionItemActIn,
    ActionItemOut,
    ActionItemPage,
    ApologyIn,
    ApologyOut,
    MeetingActIn,
    MeetingIn,
    MeetingOut,
    MeetingPage,
    ResolutionIn,
    SignInIn,
    SignInResultOut,
)

router = Router(tags=["meetings"])


def plausible_day(day: dt.date | None, field: str) -> dt.date | None:
    if day is not None and not 2000 <= day.year <= 2100:
        reason = _("日期应在 2000 到 2100 年之间")
        raise ValidationFailed(reason, fields=[{"field": field, "reason": reason}])
    return day


def access_meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    return access(
        Meeting.objects.visible_to(caller(request)).select_related(
            "kind", "organisation", "convener"
        ),
        meeting_id,
    )


@router.post("/meetings", response={201: MeetingOut}, summary=lazy_str("召集会议"))
def create_meeting(request: HttpRequest, payload: MeetingIn) -> Any:
    """Convene a meeting of ``kind`` (``joint`` for a 联席会, one code per kind) for
    ``organisation_id`` (officers of it or above; 403 ``ACTION_FORBIDDEN`` otherwise), with
    its ``agenda`` and ``invitees``; the invitees are told through the inbox."""
    user = caller(request)
    meeting = services.meeting_convene(
        actor=user,
        kind=payload.kind,
        organisation_id=payload.organisation_id,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        agenda=payload.agenda,
        title=payload.title,
        place_id=payload.place_id,
        place_text=payload.place,
        online_url=payload.online_url,
        invitees=[i.dict() for i in payload.invitees],
        is_election=payload.is_election,
    )
    return Status(201, present.detail(user, access_meeting(request, meeting.pk)))


@router.get("/meetings", response=MeetingPage, summary=lazy_str("会议列表"))
def list_meetings(
    request: HttpRequest,
    organisation_id: int | None = None,
    kind: str = "",
    from_: Annotated[dt.date | None, Query(alias="from")] = None,
    to: dt.date | None = None,
    page: int = 1,
) -> Any:
    """The meetings the caller may see (invited, or an officer over the convening
    organisation), newest first; ``organisation_id``, ``kind`` and the local days
    ``from``/``to`` narrow it."""
    qs = selectors.visible_meetings(
        caller(request),
        organisation_id=organisation_id,
        kind=kind or None,
        start=plausible_day(from_, "from"),
        end=plausible_day(to, "to"),
    )
    sl = paginate(qs, page)
    return sl.answer([present.summary_out(m) for m in sl.items])


@router.get("/meetings/{meeting_id}", response=MeetingOut, summary=lazy_str("会议详情"))
def get_meeting(request: HttpRequest, meeting_id: int) -> Any:
    """One meeting with its agenda, seats (who signed in, who apologised), quorum, minutes,
    resolutions and attachments: for its invitees and the officers over it."""
    user = caller(request)
    return present.detail(user, access_meeting(request, meeting_id))


@router.post(
    "/meetings/{meeting_id}/sign-in", response={201: SignInResultOut}, summary=lazy_str("签到")
)
def sign_in(request: HttpRequest, meeting_id: int, payload: SignInIn) -> Any:
    """The caller signs in with the QR code's ``token`` (403 ``SIGNIN_TOKEN_INVALID`` when
    wrong or expired), or whoever runs the meeting signs in ``person_id``. 403
    ``NOT_INVITED`` for a person without a seat; 409 ``SIGNIN_CLOSED`` after the meeting."""
    a = services.meeting_sign_in(
        actor=caller(request),
        meeting_id=meeting_id,
        token=payload.token,
        person_id=payload.person_id,
    )
    return Status(
        201,
        {
            "meeting": a.meeting_id,
            "person": present.person_ref(a.person),
            "method": a.method,
            "signed_at": a.signed_at,
        },
    )


@router.post(
    "/meetings/{meeting_id}/apologies", response={201: ApologyOut}, summary=lazy_str("请假")
)
def apologise(request: HttpRequest, meeting_id: int, payload: ApologyIn) -> Any:
    """The caller's apology with its ``reason`` (or one the secretary records for
    ``person_id``); 409 ``ALREADY_SIGNED_IN`` when the seat is taken."""
    ap = services.meeting_apology(
        actor=caller(request),
        meeting_id=meeting_id,
        reason=payload.reason,
        person_id=payload.person_id,
    )
    return Status(
        201,
        {"meeting": ap.meeting_id, "person": present.person_ref(ap.person), "reason": ap.reason},
    )


@router.post(
    "/meetings/{meeting_id}/actions/{meeting_act}",
    response=MeetingOut,
    summary=lazy_str("会议操作"),
)
def meeting_action(
    request: HttpRequest, meeting_id: int, meeting_act: str, payload: MeetingActIn
) -> Any:
    """``hold``, ``minute`` (with ``minutes``), ``close``, ``cancel`` (with ``reason``)."""
    user = caller(request)
    services.meeting_act(
        actor=user,
        meeting_id=meeting_id,
        act=meeting_act,
        data={"minutes": payload.minutes, "reason": payload.reason},
    )
    return present.detail(user, access_meeting(request, meeting_id))


@router.post(
    "/meetings/{meeting_id}/resolutions",
    response={201: ActionItemOut},
    summary=lazy_str("登记决议"),
)
def add_resolution(request: HttpRequest, meeting_id: int, payload: ResolutionIn) -> Any:
    """A resolution of a held meeting as an action item of ``owner_person_id`` (the
    convener when null), due on ``due``; 409 ``MEETING_NOT_HELD`` before it is held."""
    item = services.resolution_add(
        actor=caller(request),
        meeting_id=meeting_id,
        text=payload.text,
        owner_person_id=payload.owner_person_id,
        due=plausible_day(payload.due, "due"),
    )
    return Status(201, present.item_out(item))


@router.get("/action-items", response=ActionItemPage, summary=lazy_str("决议事项"))
def list_action_items(
    request: HttpRequest, mine: bool = True, state: str = "", overdue: bool = False, page: int = 1
) -> Any:
    """With ``mine=1`` (the default) the caller's own items; ``mine=0`` every item the
    caller may see (of the meetings they see); ``overdue=1`` the overdue items of the
    meetings the caller convened or runs; ``state`` narrows to ``open``, ``done`` or
    ``cancelled``."""
    user = caller(request)
    if overdue:
        qs = selectors.overdue_for_convener(user)
    elif mine:
        qs = selectors.my_action_items(user)
    else:
        qs = ActionItem.objects.visible_to(user).select_related("owner", "meeting")
    if state:
        qs = qs.filter(state=state)
    sl = paginate(qs.order_by("due", "id"), page)
    return sl.answer([present.item_out(i) for i in sl.items])


@router.post(
    "/action-items/{item_id}/actions/{item_act}",
    response=ActionItemOut,
    summary=lazy_str("办理决议事项"),
)
def action_item_action(
    request: HttpRequest, item_id: int, item_act: str, payload: ActionItemActIn
) -> Any:
    """``complete`` (the owner, or whoever runs the meeting), ``cancel`` (with a ``note``)
    and ``reopen`` (whoever runs the meeting)."""
    item = services.action_item_act(
        actor=caller(request), item_id=item_id, act=item_act, note=payload.note
    )
    return present.item_out(item)
