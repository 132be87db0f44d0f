"""The error codes of login, tokens and the second factor.

Stable: part of the API, each listed in docs/api.md (a test checks)."""

from __future__ import annotations

from enum import StrEnum


class AccountCode(StrEnum):
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    OTP_REQUIRED = "OTP_REQUIRED"
    OTP_INVALID = "OTP_INVALID"
    OTP_ENROLMENT_REQUIRED = "OTP_ENROLMENT_REQUIRED"
    SECOND_FACTOR_REQUIRED = "SECOND_FACTOR_REQUIRED"
    LOGIN_LOCKED = "LOGIN_LOCKED"
