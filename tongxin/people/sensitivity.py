"""The classification of this app's personal fields (GB/T 35273), registered with
``core.sensitivity`` from ``AppConfig.ready``."""

from __future__ import annotations

from tongxin.core.sensitivity import Classes

_TIMES = ("created_at", "updated_at")

CLASSIFICATION: dict[str, Classes] = {
    "people.person": Classes(
        sensitive=(
            "id_number_cipher",
            "id_number_hash",
            "id_number_last4",
            "phone_cipher",
            "phone_hash",
            "phone_masked",
            "phone_last4",
        ),
        general=(
            "name",
            "name_pinyin",
            "name_initials",
            "gender",
            "birth_date",
            "political_status",
            "residence_status",
            "ethnicity",
            "occupation",
            "employer",
            "household",
            "relation",
            "place",
            "is_active",
            "left_reason",
        ),
        structural=("id", *_TIMES, "place_path", "grid"),
    ),
    "people.household": Classes(
        general=("dwelling", "tenure", "note"),
        structural=("id", *_TIMES, "code", "place_path"),
    ),
    "people.dwellingdeed": Classes(
        general=("dwelling", "floor_area"),
        structural=("id", *_TIMES, "place_path"),
    ),
    "people.dwellingowner": Classes(
        general=("person", "share"),
        structural=("id", *_TIMES, "deed"),
    ),
    "people.caretag": Classes(
        sensitive=("kind", "grade", "start_date", "end_date", "note"),
        structural=("id", *_TIMES, "person"),
    ),
    "people.partymembership": Classes(
        general=(
            "organisation",
            "status",
            "joined_date",
            "in_service",
            "service_employer",
            "registered_community",
            "registered_date",
        ),
        structural=("id", *_TIMES, "person"),
    ),
    "people.importjob": Classes(
        sensitive=("payload", "errors"),
        general=("filename", "message"),
        structural=(
            "id",
            "created_by",
            "status",
            "total_rows",
            "processed_rows",
            "created_count",
            "household_count",
            "created_at",
            "finished_at",
        ),
    ),
    "people.correctionrequest": Classes(
        sensitive=("requested_cipher", "requested_masked"),
        general=("field", "requested_value", "note", "decision_note"),
        structural=(
            "id",
            "person",
            "requested_by",
            "status",
            "decided_by",
            "decided_at",
            "created_at",
        ),
    ),
}
