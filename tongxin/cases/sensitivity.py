"""The classification of this app's personal fields (GB/T 35273), registered with
``core.sensitivity`` from ``AppConfig.ready``."""

from __future__ import annotations

from tongxin.core.sensitivity import Classes

_TIMES = ("created_at", "updated_at")

CLASSIFICATION: dict[str, Classes] = {
    "cases.case": Classes(
        sensitive=("reporter_phone_cipher", "reporter_phone_masked"),
        general=(
            "description",
            "answers",
            "reporter_user",
            "reporter_person",
            "reporter_name",
            "anonymous",
            "lat",
            "lng",
            "address",
            "result",
            "feedback",
            "public_note",
        ),
        structural=(
            "id",
            *_TIMES,
            "ref",
            "idempotency_key",  # a client's retry token, says nothing of anyone
            "category",
            "priority",
            "channel",
            "state",
            "place",
            "place_path",
            "grid",
            "location_source",
            "resolution",
            "level",
            "assignee_person",
            "assignee_org",
            "owner",
            "supervisor",
            "suspended_from",
            "suspended_at",
            "merged_into",
            "accept_due",
            "arrive_due",
            "resolve_due",
            "clocks",
            "breach_level",
            "overdue",
            "supervised",
            "accepted_at",
            "arrived_at",
            "resolved_at",
            "closed_at",
            "resolved_on_time",
            "feedback_at",
            "reopen_count",
            "support_count",
        ),
    ),
    "cases.caseevent": Classes(
        general=("note", "data", "actor_label"),
        structural=("id", "case", "seq", "at", "actor", "act", "from_state", "to_state", "public"),
    ),
    "cases.routingdecision": Classes(
        general=("reason",),
        structural=(
            "id",
            "case",
            "at",
            "rule",
            "level",
            "person",
            "organisation",
            "override",
            "decided_by",
        ),
    ),
    "cases.departmentcall": Classes(
        general=("request", "result"),
        structural=(
            "id",
            *_TIMES,
            "case",
            "organisation",
            "status",
            "called_by",
            "report_due",
            "reported_at",
            "reported_by",
            "done_at",
            "late",
        ),
    ),
    "cases.casesupport": Classes(structural=("id", "case", "user", "at")),
    "cases.workcalendaryear": Classes(
        structural=("id", "year", "confirmed_by", "confirmed_at", "note"),
    ),
    "cases.dutyshift": Classes(
        general=("phone",),
        structural=("id", "place", "person", "starts_at", "ends_at"),
    ),
}
