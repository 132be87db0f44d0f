"""The classification of this app's personal fields (GB/T 35273), registered with
``core.sensitivity`` from ``AppConfig.ready``."""

from __future__ import annotations

from tongxin.core.sensitivity import Classes

_TIMES = ("created_at", "updated_at")

CLASSIFICATION: dict[str, Classes] = {
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
}
