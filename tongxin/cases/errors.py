"""The error codes of cases.

Stable: part of the API, each listed in docs/api.md (a test checks)."""

from __future__ import annotations

from enum import StrEnum


class CaseCode(StrEnum):
    REPORT_FORBIDDEN = "REPORT_FORBIDDEN"
    UPLOAD_FORBIDDEN = "UPLOAD_FORBIDDEN"
    ALREADY_SUPPORTED = "ALREADY_SUPPORTED"
