"""Pages of the eldercare alarm, phone first: the on-call desk (active alarms, refreshed every
few seconds by htmx), one alarm with the resident's emergency card and one-tap acknowledge /
on the way / arrived / resolve, a responder's reveal of a phone number (people's audited
reveal), and the device registry for the care staff. Rows are reached through
``visible_to``; opening an alarm's card is audited."""

from __future__ import annotations

import re

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tongxin.core import audit
from tongxin.core.actors import ActorRequest
from tongxin.core.errors import DomainError, Forbidden, NotFound
from tongxin.core.scoping import access, scope_for
from tongxin.people.models import Person
from tongxin.people.services import person_reveal
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate, search_text

from . import selectors, services
from .models import Alarm, AlarmKind, AlarmState, EscalationPolicy, Outcome


@personal_page
def desk(request: ActorRequest) -> HttpResponse:
    """The on-call desk: the active alarms I may see, open first; htmx asks again every few
    seconds for the list alone."""
    items = [(a, selectors.acts_for(a)) for a in selectors.alarms(request.user)[:100]]
    context = {"items": items, "outcomes": Outcome.choices, "tab": "desk"}
    if getattr(request, "htmx", False):
        return render(request, "alarms/_desk_list.html", context)
    return render(request, "alarms/desk.html", context)


@personal_page
def detail(request: ActorRequest, alarm_id: int) -> HttpResponse:
    alarm = access(
        Alarm.objects.visible_to(request.user).select_related(
            "person", "device", "device__place", "acked_by"
        ),
        alarm_id,
    )
    audit.record(
        actor=request.user, action="alarm.view", obj=alarm, subject_person_id=alarm.person_id
    )
    return render(
        request,
        "alarms/detail.html",
        {
            "alarm": alarm,
            "card": selectors.card(alarm),
            "acts": selectors.acts_for(alarm),
            "outcomes": Outcome.choices,
            "tab": "desk",
        },
    )


@require_POST
@personal_page
def act(request: ActorRequest, alarm_id: int, act: str) -> HttpResponse:
    try:
        services.alarm_act(
            actor=request.user,
            alarm_id=alarm_id,
            act=act,
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", ""),
        )
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已记录"))
    return redirect("alarms:detail", alarm_id=alarm_id)


@require_POST
@personal_page
def reveal(request: ActorRequest, alarm_id: int, contact_id: int) -> HttpResponse:
    """A responder sees the full number of the resident or of a family contact: through
    people's one audited reveal, the alarm as the reason."""
    alarm = access(
        Alarm.objects.visible_to(request.user).select_related("person", "device"), alarm_id
    )
    if contact_id == alarm.person_id:
        person = alarm.person
    else:
        person = alarm.device.family.filter(pk=contact_id).first()
        if person is None:
            raise NotFound()
    try:
        value = person_reveal(
            actor=request.user,
            person=person,
            field="phone",
            reason=_("爱心铃报警响应（报警 {pk}）").format(pk=alarm.pk),
        )
    except Forbidden:
        raise
    return render(
        request,
        "alarms/reveal.html",
        {"alarm": alarm, "person": person, "value": value, "tab": "desk"},
    )


MONTH = re.compile(r"20\d\d-(0[1-9]|1[0-2])")


@personal_page
def measures(request: ActorRequest) -> HttpResponse:
    """How fast people came, in my scope: per grid for a month (the median seconds to
    acknowledge and to arrive, false presses), the last six months, each alarm of the month,
    the devices offline and with a low battery now."""
    asked = request.GET.get("month", "")
    month = asked if MONTH.fullmatch(asked) else None
    figures = selectors.measures(request.user, month=month)
    return render(
        request,
        "alarms/measures.html",
        {
            "m": figures,
            "months": selectors.months(request.user),
            "alarms": selectors.alarm_times(request.user, month=month)[:200],
            "kinds": dict(AlarmKind.choices),
            "states": dict(AlarmState.choices),
            "tab": "measures",
        },
    )


def _care_staff_only(request: ActorRequest) -> None:
    if not scope_for(request.user).care_paths:
        raise Forbidden(_("爱心铃设备登记只对负责关爱的工作人员开放"))


STATUS_LABELS = {
    "online": gettext_lazy("在线"),
    "offline": gettext_lazy("离线"),
    "low_battery": gettext_lazy("电量低"),
    "revoked": gettext_lazy("已停用"),
}


@personal_page
def devices(request: ActorRequest) -> HttpResponse:
    """The device registry of my care scope (a grid worker: their grid's): offline and low
    battery first, filtered by status and by the resident or the code, a page at a time."""
    _care_staff_only(request)
    status = request.GET.get("status", "")
    status = status if status in selectors.DEVICE_STATUSES else ""
    q = search_text(request)
    page = paginate(request, selectors.devices(request.user, status=status, q=q))
    return render(
        request,
        "alarms/devices.html",
        {
            "page": page,
            "status": status,
            "q": q,
            "statuses": list(STATUS_LABELS.items()),
            "filtered": bool(status or q),
            "tab": "devices",
        },
    )


@personal_page
def device_new(request: ActorRequest) -> HttpResponse:
    """Register a button, phone first: find the resident (people's search box, within my care
    scope), then the form for them (what they agreed to share, family contacts, policy)."""
    _care_staff_only(request)
    q = search_text(request)
    person = None
    if request.GET.get("person"):
        person = access(
            Person.objects.visible_to(request.user).select_related("place"),
            request.GET["person"],
        )
    context = {
        "q": q,
        "candidates": selectors.device_candidates(request.user, q) if person is None else [],
        "person": person,
        "family": selectors.family_choices(request.user, person) if person else [],
        "policies": EscalationPolicy.objects.all(),
        "tab": "devices",
    }
    return render(request, "alarms/device_new.html", context)


@never_cache
@require_POST
@personal_page
def device_register(request: ActorRequest, person_id: int) -> HttpResponse:
    """Register the button; the page shows its password once (for the broker's password
    file), never again."""
    _care_staff_only(request)
    person = access(Person.objects.visible_to(request.user), person_id)
    wanted = set(request.POST.getlist("family"))
    family = [f for f in selectors.family_choices(request.user, person) if str(f.pk) in wanted]
    chosen = request.POST.get("policy", "")
    policy = EscalationPolicy.objects.filter(pk=int(chosen)).first() if chosen.isdigit() else None
    try:
        device, secret = services.device_register(
            actor=request.user,
            person=person,
            code=request.POST.get("code", "")[:40],
            conditions=request.POST.get("conditions", ""),
            family=family,
            policy=policy,
        )
    except Forbidden:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("alarms:device_new") + f"?person={person.pk}")
    return render(
        request,
        "alarms/device_done.html",
        {"device": device, "secret": secret, "tab": "devices"},
    )


@require_POST
@personal_page
def revoke(request: ActorRequest, device_id: int) -> HttpResponse:
    device = services.device_revoke(actor=request.user, device_id=device_id)
    messages.success(request, _("已停用设备 {code}").format(code=device.code))
    return redirect("alarms:devices")
