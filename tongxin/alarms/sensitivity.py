"""The classification of the alarm's personal fields (GB/T 35273). That a resident has an alarm
button says they are vulnerable; the health conditions they agreed to share, the alarms and
their outcomes (120 called, hospital) are sensitive."""

from __future__ import annotations

from tongxin.core.sensitivity import Classes

CLASSIFICATION: dict[str, Classes] = {
    "alarms.device": Classes(
        sensitive=("conditions",),
        general=("person", "place", "last_seen_at", "online", "battery"),
        structural=(
            "id",
            "code",
            "credential_hash",
            "grid",
            "place_path",
            "policy",
            "state",
            "last_seq",
            "created_at",
            "updated_at",
        ),
    ),
    "alarms.deviceevent": Classes(
        general=("payload", "sent_at", "received_at", "kind", "detail"),
        structural=("id", "device", "device_code", "seq", "refusal", "alarm"),
    ),
    "alarms.alarm": Classes(
        sensitive=("outcome", "note", "kind"),
        general=(
            "person",
            "acked_by",
            "opened_at",
            "acked_at",
            "departed_at",
            "arrived_at",
            "closed_at",
        ),
        structural=(
            "id",
            "device",
            "state",
            "cancel_until",
            "step",
            "rounds",
            "next_at",
            "arrive_by",
            "place_path",
            "grid",
            "created_at",
            "updated_at",
        ),
    ),
    "alarms.alarmpage": Classes(
        general=("person", "reason", "at"),
        structural=("id", "alarm", "step", "rounds", "message"),
    ),
}
