"""The classification of this app's personal fields (GB/T 35273), registered with
``core.sensitivity`` from ``AppConfig.ready``."""

from __future__ import annotations

from tongxin.core.sensitivity import Classes

_TIMES = ("created_at", "updated_at")

CLASSIFICATION: dict[str, Classes] = {
    "orgs.post": Classes(
        general=(
            "role",
            "place",
            "organisation",
            "rank",
            "start_date",
            "end_date",
            "public_contact",
            "public_phone",
            "note",
        ),
        structural=("id", *_TIMES, "person", "place_path"),
    ),
    "orgs.absence": Classes(
        sensitive=("reason",),
        general=("start_date", "end_date"),
        structural=("id", *_TIMES, "person"),
    ),
}
