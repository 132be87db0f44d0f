"""Meetings' rows of the access matrix (tongxin/core/tests/test_access_matrix.py) and the
subject objects they are tried on: a held 联席会 of the demo community's committee convened
by the secretary, with the resident and the secretary invited as persons, and a resolution
owned by the resident.

- the meeting (its page, minutes and seats): its invitees (the resident, the secretary) and
  the officers of the committee (the secretary, the grid workers, who hold posts in it);
  everyone else 404;
- running it (acts, the QR screen, signing people in, resolutions, files): the secretary and
  the committee's officers; the invited resident 403;
- apologies: any invitee (an officer without a seat is refused: 403 ``NOT_INVITED``);
- the API sign-in without a token: the secretary (runs it and holds a seat); the resident
  needs the QR code's token (403), the grid workers hold no seat (403);
- the action item: its owner (the resident) completes it; the officers may too (after the
  owner has, a 409); everyone else 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tongxin.core import clock
from tongxin.core.tests.matrix_roles import SIGNED_IN

VIEWERS = frozenset({"resident", "grid1", "grid2", "secretary"})
RUNNERS = frozenset({"grid1", "grid2", "secretary"})
# Holders of a post in an organisation (not a plain member's) may open the convene form (a
# building head holds a post at a place, not in an organisation).
OFFICERS_ANYWHERE = frozenset({"grid1", "grid2", "secretary", "dept"})

# name → (allowed, kind, method, data)
RULES: dict[str, tuple[frozenset[str], str, str, dict[str, Any]]] = {
    "meetings:list": (VIEWERS, "list", "GET", {}),
    "meetings:new": (OFFICERS_ANYWHERE, "object", "GET", {}),
    "meetings:actions": (SIGNED_IN, "signed_in", "GET", {}),
    "meetings:action_act": (VIEWERS, "object", "POST", {"note": "矩阵办结"}),
    "meetings:meeting": (VIEWERS, "object", "GET", {}),
    "meetings:qr": (RUNNERS, "object", "GET", {}),
    "meetings:sign_in": (VIEWERS, "object", "GET", {}),
    "meetings:act": (RUNNERS, "object", "POST", {"minutes": "矩阵纪要"}),
    "meetings:record": (RUNNERS, "object", "POST", {}),
    "meetings:apology": (VIEWERS, "object", "POST", {"reason": "矩阵请假"}),
    "meetings:resolution": (RUNNERS, "object", "POST", {"text": "矩阵决议"}),
    "meetings:files": (RUNNERS, "object", "POST", {}),
    "api:create_meeting": (
        OFFICERS_ANYWHERE,
        "object",
        "POST",
        {"kind": "joint", "starts_at": "2030-01-01T15:00:00+08:00", "agenda": ["矩阵议程"]},
    ),
    "api:list_meetings": (VIEWERS, "list", "GET", {}),
    "api:get_meeting": (VIEWERS, "object", "GET", {}),
    "api:sign_in": (frozenset({"secretary"}), "object", "POST", {}),
    "api:apologise": (frozenset({"resident", "secretary"}), "object", "POST", {"reason": "请假"}),
    "api:meeting_action": (RUNNERS, "object", "POST", {"minutes": "矩阵纪要"}),
    "api:add_resolution": (RUNNERS, "object", "POST", {"text": "矩阵决议"}),
    "api:list_action_items": (frozenset({"resident"}), "list", "GET", {}),
    "api:action_item_action": (VIEWERS, "object", "POST", {"note": "矩阵办结"}),
}

ARGUMENTS = {"meeting_id": "meeting", "item_id": "action_item"}
PATH_WORDS = {"meeting_act": "minute", "item_act": "complete"}


def subject(demo: Any) -> dict[str, Any]:
    from tongxin.meetings import services
    from tongxin.orgs.models import Organisation

    secretary, resident = demo.user("secretary"), demo.user("resident")
    committee = Organisation.objects.filter(kind="party_committee").order_by("path").first()
    meeting = services.meeting_convene(
        actor=secretary,
        kind="joint",
        organisation_id=committee.pk,
        starts_at=clock.now() - dt.timedelta(hours=1),
        agenda=["矩阵议程"],
        invitees=[
            {"kind": "person", "id": resident.person_id},
            {"kind": "person", "id": secretary.person_id},
        ],
    )
    services.meeting_act(actor=secretary, meeting_id=meeting.pk, act="hold")
    item = services.resolution_add(
        actor=secretary,
        meeting_id=meeting.pk,
        text="矩阵决议事项",
        owner_person_id=resident.person_id,
    )
    return {"meeting": meeting, "action_item": item}


def marker(name: str, s: dict[str, Any]) -> str:
    if name == "meetings:list":
        return f'data-meeting="{s["meeting"].pk}"'
    if name == "api:list_action_items":
        return f'"id": {s["action_item"].pk}, '
    return f'"id": {s["meeting"].pk}, '


def list_query(name: str, s: dict[str, Any]) -> dict[str, Any]:
    return {}
