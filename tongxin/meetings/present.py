"""What a meeting and an action item look like to a reader, for the API and the pages."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.core.models import StoredUpload

from . import policies, selectors
from .models import ActionItem, Meeting
from .quorum import Quorum
from .workflow import MEETING_MACHINE


def person_ref(p: Any) -> dict[str, Any]:
    return {"id": p.pk, "name": p.name}


def rule_text(q: Quorum) -> str:
    if q.fraction == 0:
        return _("不设法定人数")
    frac = f"{q.fraction.numerator}/{q.fraction.denominator}"
    if q.strict:
        return _("超过应到的 {f}").format(f=frac)
    return _("达到应到的 {f}").format(f=frac)


def quorum_out(q: Quorum) -> dict[str, Any]:
    return {
        "invited": q.invited,
        "present": q.present,
        "excused": q.excused,
        "absent": q.absent,
        "expected": q.expected,
        "required": q.required,
        "met": q.met,
        "rule": rule_text(q),
    }


def item_out(i: ActionItem) -> dict[str, Any]:
    return {
        "id": i.pk,
        "meeting": i.meeting_id,
        "meeting_title": i.meeting.title,
        "text": i.text,
        "owner": person_ref(i.owner),
        "due": i.due,
        "state": i.state,
        "state_label": i.get_state_display(),
        "overdue": i.is_overdue,
        "note": i.note,
        "closed_at": i.closed_at,
    }


def summary_out(m: Meeting) -> dict[str, Any]:
    return {
        "id": m.pk,
        "kind": m.kind.code,
        "kind_label": m.kind.label,
        "organisation": m.organisation_id,
        "organisation_name": m.organisation.name,
        "title": m.title,
        "starts_at": m.starts_at,
        "ends_at": m.ends_at,
        "where": m.where,
        "online_url": m.online_url,
        "state": m.state,
        "state_label": m.get_state_display(),
    }


def attachments_of(m: Meeting) -> list[StoredUpload]:
    ct = ContentType.objects.get_for_model(Meeting)
    return list(
        StoredUpload.objects.filter(owner_type=ct, owner_id=str(m.pk)).order_by("created_at")
    )


def detail(user: Actor, m: Meeting) -> dict[str, Any]:
    """Everything the meeting page and ``GET /meetings/{id}`` show."""
    seat_list = selectors.seats(m)
    q = selectors.quorum_of(m, seat_list)
    runs = policies.may_run(user, m)
    items = list(m.action_items.select_related("owner", "meeting").order_by("id"))
    return {
        **summary_out(m),
        "place": m.place_id,
        "is_election": m.is_election,
        "convener": person_ref(m.convener),
        "agenda": [a.text for a in m.agenda.order_by("position")],
        "seats": [
            {
                "id": s.invitation.pk,
                "kind": s.invitation.kind,
                "label": s.label,
                "status": s.status,
                "signed_in": [
                    {
                        "person": person_ref(a.person),
                        "method": a.method,
                        "method_label": a.get_method_display(),
                        "signed_at": a.signed_at,
                    }
                    for a in s.signed_in
                ],
                "apology_reason": s.apology_reason,
            }
            for s in seat_list
        ],
        "quorum": quorum_out(q),
        "minutes": m.minutes,
        "cancel_reason": m.cancel_reason,
        "resolutions": [item_out(i) for i in items],
        "attachments": [
            {"id": str(u.pk), "name": u.original_name, "url": reverse("core:file", args=[u.pk])}
            for u in attachments_of(m)
        ],
        "acts": MEETING_MACHINE.acts_from(m.state) if runs else [],
        "may_run": runs,
        # For the pages.
        "_seats": seat_list,
        "_quorum": q,
        "_items": items,
    }
