"""The error codes of notices and the daily log.

Stable: part of the API, each listed in docs/api.md."""

from __future__ import annotations

from enum import StrEnum


class NoticesCode(StrEnum):
    NOT_PUBLISHER = "NOT_PUBLISHER"
    NOT_RECORDER = "NOT_RECORDER"
    NOT_COMMUNITY_MANAGER = "NOT_COMMUNITY_MANAGER"
    SLOT_FULL = "SLOT_FULL"
    ALREADY_BOOKED = "ALREADY_BOOKED"
    SLOT_NOT_BOOKABLE = "SLOT_NOT_BOOKABLE"
