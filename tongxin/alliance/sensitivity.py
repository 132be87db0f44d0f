"""The classification of this app's personal fields (GB/T 35273), registered with
``core.sensitivity`` from ``AppConfig.ready``."""

from __future__ import annotations

from tongxin.core.sensitivity import Classes

_TIMES = ("created_at", "updated_at")

CLASSIFICATION: dict[str, Classes] = {
    "alliance.inservicemember": Classes(
        general=("person", "unit", "since"),
        structural=("id", *_TIMES),
    ),
    "alliance.pledge": Classes(
        general=("text", "state", "delivered_on", "explanation", "year"),
        structural=("id", *_TIMES, "member"),
    ),
}
