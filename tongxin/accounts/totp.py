"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): SHA-1, 6 digits, 30 seconds,
which is what every authenticator app (微信/支付宝小程序, Google/Microsoft Authenticator, FreeOTP…)
understands. Kept here rather than in a dependency because it is twenty lines of ``hmac``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

DIGITS = 6
PERIOD = 30
SECRET_BYTES = 20  # 160 bits, the size RFC 4226 recommends for SHA-1


def new_secret() -> str:
    """A random shared secret in base32 without padding (32 characters)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode().rstrip("=")


def _key(secret_b32: str) -> bytes:
    cleaned = secret_b32.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(secret_b32: str, counter: int) -> str:
    digest = hmac.new(_key(secret_b32), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def time_step(timestamp: float) -> int:
    return int(timestamp // PERIOD)


def code_at(secret_b32: str, timestamp: float) -> str:
    return hotp(secret_b32, time_step(timestamp))


def matching_step(secret_b32: str, code: str, timestamp: float, *, window: int = 1) -> int | None:
    """The time step (within ``window`` steps either side of now) whose code is ``code``, or
    None. The comparison is constant-time for each candidate."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = time_step(timestamp)
    found = None
    for step in range(now - window, now + window + 1):
        if hmac.compare_digest(hotp(secret_b32, step), code):
            found = step
    return found


def provisioning_uri(secret_b32: str, *, account: str, issuer: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    label = quote(f"{issuer}:{account}", safe="")
    query = urlencode(
        {
            "secret": secret_b32,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": PERIOD,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"
