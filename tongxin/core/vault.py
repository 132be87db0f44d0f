"""The personal-information vault: encryption at rest, keyed hashes for lookup, masking.

ID numbers and phone numbers never reach the database in clear. Each is stored as
- a ciphertext (AES-256-GCM, random nonce, tagged with the key id so keys can rotate),
- a keyed hash (HMAC-SHA256 under a key derived from the same secret) for exact lookup,
- and only the parts a masked display needs (last 4 digits; a phone's first 3).

The secret comes from ``TONGXIN_PII_KEY`` or a key file (``TONGXIN_PII_KEY_FILE``); it is never
in the repository. The development settings create the key file on first use.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

CIPHER_PREFIX = "v1"


@dataclass(frozen=True)
class VaultKeys:
    key_id: str
    encryption_key: bytes
    lookup_key: bytes

    @property
    def aead(self) -> AESGCM:
        return _aead(self.encryption_key)


@lru_cache(maxsize=4)
def _aead(key: bytes) -> AESGCM:
    return AESGCM(key)


def _derive(secret: str, purpose: bytes) -> bytes:
    return hmac.new(secret.encode(), purpose, hashlib.sha256).digest()


def _read_secrets() -> list[str]:
    """The current secret first, then the old ones still needed to read older ciphertexts.

    From the environment: ``TONGXIN_PII_KEY`` (current) and ``TONGXIN_PII_OLD_KEYS``
    (comma-separated); or from the key file: one secret a line, the current one first.
    """
    if settings.TONGXIN_PII_KEY:
        old = [k.strip() for k in settings.TONGXIN_PII_OLD_KEYS.split(",") if k.strip()]
        return [settings.TONGXIN_PII_KEY, *old]
    path = Path(settings.TONGXIN_PII_KEY_FILE)
    if not path.exists() and settings.TONGXIN_PII_KEY_AUTOCREATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")  # noqa: TID251 (key material)
    if path.exists():
        lines = [ln.strip() for ln in path.read_text().splitlines() if ln.strip()]
        if lines:
            return lines
    raise ImproperlyConfigured(
        "No personal-information key: set TONGXIN_PII_KEY or create TONGXIN_PII_KEY_FILE"
    )


def _make_keys(secret: str) -> VaultKeys:
    if len(secret) < 32:
        raise ImproperlyConfigured("The personal-information key must be at least 32 characters")
    return VaultKeys(
        key_id=hashlib.sha256(secret.encode()).hexdigest()[:8],
        encryption_key=_derive(secret, b"tongxin/pii/encrypt"),
        lookup_key=_derive(secret, b"tongxin/pii/lookup"),
    )


@lru_cache(maxsize=1)
def keyring() -> tuple[VaultKeys, ...]:
    """Every key the vault knows, the current one first."""
    return tuple(_make_keys(secret) for secret in _read_secrets())


def keys() -> VaultKeys:
    """The current key: everything is encrypted and hashed with it."""
    return keyring()[0]


def forget_keys() -> None:
    """Re-read the keys (after a rotation, or when tests change the settings)."""
    keyring.cache_clear()


def encrypt(value: str, *, context: str) -> str:
    """Encrypt ``value``; ``context`` (the field name) is bound as associated data."""
    k = keys()
    nonce = secrets.token_bytes(12)
    sealed = k.aead.encrypt(nonce, value.encode(), context.encode())
    return f"{CIPHER_PREFIX}:{k.key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, context: str) -> str:
    prefix, key_id, payload = token.split(":", 2)
    k = next((k for k in keyring() if k.key_id == key_id), None)
    if prefix != CIPHER_PREFIX or k is None:
        raise ImproperlyConfigured(
            f"Ciphertext was made with key {key_id}, which is not configured"
        )
    raw = base64.urlsafe_b64decode(payload)
    return k.aead.decrypt(raw[:12], raw[12:], context.encode()).decode()


def lookup_hash(value: str, *, context: str, key: VaultKeys | None = None) -> str:
    """A keyed hash for exact lookup; equal values hash equal, nothing else is revealed."""
    k = key or keys()
    return hmac.new(k.lookup_key, f"{context}:{value}".encode(), hashlib.sha256).hexdigest()


def lookup_hashes(value: str, *, context: str) -> list[str]:
    """The value's hash under every configured key: lookups keep working during a rotation,
    while some rows still carry hashes made with the old key."""
    return [lookup_hash(value, context=context, key=k) for k in keyring()]


def is_current(token: str) -> bool:
    return token.startswith(f"{CIPHER_PREFIX}:{keys().key_id}:")


@dataclass(frozen=True)
class SealedField:
    """A model field the vault encrypts, with the keyed-hash field beside it (if any)."""

    model_label: str
    cipher_field: str
    context: str
    hash_field: str = ""
    # For a field whose context depends on the row (a correction to an ID or a phone number).
    context_of: Callable[[Any], str] | None = None

    def context_for(self, row: Any) -> str:
        return self.context_of(row) if self.context_of else self.context


SEALED_FIELDS: list[SealedField] = []


def register_sealed(
    model_label: str,
    cipher_field: str,
    *,
    context: str = "",
    hash_field: str = "",
    context_of: Callable[[Any], str] | None = None,
) -> None:
    """Declare a sealed field so that key rotation re-encrypts it (call from AppConfig.ready)."""
    if any(f.model_label == model_label and f.cipher_field == cipher_field for f in SEALED_FIELDS):
        return
    SEALED_FIELDS.append(SealedField(model_label, cipher_field, context, hash_field, context_of))


def mask_id_number(last4: str) -> str:
    """An ID number shown with its last 4 characters only."""
    return "*" * 14 + last4 if last4 else ""


def mask_phone(phone: str) -> str:
    """138****5678."""
    if len(phone) == 11:
        return f"{phone[:3]}****{phone[-4:]}"
    if len(phone) > 4:
        return "*" * (len(phone) - 4) + phone[-4:]
    return "****"
