"""The classification of this app's personal fields (GB/T 35273), registered with
``core.sensitivity`` from ``AppConfig.ready``."""

from __future__ import annotations

from tongxin.core.sensitivity import Classes

_TIMES = ("created_at", "updated_at")

CLASSIFICATION: dict[str, Classes] = {
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
}
