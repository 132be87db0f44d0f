"""Every field that holds personal information, classified (GB/T 35273).

- ``SENSITIVE``: sensitive personal information — identity numbers, phone numbers, care tags
  (health, disability, low income, criminal record, minors in difficulty), secrets. Encrypted
  or kept out of every output unless a role needs it; full values only through an audited
  reveal.
- ``GENERAL``: personal information that is not sensitive — names, relations, posts, dates.
  Shown only within scope (``visible_to``).
- ``STRUCTURAL``: no personal information by itself — keys, timestamps, places, statuses.

``tongxin/core/tests/test_sensitivity.py`` fails when a model that holds personal data has a
field that is not classified here, or when an entry names a field that no longer exists: a new
field is a decision, not an accident.
"""

from __future__ import annotations

from dataclasses import dataclass

SENSITIVE = "sensitive"
GENERAL = "general"
STRUCTURAL = "structural"


@dataclass(frozen=True)
class Classes:
    sensitive: tuple[str, ...] = ()
    general: tuple[str, ...] = ()
    structural: tuple[str, ...] = ()

    def of(self, field: str) -> str | None:
        for name, fields in (
            (SENSITIVE, self.sensitive),
            (GENERAL, self.general),
            (STRUCTURAL, self.structural),
        ):
            if field in fields:
                return name
        return None

    def all(self) -> set[str]:
        return {*self.sensitive, *self.general, *self.structural}


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
    "orgs.post": Classes(
        general=(
            "role",
            "place",
            "organisation",
            "rank",
            "start_date",
            "end_date",
            "public_contact",
            "note",
        ),
        structural=("id", *_TIMES, "person", "place_path"),
    ),
    "orgs.absence": Classes(
        sensitive=("reason",),
        general=("start_date", "end_date"),
        structural=("id", *_TIMES, "person"),
    ),
    "accounts.user": Classes(
        sensitive=("password",),
        general=(
            "username",
            "first_name",
            "last_name",
            "email",
            "display_name",
            "last_login",
            "date_joined",
        ),
        structural=("id", "is_superuser", "is_staff", "is_active", "person", "admin_duty"),
    ),
    "accounts.accessgrant": Classes(
        general=("place", "include_care", "reason", "valid_from", "valid_until"),
        structural=("id", "user", "granted_by"),
    ),
    "accounts.apitoken": Classes(
        sensitive=("key_hash",),
        general=("name", "last_used_at"),
        structural=("id", "user", "created_at", "expires_at"),
    ),
    "accounts.usersession": Classes(
        sensitive=("session_key",),
        structural=("id", "user", "created_at"),
    ),
    "accounts.totpdevice": Classes(
        sensitive=("secret_encrypted", "last_step"),
        structural=("id", "user", "created_at", "confirmed_at"),
    ),
    "accounts.recoverycode": Classes(
        sensitive=("code_hash",),
        structural=("id", "user", "created_at", "used_at"),
    ),
    "core.auditevent": Classes(
        general=("actor_name", "role", "action", "object_type", "object_id", "ip", "detail"),
        structural=(
            "id",
            "seq",
            "at",
            "actor",
            "subject_person_id",
            "result",
            "request_id",
            "prev_hash",
            "row_hash",
        ),
    ),
    "core.storedupload": Classes(
        general=("original_name",),
        structural=(
            "id",
            "purpose",
            "kind",
            "storage_name",
            "size",
            "sha256",
            "width",
            "height",
            "uploaded_by",
            "owner_type",
            "owner_id",
            "created_at",
        ),
    ),
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
    "inbox.message": Classes(
        sensitive=("address",),
        general=("subject", "body"),
        structural=("id", "recipient", "kind", "link", "topic", "created_at", "read_at"),
    ),
    "open311.partner": Classes(
        sensitive=("key_hash",),
        general=("name", "contact", "last_used_at"),
        structural=("id", "key_prefix", "is_active", "created_by", "created_at"),
    ),
    "open311.open311request": Classes(
        sensitive=("email_cipher", "email_masked"),
        general=("device_id", "account_id", "media_url"),
        structural=("id", "case", "partner", "jurisdiction", "token", "created_at"),
    ),
    # Volunteering and the points ledger (tongxin/volunteering).
    "volunteering.volunteer": Classes(
        sensitive=("is_child", "guardian"),  # a minor's registration (PIPL Art. 28, 31)
        general=("person", "skills", "availability", "status", "review_note"),
        structural=(
            "id",
            *_TIMES,
            "person_path",
            "community",
            "reviewed_by",
            "reviewed_at",
        ),
    ),
    "volunteering.activity": Classes(
        general=("created_by",),
        structural=(
            "id",
            *_TIMES,
            "community",
            "organiser_org",
            "title",
            "description",
            "address",
            "lat",
            "lng",
            "starts_at",
            "ends_at",
            "slots",
            "skills_wanted",
            "difficulty",
            "rule",
            "status",
            "checkin_token",
            "checkin_radius_m",
            "checkin_window_min",
        ),
    ),
    "volunteering.signup": Classes(
        general=(
            "volunteer",
            "status",
            "bank_time",
            "checked_in_at",
            "checked_out_at",
            "check_method",
            "minutes",
            "points",
        ),
        structural=("id", *_TIMES, "activity", "confirmed_by", "confirmed_at", "award_tx"),
    ),
    "volunteering.account": Classes(
        general=("person", "balance"),
        structural=("id", "kind", "unit", "community", "organisation", "created_at"),
    ),
    "volunteering.ledgertransaction": Classes(
        general=("reason",),
        structural=(
            "id",
            "kind",
            "community",
            "unit",
            "created_by",
            "approved_by",
            "corrects",
            "idempotency_key",
            "created_at",
        ),
    ),
    "volunteering.rewardorder": Classes(
        general=("person", "reward", "points", "status", "note"),
        structural=(
            "id",
            *_TIMES,
            "person_path",
            "account",
            "created_by",
            "idempotency_key",
            "redeem_tx",
            "refund_tx",
            "handled_by",
            "handled_at",
        ),
    ),
    "volunteering.honour": Classes(
        general=("person", "organisation", "kind", "period", "citation"),
        structural=("id", *_TIMES, "community", "person_path", "award_tx", "created_by"),
    ),
}


def classify(model_label: str, field: str) -> str | None:
    entry = CLASSIFICATION.get(model_label.lower())
    return entry.of(field) if entry else None


def sensitive_fields(model_label: str) -> tuple[str, ...]:
    entry = CLASSIFICATION.get(model_label.lower())
    return entry.sensitive if entry else ()
