"""The service guide's requests (办事指南 → 在线申请 / 预约办理): a resident asks for a service
from its page, and the request becomes a case through the one intake (the category the guide
entry names, at the resident's home, in the resident's words) or an appointment at the window
that handles it (the entry's studio, else the community's one-stop window: the booking pages
take it from there)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core import audit
from tongxin.core.actors import Actor, person_of
from tongxin.core.errors import ValidationFailed

from .models import ServiceGuide, Studio, StudioKind

NOTE_LIMIT = 500


def request_case(*, actor: Actor, service: ServiceGuide, note: str) -> object:
    """File the resident's request for ``service`` as a case of its category, at their home.
    Refused (nothing written) when the entry takes no online requests or the caller has no
    home to file it at."""
    from tongxin.cases.models import Channel
    from tongxin.cases.services import case_report

    if not service.case_category:
        raise ValidationFailed(
            _("该事项不受理在线申请，请预约窗口办理"),
            fields=[{"field": "service", "reason": _("不受理在线申请")}],
        )
    person = person_of(actor)
    if person is None or not person.place_id:
        raise ValidationFailed(
            _("没有登记住址，无法在线申请，请到窗口办理"),
            fields=[{"field": "service", "reason": _("没有登记住址")}],
        )
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise ValidationFailed(
            _("补充说明不能超过 {n} 字").format(n=NOTE_LIMIT),
            fields=[{"field": "note", "reason": _("太长")}],
        )
    description = _("申请办理：{title}").format(title=service.title)
    if note:
        description = f"{description}\n{note}"
    with transaction.atomic():
        case = case_report(
            actor=actor,
            category=service.case_category,
            description=description,
            place_id=person.place_id,
            channel=Channel.APP,
        )
        audit.record(
            actor=actor,
            action="service_guide.request",
            obj=service,
            detail={"case": case.pk},
        )
    return case


def window_for(user: Actor, service: ServiceGuide) -> Studio | None:
    """Where the caller books the service: its own window, else their community's one-stop
    window (only windows the caller may see and book)."""
    windows = Studio.objects.visible_to(user).filter(is_active=True)
    if service.studio_id:
        return windows.filter(pk=service.studio_id).first()
    return windows.filter(kind=StudioKind.ONE_STOP).order_by("pk").first()
