"""Pages of the meeting mechanism, phone first: the meetings of my organisations, a meeting's
page (agenda, invitees and who signed in, quorum, the QR code for sign-in, minutes,
resolutions, files), the QR screen for the venue, the phone sign-in page the QR opens, my
action items, and the convene form.

Thin views: parse, authorise (``personal_page`` turns ``NotFound`` into 404 and ``Forbidden``
into 403), call a service, redirect with a message; a refusal the user can act on (409, 422)
is shown as a message on the page they came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import segno
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tongxin.core import clock
from tongxin.core.actors import ActorRequest, person_of
from tongxin.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from tongxin.core.scoping import access
from tongxin.orgs.models import Organisation
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate

from . import policies, present, rooms, selectors, services
from .models import ActionState, InviteeKind, Meeting, MeetingState
from .workflow import ACTION_MACHINE, ActionAct, MeetingAct


def _attempt(request: ActorRequest, call: Callable[[], Any], ok: str) -> bool:
    """Run a service; a refusal other than 403/404 becomes a message on the page."""
    try:
        call()
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, ok)
    return True


def _int_or_none(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        return -1  # a number nobody may use: the service refuses it with a clear message


def _meeting(request: ActorRequest, meeting_id: int) -> Meeting:
    return access(
        Meeting.objects.visible_to(request.user).select_related("kind", "organisation", "convener"),
        meeting_id,
    )


def _signin_url(request: ActorRequest, meeting: Meeting) -> str:
    path = reverse("meetings:sign_in", args=[meeting.pk])
    return request.build_absolute_uri(f"{path}?t={meeting.signin_token}")


def _qr(url: str, scale: int) -> str:
    return str(segno.make(url, error="m").svg_data_uri(scale=scale, border=2))


# ------------------------------------------------------------------------ lists


@personal_page
def meetings(request: ActorRequest) -> HttpResponse:
    """The meetings of my organisations and those I am invited to, newest first."""
    kind = request.GET.get("kind", "")
    kinds = selectors.active_kinds()
    if kind not in {k.code for k in kinds}:
        kind = ""
    state = request.GET.get("state", "")
    if state not in MeetingState.values:
        state = ""
    qs = selectors.visible_meetings(request.user, kind=kind or None)
    if state:
        qs = qs.filter(state=state)
    page = paginate(request, qs)
    person = person_of(request.user)
    open_items = selectors.open_items_of(person.pk).count() if person else 0
    return render(
        request,
        "meetings/meetings.html",
        {
            "page": page,
            "meetings": list(page.object_list),
            "kinds": kinds,
            "kind": kind,
            "states": MeetingState.choices,
            "state": state,
            "open_items": open_items,
            "may_convene": bool(policies.officer_paths(request.user)),
            "tab": "meetings",
        },
    )


@personal_page
def actions(request: ActorRequest) -> HttpResponse:
    """My action items (open first, soonest due first) and, for whoever runs meetings, the
    overdue items of those meetings."""
    state = request.GET.get("state", ActionState.OPEN)
    if state not in ActionState.values and state != "all":
        state = ActionState.OPEN
    qs = selectors.my_action_items(request.user, state=None if state == "all" else state)
    page = paginate(request, qs)
    overdue = list(selectors.overdue_for_convener(request.user)[:50])
    return render(
        request,
        "meetings/actions.html",
        {
            "page": page,
            "items": list(page.object_list),
            "overdue": [
                i for i in overdue if i.owner_id != getattr(person_of(request.user), "pk", None)
            ],
            "state": state,
            "states": ActionState.choices,
            "today": clock.today(),
            "tab": "actions",
            "may_convene": bool(policies.officer_paths(request.user)),
        },
    )


@personal_page
@require_POST
def action_act(request: ActorRequest, item_id: int, item_act: str) -> HttpResponse:
    note = request.POST.get("note", "")
    back = request.POST.get("next") or reverse("meetings:actions")
    if not back.startswith("/"):
        back = reverse("meetings:actions")
    _attempt(
        request,
        lambda: services.action_item_act(
            actor=request.user, item_id=item_id, act=item_act, note=note
        ),
        _("已办理"),
    )
    return redirect(back)


# ------------------------------------------------------------------------ one meeting


@personal_page
def meeting(request: ActorRequest, meeting_id: int) -> HttpResponse:
    m = _meeting(request, meeting_id)
    d = present.detail(request.user, m)
    runs = d["may_run"]
    qr = signin_url = ""
    if runs and m.state in services.OPEN_FOR_SIGNIN:
        m = services.signin_token(actor=request.user, meeting_id=m.pk)
        signin_url = _signin_url(request, m)
        qr = _qr(signin_url, 4)
    person = person_of(request.user)
    my_seat = selectors.invitation_for(m, person.pk) if person else None
    signed = bool(
        person and any(a.person_id == person.pk for s in d["_seats"] for a in s.signed_in)
    )
    # The people the secretary may sign in for a unit's seat: its post holders.
    unit_ids = [s.invitation.organisation_id for s in d["_seats"] if s.invitation.kind == "unit"]
    holders = selectors.unit_post_holders(unit_ids) if runs and unit_ids else {}
    seats = [
        {
            "seat": s,
            "holders": holders.get(s.invitation.organisation_id or 0, []),
            "person_id": (
                s.invitation.person_id
                if s.invitation.kind == InviteeKind.PERSON
                else (s.invitation.post.person_id if s.invitation.post else None)
            ),
        }
        for s in d["_seats"]
    ]
    return render(
        request,
        "meetings/meeting.html",
        {
            "m": m,
            "d": d,
            "seats": seats,
            "q": d["_quorum"],
            "items": d["_items"],
            "runs": runs,
            "qr": qr,
            "signin_url": signin_url,
            "page_acts": [(a, MeetingAct(a).label) for a in d["acts"] if a != MeetingAct.MINUTE],
            "my_seat": my_seat,
            "signed": signed,
            "room_url": rooms.room_url(m),
            "open_for_signin": m.state in services.OPEN_FOR_SIGNIN,
            "takes_resolutions": runs and m.state in services.RESOLUTION_STATES,
            "person_id": person.pk if person else None,
            "item_rows": [
                {
                    "item": i,
                    "acts": [
                        (a, ActionAct(a).label)
                        for a in ACTION_MACHINE.acts_from(i.state)
                        if policies.may_act_on_item(request.user, i, a)
                    ],
                }
                for i in d["_items"]
            ],
            "today": clock.today(),
            "tab": "meetings",
            "may_convene": bool(policies.officer_paths(request.user)),
        },
    )


@personal_page
def qr_screen(request: ActorRequest, meeting_id: int) -> HttpResponse:
    """The QR code, large, for the screen at the venue; it refreshes itself before the token
    expires."""
    m = services.signin_token(actor=request.user, meeting_id=_meeting(request, meeting_id).pk)
    if m.state not in services.OPEN_FOR_SIGNIN:
        raise NotFound()
    q = selectors.quorum_of(m)
    return render(
        request,
        "meetings/qr.html",
        {"m": m, "qr": _qr(_signin_url(request, m), 8), "q": q, "refresh": 60},
    )


@personal_page
@require_http_methods(["GET", "POST"])
def sign_in(request: ActorRequest, meeting_id: int) -> HttpResponse:
    """The phone page the QR code opens: the meeting, and one button to sign in."""
    m = _meeting(request, meeting_id)
    token = request.POST.get("t") or request.GET.get("t", "")
    done = False
    if request.method == "POST":
        done = _attempt(
            request,
            lambda: services.meeting_sign_in(actor=request.user, meeting_id=m.pk, token=token),
            _("签到成功"),
        )
    person = person_of(request.user)
    signed = bool(person and m.attendances.filter(person_id=person.pk).exists())
    return render(
        request,
        "meetings/sign_in.html",
        {"m": m, "token": token, "signed": signed or done, "tab": "meetings", "may_convene": False},
    )


@personal_page
@require_POST
def act(request: ActorRequest, meeting_id: int, meeting_act: str) -> HttpResponse:
    data = {"minutes": request.POST.get("minutes", ""), "reason": request.POST.get("reason", "")}
    _attempt(
        request,
        lambda: services.meeting_act(
            actor=request.user, meeting_id=meeting_id, act=meeting_act, data=data
        ),
        _("已办理"),
    )
    return redirect("meetings:meeting", meeting_id)


@personal_page
@require_POST
def record(request: ActorRequest, meeting_id: int) -> HttpResponse:
    """The secretary signs a person in."""
    policies.require_run(request.user, _meeting(request, meeting_id))
    person_id = _int_or_none(request.POST.get("person_id"))
    if person_id is None:
        messages.error(request, _("请选择签到人"))
        return redirect("meetings:meeting", meeting_id)
    _attempt(
        request,
        lambda: services.meeting_sign_in(
            actor=request.user, meeting_id=meeting_id, person_id=person_id
        ),
        _("已登记签到"),
    )
    return redirect("meetings:meeting", meeting_id)


@personal_page
@require_POST
def apology(request: ActorRequest, meeting_id: int) -> HttpResponse:
    person_id = _int_or_none(request.POST.get("person_id"))
    _attempt(
        request,
        lambda: services.meeting_apology(
            actor=request.user,
            meeting_id=meeting_id,
            reason=request.POST.get("reason", ""),
            person_id=person_id,
        ),
        _("已请假"),
    )
    return redirect("meetings:meeting", meeting_id)


@personal_page
@require_POST
def resolution(request: ActorRequest, meeting_id: int) -> HttpResponse:
    due_text = request.POST.get("due", "")
    due = parse_date(due_text) if due_text else None
    if due_text and due is None:
        messages.error(request, _("完成期限格式有误"))
        return redirect("meetings:meeting", meeting_id)
    _attempt(
        request,
        lambda: services.resolution_add(
            actor=request.user,
            meeting_id=meeting_id,
            text=request.POST.get("text", ""),
            owner_person_id=_int_or_none(request.POST.get("owner")),
            due=due,
        ),
        _("决议已登记并交办"),
    )
    return redirect("meetings:meeting", meeting_id)


@personal_page
@require_POST
def files(request: ActorRequest, meeting_id: int) -> HttpResponse:
    uploaded = request.FILES.getlist("files")
    _attempt(
        request,
        lambda: services.attach_files(actor=request.user, meeting_id=meeting_id, files=uploaded),
        _("附件已上传"),
    )
    return redirect("meetings:meeting", meeting_id)


# ------------------------------------------------------------------------ convening


def _convening_choices(
    request: ActorRequest,
) -> tuple[list[Organisation], list[Organisation], list[Any]]:
    """The organisations the user may convene for (those they are an officer of), the units
    they may invite (those organisations' children), and the people holding posts there."""
    paths = policies.officer_paths(request.user)
    orgs = list(
        Organisation.objects.visible_to(request.user).filter(path__in=paths).order_by("path")
    )
    children: list[Organisation] = []
    for org in orgs:
        children.extend(
            Organisation.objects.visible_to(request.user)
            .filter(path__startswith=org.path, depth=org.depth + 1, is_active=True)
            .order_by("kind", "name")[:80]
        )
    return orgs, children, selectors.org_post_holders(orgs)


@personal_page
@require_http_methods(["GET", "POST"])
def convene(request: ActorRequest) -> HttpResponse:
    orgs, units, people = _convening_choices(request)
    if not orgs:
        raise Forbidden(_("只有组织负责人可以召集会议"))
    form: dict[str, Any] = {
        "kind": request.GET.get("kind", "joint"),
        "organisation": orgs[0].pk,
        "units": [],
        "people": [],
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        p = request.POST
        form = {
            "kind": p.get("kind", ""),
            "organisation": _int_or_none(p.get("organisation")),
            "title": p.get("title", ""),
            "starts_at": p.get("starts_at", ""),
            "ends_at": p.get("ends_at", ""),
            "place": p.get("place", ""),
            "online_url": p.get("online_url", ""),
            "agenda": p.get("agenda", ""),
            "units": [v for v in p.getlist("units") if v.isdigit()],
            "people": [v for v in p.getlist("people") if v.isdigit()],
        }
        starts = parse_datetime(form["starts_at"]) if form["starts_at"] else None
        ends = parse_datetime(form["ends_at"]) if form["ends_at"] else None
        if starts is None:
            errors["starts_at"] = _("请填写开始时间")
        elif ends is None and form["ends_at"]:
            errors["ends_at"] = _("时间格式有误")
        if not errors:
            invitees = [{"kind": "unit", "id": int(v)} for v in form["units"]] + [
                {"kind": "person", "id": int(v)} for v in form["people"]
            ]
            try:
                meeting = services.meeting_convene(
                    actor=request.user,
                    kind=form["kind"],
                    organisation_id=form["organisation"] or -1,
                    starts_at=starts,  # type: ignore[arg-type]
                    ends_at=ends,
                    agenda=form["agenda"].splitlines(),
                    title=form["title"],
                    place_text=form["place"],
                    online_url=form["online_url"],
                    invitees=invitees,
                )
            except (ValidationFailed, Forbidden, NotFound) as exc:
                for f in exc.fields or []:
                    errors[f["field"].split("[")[0].split(".")[0]] = f["reason"]
                messages.error(request, exc.message)
            else:
                messages.success(request, _("会议已召集，已通知受邀方"))
                return redirect("meetings:meeting", meeting.pk)
    default_start = clock.local(clock.now() + dt.timedelta(days=1)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    return render(
        request,
        "meetings/convene.html",
        {
            "kinds": selectors.active_kinds(),
            "orgs": orgs,
            "units": units,
            "people": people,
            "form": form,
            "errors": errors,
            "default_start": default_start.strftime("%Y-%m-%dT%H:%M"),
            "tab": "new",
            "may_convene": True,
        },
    )
