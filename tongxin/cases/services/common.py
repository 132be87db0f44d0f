"""What the case services share: field errors, the actor's label, writing a planned change
(``cases.changes``) with its timeline event, notifying the assignee and the reporter."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from tongxin.core import clock
from tongxin.core.actors import Actor, saved_account
from tongxin.core.errors import ValidationFailed
from tongxin.inbox.services import notify
from tongxin.orgs.models import Organisation, Post

from .. import changes
from ..changes import Change
from ..models import Case, CaseEvent

MAX_DESCRIPTION = 4000
MAX_PHOTOS = 9


def _fail(field_name: str, reason: str) -> ValidationFailed:
    return ValidationFailed(reason, fields=[{"field": field_name, "reason": reason}])


def _actor_label(actor: Actor | None) -> str:
    if actor is None:
        return _("系统")
    person = actor.person if actor.person_id else None
    return person.name if person else (actor.display_name or actor.get_username())


def _append(
    case: Case,
    change: Change,
    *,
    actor: Actor | None,
    at: dt.datetime | None = None,
    seq: int | None = None,
) -> CaseEvent:
    """Write what ``change`` adds (its routing decision, its department calls) and its
    timeline event, numbered ``seq`` (known for a new case) or after the case's last."""
    if change.routing is not None:
        change.routing.save()
    for call in change.calls:
        call.save()
    if seq is None:
        seq = (case.events.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    row = changes.event(
        case,
        change,
        seq=seq,
        at=at or clock.now(),
        actor=saved_account(actor),
        actor_label=_actor_label(actor),
    )
    row.save()
    return row


def case_link(case: Case) -> str:
    return f"/cases/{case.pk}/"


def _org_people(org: Organisation | None) -> list[Any]:
    if org is None:
        return []
    return [
        p.person for p in Post.objects.active().filter(organisation=org).select_related("person")
    ]


def _append_first(
    case: Case, steps: list[tuple[Change, Actor | None]], *, at: dt.datetime
) -> list[CaseEvent]:
    """The first events of a new case (numbered 1, 2, …), with what their changes add, the
    events inserted together in one statement."""
    rows = []
    for seq, (change, actor) in enumerate(steps, start=1):
        if change.routing is not None:
            change.routing.save()
        for call in change.calls:
            call.save()
        rows.append(
            changes.event(
                case,
                change,
                seq=seq,
                at=at,
                actor=saved_account(actor),
                actor_label=_actor_label(actor),
            )
        )
    return CaseEvent.objects.bulk_create(rows)


def _notify_assignee(case: Case, *, subject: str, body: str = "") -> None:
    recipients = [case.assignee_person, *_org_people(case.assignee_org)]
    notify(
        recipients=recipients,
        kind="case_assigned",
        subject=subject,
        body=body or case.description[:120],
        link=case_link(case),
        topic=f"case:{case.pk}",
    )


def _notify_reporter(case: Case, *, subject: str) -> None:
    notify(
        recipients=[case.reporter_person],
        kind="case_status",
        subject=subject,
        body=_("您反映的问题（{ref}）当前状态：{state}").format(
            ref=case.ref, state=case.get_state_display()
        ),
        link=case_link(case),
        topic=f"case:{case.pk}",
        address=case.reporter_phone_masked,
    )
