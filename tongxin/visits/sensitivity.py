"""The classification of visits' personal fields (GB/T 35273). Everything about a visit says
that a resident is vulnerable and how they are: the records and the risk tier are sensitive."""

from __future__ import annotations

from tongxin.core.sensitivity import Classes

CLASSIFICATION: dict[str, Classes] = {
    "visits.careschedule": Classes(
        sensitive=("risk_tier",),
        general=("person", "last_contact_at"),
        structural=("id", "place_path", "grid", "created_at", "updated_at"),
    ),
    "visits.visittask": Classes(
        # Why a visit was cancelled names the care tag that ended: care data.
        sensitive=("cancel_reason",),
        general=("person", "assignee", "assignee_post", "escalated_to", "assign_reason"),
        structural=(
            "id",
            "rule",
            "trigger",
            "period_start",
            "due_by",
            "late_by",
            "state",
            "escalated_at",
            "escalation_steps",
            "done_at",
            "record",
            "place_path",
            "grid",
            "created_at",
            "updated_at",
        ),
    ),
    "visits.visitescalation": Classes(
        general=("person", "reason", "at"),
        structural=("id", "task", "step"),
    ),
    "visits.visitrecord": Classes(
        sensitive=("checklist", "notes", "met", "photo"),
        general=("person", "visitor", "visited_at"),
        structural=(
            "id",
            "method",
            "case",
            "need",
            "place_path",
            "grid",
            "created_at",
            "updated_at",
        ),
    ),
    "visits.pair": Classes(
        sensitive=("ended_reason",),  # e.g. the resident's last care tag ended
        general=("person", "knock_by"),
        structural=("id", "active", "place_path", "grid", "created_at", "updated_at"),
    ),
    "visits.pairhelper": Classes(
        general=("person", "kind"),
        structural=("id", "pair", "order"),
    ),
    "visits.knock": Classes(
        general=("helper", "at", "answered", "day"),
        structural=("id", "pair", "created_at", "updated_at"),
    ),
    "visits.knockalert": Classes(
        general=("person", "reason", "at", "day"),
        structural=("id", "pair", "step"),
    ),
}
