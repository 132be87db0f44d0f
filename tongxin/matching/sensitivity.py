"""The classification of this app's personal fields (GB/T 35273), registered with
``core.sensitivity`` from ``AppConfig.ready``."""

from __future__ import annotations

from tongxin.core.sensitivity import Classes

_TIMES = ("created_at", "updated_at")

CLASSIFICATION: dict[str, Classes] = {
    "matching.need": Classes(
        # What a resident needs at home says much about their circumstances.
        sensitive=("description", "place", "place_path", "estimated_value"),
        general=(
            "person",
            "household",
            "posted_by",
            "kind",
            "urgency",
            "wanted_on",
            "state",
            "claimed_by_person",
            "rating",
            "rating_comment",
            "proof",
            "minutes",
            "points",
        ),
        structural=(
            "id",
            *_TIMES,
            "community",
            "verify_method",
            "verified_by",
            "round",
            "priority",
            "listed_until",
            "claimed_by_org",
            "claimed_at",
            "contact_by",
            "award_tx",
            "from_log_entry",
        ),
    ),
    "matching.needevent": Classes(
        general=("note", "data", "actor"),
        structural=("id", "need", "act", "from_state", "to_state", "at"),
    ),
    "matching.resource": Classes(
        general=("person", "employer", "skills", "need_kinds", "hours_per_month"),
        structural=(
            "id",
            *_TIMES,
            "community",
            "kind",
            "person_path",
            "organisation",
            "area",
            "is_active",
        ),
    ),
    "matching.wish": Classes(
        # A wish is collected because the resident is vulnerable (care tags): sensitive.
        sensitive=("person", "person_path", "text", "given_name", "receipt_name"),
        general=(
            "value",
            "collected_by",
            "state",
            "claimed_by_person",
            "receipt_by",
            "thanks",
            "verify_method",
        ),
        structural=(
            "id",
            *_TIMES,
            "campaign",
            "claimed_by_org",
            "claimed_at",
            "contact_by",
            "fulfilled_at",
        ),
    ),
    "matching.donation": Classes(
        general=("donor_name", "received_by"),
        structural=(
            "id",
            "station",
            "category",
            "item",
            "quantity",
            "condition",
            "best_before",
            "at",
        ),
    ),
    # Registration with the station says the family is in hardship: sensitive.
    "matching.stationfamily": Classes(
        sensitive=("household", "note"),
        general=("registered_by",),
        structural=("id", *_TIMES, "station", "is_active"),
    ),
    "matching.distribution": Classes(
        sensitive=("family",),
        general=("handed_by",),
        structural=("id", "station", "item", "quantity", "at"),
    ),
    "matching.fundrecord": Classes(
        sensitive=("household", "reason"),
        general=("donor_name", "recorded_by"),
        structural=("id", "community", "kind", "amount", "tx", "at"),
    ),
    # 项目清单: the community's projects, not personal data; a contributor may be a person.
    "matching.project": Classes(
        general=("proposed_by", "approved_by", "closed_by"),
        structural=(
            "id",
            *_TIMES,
            "community",
            "title",
            "description",
            "budget",
            "starts_on",
            "ends_on",
            "state",
            "account",
            "raised",
            "spent",
            "approved_at",
            "summary",
            "outcome",
            "beneficiaries",
            "waiver",
            "closed_at",
            "cancel_reason",
        ),
    ),
    "matching.projectneed": Classes(
        general=("added_by",),
        structural=("id", "project", "need", "added_at"),
    ),
    "matching.milestone": Classes(
        general=("done_by",),
        structural=("id", *_TIMES, "project", "title", "due_on", "done_at", "evidence"),
    ),
    "matching.projectmoney": Classes(
        general=("contributor", "recorded_by"),
        structural=(
            "id",
            "project",
            "kind",
            "amount",
            "organisation",
            "purpose",
            "receipt_no",
            "tx",
            "at",
        ),
    ),
}
