"""The classification of the meeting mechanism's personal fields (GB/T 35273), registered
with ``core.sensitivity`` from ``AppConfig.ready``. Who attended which meeting, and why they
were absent, is personal; the minutes may name people and are treated as such."""

from __future__ import annotations

from tongxin.core.sensitivity import Classes

CLASSIFICATION: dict[str, Classes] = {
    "meetings.meeting": Classes(
        general=("convener", "created_by", "minutes", "cancel_reason", "title", "place_text"),
        structural=(
            "id",
            "kind",
            "organisation",
            "org_path",
            "starts_at",
            "ends_at",
            "place",
            "online_url",
            "is_election",
            "state",
            "signin_token",
            "signin_expires_at",
            "created_at",
        ),
    ),
    "meetings.invitation": Classes(
        general=("person", "post"),
        structural=("id", "meeting", "kind", "organisation"),
    ),
    "meetings.attendance": Classes(
        general=("person", "recorded_by", "signed_at"),
        structural=("id", "meeting", "invitation", "method"),
    ),
    # A reason for absence may be about health or family.
    "meetings.apology": Classes(
        sensitive=("reason",),
        general=("person",),
        structural=("id", "meeting", "invitation", "created_at"),
    ),
    "meetings.actionitem": Classes(
        general=("owner", "text", "note"),
        structural=("id", "meeting", "due", "state", "created_at", "closed_at"),
    ),
}
