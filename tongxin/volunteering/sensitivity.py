"""The classification of this app's personal fields (GB/T 35273), registered with
``core.sensitivity`` from ``AppConfig.ready``."""

from __future__ import annotations

from tongxin.core.sensitivity import Classes

_TIMES = ("created_at", "updated_at")

CLASSIFICATION: dict[str, Classes] = {
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
