"""1+3+N joint meetings (三位一体 monthly) on the one meeting mechanism: the community's party
organisation convenes (the 1), the residents' committee, the owners' committee and the
property company sit as units (the 3), departments join as needed (the N). Resolutions are
the meeting mechanism's action items, owned by the company's project manager or a
department's officer; an overdue one becomes a credit record (``credit``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.core.errors import ValidationFailed
from tongxin.core.scoping import access
from tongxin.meetings import services as meetings
from tongxin.meetings.models import ActionItem, Meeting
from tongxin.orgs.models import Organisation, OrgKind

from .. import policies
from ..models import ServiceContract

JOINT_KIND = "property_joint"  # the MeetingKind seeded by 0002_seed


def _units_at(estate_path: str, kinds: Sequence[str]) -> list[int]:
    """Organisations of ``kinds`` covering the estate or a place above it."""
    prefixes = [estate_path[:i] for i in range(4, len(estate_path) + 1, 4)]
    return list(
        Organisation.objects.filter(kind__in=kinds, places__path__in=prefixes, is_active=True)
        .values_list("pk", flat=True)
        .distinct()
    )


def joint_meeting_convene(
    *,
    actor: Actor,
    contract_id: int,
    organisation_id: int,
    starts_at: dt.datetime,
    agenda: Sequence[Any],
    department_ids: Sequence[int] = (),
    place_text: str = "",
) -> Meeting:
    """Convene the estate's 1+3+N joint meeting: the company, the residents' and owners'
    committees covering the estate, and the departments named."""
    contract = access(ServiceContract.objects.visible_to(actor), contract_id)
    policies.require_manager(actor, contract)
    departments = list(
        Organisation.objects.filter(
            pk__in=list(department_ids), kind=OrgKind.DEPARTMENT
        ).values_list("pk", flat=True)
    )
    if len(departments) != len(set(department_ids)):
        raise ValidationFailed(
            _("请选择职能部门"), fields=[{"field": "department_ids", "reason": _("不是职能部门")}]
        )
    committees = _units_at(
        contract.estate_path, [OrgKind.RESIDENTS_COMMITTEE, OrgKind.OWNERS_COMMITTEE]
    )
    units = [contract.company_id, *committees, *departments]
    return meetings.meeting_convene(
        actor=actor,
        kind=JOINT_KIND,
        organisation_id=organisation_id,
        starts_at=starts_at,
        agenda=agenda,
        title=_("{estate} 1+3+N 联席会议").format(estate=contract.estate.name),
        place_text=place_text,
        invitees=[{"kind": "unit", "id": u} for u in dict.fromkeys(units)],
    )


def joint_resolution(
    *,
    actor: Actor,
    meeting_id: int,
    contract_id: int,
    text: str,
    due: dt.date | None,
    owner_person_id: int | None = None,
) -> ActionItem:
    """A resolution assigned to the company (its project manager, by default) or to a
    department's officer named by ``owner_person_id``."""
    contract = access(ServiceContract.objects.visible_to(actor), contract_id)
    owner = owner_person_id or contract.project_manager_id
    if owner is None:
        raise ValidationFailed(
            _("该合同未登记项目经理，请指定责任人"),
            fields=[{"field": "owner_person_id", "reason": _("请指定责任人")}],
        )
    return meetings.resolution_add(
        actor=actor, meeting_id=meeting_id, text=text, owner_person_id=owner, due=due
    )
