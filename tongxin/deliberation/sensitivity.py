"""The classification of this app's personal fields (GB/T 35273), registered with
``core.sensitivity`` from ``AppConfig.ready``.

Who may cast which elector's ballot (``electormember``) is general personal data; how anyone
voted is not stored with a person at all (``Ballot`` has no person, elector or time for a
secret vote)."""

from __future__ import annotations

from tongxin.core.sensitivity import Classes

_TIMES = ("created_at", "updated_at")

CLASSIFICATION: dict[str, Classes] = {
    "deliberation.vote": Classes(
        general=("created_by",),
        structural=(
            "id",
            *_TIMES,
            "title",
            "description",
            "electorate",
            "rule",
            "secret",
            "place",
            "place_path",
            "opens_at",
            "closes_at",
            "closed_at",
            "state",
            "eligible_heads",
            "eligible_area",
            "result",
            "topic",
            "meeting_id",
            "reminded_at",
        ),
    ),
    "deliberation.electormember": Classes(
        general=("person",),
        structural=("id", "vote", "elector"),
    ),
    "deliberation.topic": Classes(
        general=("proposed_by", "body"),
        structural=(
            "id",
            *_TIMES,
            "title",
            "category",
            "channel",
            "source_id",
            "place",
            "place_path",
            "state",
            "supporters",
            "comment_until",
            "merged_into",
        ),
    ),
    "deliberation.topicsupport": Classes(general=("person",), structural=("id", "topic")),
    "deliberation.topicrecord": Classes(
        general=("actor", "text", "data"),
        structural=("id", "topic", "step", "kind", "at"),
    ),
    "deliberation.election": Classes(
        general=("created_by",),
        structural=(
            "id",
            *_TIMES,
            "title",
            "place",
            "place_path",
            "seats",
            "rules",
            "state",
            "committee_id",
        ),
    ),
    # Whether a candidate failed a check (illegal building, letting…) is sensitive.
    "deliberation.candidate": Classes(
        sensitive=("checks",),
        general=("person", "statement", "state", "nominated_by"),
        structural=("id", *_TIMES, "election", "vote"),
    ),
    "deliberation.speakingrequest": Classes(
        general=("person", "topic"),
        structural=("id", *_TIMES, "meeting_id", "state"),
    ),
}
