"""The classification of this app's personal fields (GB/T 35273), registered with
``core.sensitivity`` from ``AppConfig.ready``."""

from __future__ import annotations

from collections.abc import Iterable

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


def published_phones() -> Iterable[str]:
    """The numbers posts publish in full (电话公开): not personal data that escaped."""
    from tongxin.core.validators import normalize_phone

    from .models import Post

    for phone in (
        Post.objects.filter(public_contact=True)
        .exclude(public_phone="")
        .values_list("public_phone", flat=True)
    ):
        yield normalize_phone(phone)
