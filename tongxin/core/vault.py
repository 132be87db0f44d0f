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
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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


def _read_secret() -> str:
    if settings.TONGXIN_PII_KEY:
        return settings.TONGXIN_PII_KEY
    path = Path(settings.TONGXIN_PII_KEY_FILE)
    if path.exists():
        return path.read_text().strip()
    if settings.TONGXIN_PII_KEY_AUTOCREATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        return path.read_text().strip()
    raise ImproperlyConfigured(
        "No personal-information key: set TONGXIN_PII_KEY or create TONGXIN_PII_KEY_FILE"
    )


@lru_cache(maxsize=1)
def keys() -> VaultKeys:
    secret = _read_secret()
    if len(secret) < 32:
        raise ImproperlyConfigured("The personal-information key must be at least 32 characters")
    key_id = hashlib.sha256(secret.encode()).hexdigest()[:8]
    return VaultKeys(
        key_id=key_id,
        encryption_key=_derive(secret, b"tongxin/pii/encrypt"),
        lookup_key=_derive(secret, b"tongxin/pii/lookup"),
    )


def encrypt(value: str, *, context: str) -> str:
    """Encrypt ``value``; ``context`` (the field name) is bound as associated data."""
    k = keys()
    nonce = secrets.token_bytes(12)
    sealed = k.aead.encrypt(nonce, value.encode(), context.encode())
    return f"{CIPHER_PREFIX}:{k.key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, context: str) -> str:
    prefix, key_id, payload = token.split(":", 2)
    k = keys()
    if prefix != CIPHER_PREFIX or key_id != k.key_id:
        raise ImproperlyConfigured(f"Ciphertext was made with key {key_id}, not the current key")
    raw = base64.urlsafe_b64decode(payload)
    return k.aead.decrypt(raw[:12], raw[12:], context.encode()).decode()


def lookup_hash(value: str, *, context: str) -> str:
    """A keyed hash for exact lookup; equal values hash equal, nothing else is revealed."""
    return hmac.new(keys().lookup_key, f"{context}:{value}".encode(), hashlib.sha256).hexdigest()


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
