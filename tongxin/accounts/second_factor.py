"""The second factor (TOTP with one-time recovery codes): who needs it, enrolment, checking.

Required for every account that can see sensitive personal data: the three admin accounts
(and any ``is_staff`` account), holders of a post whose role is a staff role or sees care
tags (``orgs.roles.ROLE_RULES``), and holders of an explicit data grant. An account that has
enrolled is always asked for it, required or not. The demo exemption (``demo.py``) lifts the
requirement, never an enrolment.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core import audit, clock, vault
from tongxin.core.actors import Actor
from tongxin.core.models import AuditEvent
from tongxin.core.scoping import scope_for

from . import totp
from .demo import demo_exemption_active
from .models import RecoveryCode, TotpDevice, User

SECRET_CONTEXT = "user.totp_secret"  # noqa: S105 — the vault context, not a secret
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud safely
_RECOVERY_LENGTH = 12  # ~59 bits each

# What a session has done for the second factor (the key is cleared at every login).
SESSION_KEY = "_tongxin_2fa"

# States of an account at login.
NOT_NEEDED = "not_needed"
VERIFY = "verify"
ENROL = "enrol"


def sees_sensitive_data(user: User) -> bool:
    """Whether the account can see personal data beyond its own household."""
    if user.admin_duty or user.is_staff or user.is_superuser:
        return True
    # A staff post (every role that sees care tags is one), or an explicit data grant.
    scope = scope_for(user)
    return scope.staff_post or bool(user.grants.active().exists())


def required(user: User, request: Any = None) -> bool:
    return sees_sensitive_data(user) and not demo_exemption_active(request)


def confirmed_device(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def state_for(user: User, request: Any = None) -> str:
    if confirmed_device(user) is not None:
        return VERIFY
    if required(user, request):
        return ENROL
    return NOT_NEEDED


# ---------------------------------------------------------------------- enrolment


def pending_device(user: User) -> TotpDevice:
    """The device being enrolled (created with a fresh secret when there is none)."""
    device = TotpDevice.objects.filter(user=user).first()
    if device is None:
        device = TotpDevice.objects.create(
            user=user, secret_encrypted=vault.encrypt(totp.new_secret(), context=SECRET_CONTEXT)
        )
    return device


def device_secret(device: TotpDevice) -> str:
    return vault.decrypt(device.secret_encrypted, context=SECRET_CONTEXT)


def provisioning_uri(user: User, device: TotpDevice) -> str:
    issuer = str(getattr(settings, "TONGXIN_TOTP_ISSUER", _("同心")))
    return totp.provisioning_uri(device_secret(device), account=user.username, issuer=issuer)


def qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as inline SVG markup, drawn here (no outside service)."""
    import segno

    return str(
        segno.make(uri, error="m").svg_inline(
            scale=4, dark="#1f2329", light="#ffffff", omitsize=False, title=_("二维码")
        )
    )


def _now_ts() -> float:
    return clock.now().timestamp()


@transaction.atomic
def confirm_enrolment(*, user: User, code: str) -> list[str] | None:
    """Check the first code from the app; on success the device is enabled and the ten
    recovery codes are returned (the only time they are ever shown)."""
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is None or device.confirmed:
        return None
    step = totp.matching_step(device_secret(device), code, _now_ts())
    if step is None:
        audit.record(actor=user, action="otp_enrol", result=AuditEvent.Result.FAILED)
        return None
    device.confirmed_at = clock.now()
    device.last_step = step
    device.save(update_fields=["confirmed_at", "last_step"])
    codes = _replace_recovery_codes(user)
    audit.record(actor=user, action="otp_enrol", obj=device)
    return codes


def _recovery_hash(user: User, code: str) -> str:
    normalized = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(f"tongxin/recovery/{user.pk}/{normalized}".encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def _replace_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_recovery_hash(user, c)) for c in codes
    )
    return codes


@transaction.atomic
def regenerate_recovery_codes(*, user: User, code: str) -> list[str] | None:
    """New recovery codes (the old ones stop working), after a current TOTP code."""
    if not verify_totp(user=user, code=code):
        return None
    codes = _replace_recovery_codes(user)
    audit.record(actor=user, action="otp_recovery_codes_renewed")
    return codes


def unused_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# ---------------------------------------------------------------------- checking


@transaction.atomic
def verify_totp(*, user: User, code: str) -> bool:
    """A code from the app, within one time step either side of now, never one already used
    (nor one from before the last used: each accepted code moves ``last_step`` forward)."""
    device = (
        TotpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    )
    if device is None:
        return False
    step = totp.matching_step(device_secret(device), code, _now_ts())
    if step is None or step <= device.last_step:
        return False
    device.last_step = step
    device.save(update_fields=["last_step"])
    return True


@transaction.atomic
def use_recovery_code(*, user: User, code: str) -> bool:
    """Spend one recovery code; each works once."""
    spent = RecoveryCode.objects.filter(
        user=user, code_hash=_recovery_hash(user, code), used_at__isnull=True
    ).update(used_at=clock.now())
    return spent == 1


def looks_like_totp(code: str) -> bool:
    cleaned = code.strip().replace(" ", "")
    return len(cleaned) == totp.DIGITS and cleaned.isdigit()


def check_code(
    *, user: User, code: str, username: str, ip: str, channel: str
) -> tuple[str | None, Any]:
    """The one second-factor check of the login page and the token endpoint: ``verify`` the
    code, and on failure count the attempt for the lockout. Answers the method that passed
    (``"totp"``, ``"recovery"``) or None, and the lock the failure caused (or None)."""
    from . import lockout

    method = verify(user=user, code=code)
    if method is not None:
        return method, None
    lock = lockout.register_attempt(
        username=username,
        ip=ip,
        outcome=lockout.Outcome.FAILED,
        channel=channel,
        user=user,
        reason="bad_code",
    )
    return None, lock


def verify(*, user: User, code: str) -> str | None:
    """Check a TOTP code or a recovery code: ``"totp"``, ``"recovery"`` or None. Audited."""
    method = None
    if looks_like_totp(code):
        method = "totp" if verify_totp(user=user, code=code) else None
    elif code.strip() and use_recovery_code(user=user, code=code):
        method = "recovery"
    if method is not None:
        detail: dict[str, Any] = {"method": method}
        if method == "recovery":
            detail["recovery_codes_left"] = unused_recovery_codes(user)
        audit.record(actor=user, action="otp_verify", detail=detail)
    return method


@transaction.atomic
def reset(*, user: User, actor: Actor) -> None:
    """Remove an account's second factor (lost phone): it enrols again at its next login.
    Its sessions end, so nobody stays signed in on the strength of the old device."""
    from .services import end_sessions

    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    end_sessions(user)
    audit.record(actor=actor, action="otp_reset", obj=user, detail={"username": user.username})
