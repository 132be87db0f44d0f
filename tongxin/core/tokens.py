"""Tokens, keys and ids that we mint, in shapes that can never read as personal data.

The leak scanner (``core.testing``), and any DLP tool a street office runs in front of the
system, flags an 11-digit run starting ``1[3-9]`` as a mobile number and 17 digits plus a
check character as an ID number. A hex or base64 token contains such a run now and then (a
32-hex-digit token about once in a few thousand), so a response carrying one looks like a
leak. Everything we mint therefore comes from here:

- :func:`mint` — secrets (API tokens, Open311 keys, upload tokens, check-in and form keys):
  letters only, from an alphabet without the look-alikes ``l``, ``I`` and ``O``, so there is no
  digit at all. 48 symbols give 5.58 bits a character: the default 24 characters carry 134
  bits.
- :func:`mint_uuid` — ids that must stay UUIDs (stored files): a random UUID whose text form
  has no run of more than :data:`MAX_DIGIT_RUN` digits (drawn again otherwise, which costs
  nothing measurable: about one draw in a thousand is redrawn).

Case references (``SQ20261203-000123``) are minted by ``cases.models.case_ref`` and hold at most
8 digits in a row; the demo's phone numbers are data, not minted ids.
"""

from __future__ import annotations

import re
import secrets
import uuid

ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
MAX_DIGIT_RUN = 8  # no run of 11 (a mobile number) or 17 (an ID number) can form
_LONG_DIGIT_RUN = re.compile(rf"\d{{{MAX_DIGIT_RUN + 1},}}")


def mint(length: int = 24) -> str:
    """A random token of ``length`` letters (no digits, so no personal-number shapes)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def has_long_digit_run(text: str) -> bool:
    return _LONG_DIGIT_RUN.search(text) is not None


def mint_uuid() -> uuid.UUID:
    """A random (version 4) UUID whose text form has no long run of digits."""
    while True:
        value = uuid.uuid4()
        if not has_long_digit_run(str(value)) and not has_long_digit_run(value.hex):
            return value
