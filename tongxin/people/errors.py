"""The error codes of the residents' rights.

Stable: part of the API, each listed in docs/api.md (a test checks)."""

from __future__ import annotations

from enum import StrEnum


class PeopleCode(StrEnum):
    CORRECTION_ALREADY_OPEN = "CORRECTION_ALREADY_OPEN"
    PERSON_ALREADY_ERASED = "PERSON_ALREADY_ERASED"
