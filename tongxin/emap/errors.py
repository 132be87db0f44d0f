"""The error codes of the e-map.

Stable: part of the API, each listed in docs/api.md (a test checks)."""

from __future__ import annotations

from enum import StrEnum


class MapCode(StrEnum):
    MAP_EDIT_NOT_ALLOWED = "MAP_EDIT_NOT_ALLOWED"
    CARE_NOT_ALLOWED = "CARE_NOT_ALLOWED"
    GEOMETRY_RULES = "GEOMETRY_RULES"
