"""The classification of this app's personal fields (GB/T 35273), registered with
``core.sensitivity`` from ``AppConfig.ready``."""

from __future__ import annotations

from tongxin.core.sensitivity import Classes

CLASSIFICATION: dict[str, Classes] = {
    "notices.notice": Classes(
        # A notice to the residents with a care tag says which tag its audience shares.
        sensitive=("care_tag",),
        general=("published_by",),
        structural=(
            "id",
            "place",
            "audience",
            "audience_place",
            "audience_path",
            "kind",
            "title",
            "body",
            "pinned",
            "is_public",
            "issue_number",
            "valid_until",
            "published_at",
            "recipient_count",
        ),
    ),
    "notices.noticereceipt": Classes(
        general=("person", "read_at"),
        structural=("id", "notice", "person_path"),
    ),
    "notices.logentry": Classes(
        # Free text about residents' circumstances (illness, hardship, disputes).
        sensitive=("met", "raised", "difficulties", "requests", "done", "follow_up"),
        general=("author", "visitors", "tags", "occurred_at"),
        structural=("id", "place", "place_path", "source", "notice", "case", "created_at"),
    ),
    "notices.convention": Classes(
        # A published document; who drafted it and who recorded its adoption are staff.
        general=("created_by", "recorded_by"),
        structural=(
            "id",
            "kind",
            "place",
            "place_path",
            "title",
            "text",
            "version",
            "created_at",
            "adopted_on",
            "adoption_method",
            "votes_for",
            "votes_against",
            "votes_abstain",
            "deliberation_ref",
        ),
    ),
    "notices.disclosure": Classes(
        general=("created_by", "approved_by", "approval_note"),
        structural=(
            "id",
            "community",
            "item",
            "kind",
            "cadence",
            "period",
            "title",
            "body",
            "status",
            "created_at",
            "published_at",
        ),
    ),
    "notices.booking": Classes(
        general=("person", "starts_at", "topic", "status"),
        structural=("id", "studio", "created_at"),
    ),
}
