"""Who may do what with meetings.

- An officer of an organisation (any post in it but a plain member's or a 中心户's) convenes
  its meetings and those of the organisations under it, and runs them (the secretary's work:
  sign people in, record apologies, minutes, resolutions, the state).
- The convener (the person recorded on the meeting) runs their meeting too.
- An invitee signs themself in (with the QR code's token) and sends their own apology.
- An action item's owner completes it; whoever runs the meeting completes, cancels or
  reopens it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from tongxin.core.actors import Actor, person_of
from tongxin.core.errors import Code, Forbidden
from tongxin.orgs.models import Organisation

from .models import NON_OFFICER_ROLES, ActionItem, Meeting, officer_orgs
from .workflow import ActionAct


def officer_paths(user: Actor) -> list[str]:
    return [p for _o, p, role in officer_orgs(user) if role not in NON_OFFICER_ROLES]


def may_convene(user: Actor, organisation: Organisation) -> bool:
    return any(organisation.path.startswith(p) for p in officer_paths(user))


def may_run(user: Actor, meeting: Meeting) -> bool:
    person = person_of(user)
    if person is not None and meeting.convener_id == person.pk:
        return True
    return any(meeting.org_path.startswith(p) for p in officer_paths(user))


def require_run(user: Actor, meeting: Meeting) -> None:
    if not may_run(user, meeting):
        raise Forbidden(_("只有会议召集人或召集组织的负责人可以办理"), code=Code.ACTION_FORBIDDEN)


def may_act_on_item(user: Actor, item: ActionItem, act: str) -> bool:
    person = person_of(user)
    if act == ActionAct.COMPLETE and person is not None and item.owner_id == person.pk:
        return True
    return may_run(user, item.meeting)
