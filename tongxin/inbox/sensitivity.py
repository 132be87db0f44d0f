"""The classification of this app's personal fields (GB/T 35273), registered with
``core.sensitivity`` from ``AppConfig.ready``."""

from __future__ import annotations

from tongxin.core.sensitivity import Classes

_TIMES = ("created_at", "updated_at")

CLASSIFICATION: dict[str, Classes] = {
    "inbox.message": Classes(
        sensitive=("address",),
        general=("subject", "body"),
        structural=("id", "recipient", "kind", "link", "topic", "created_at", "read_at"),
    ),
}
