"""The error codes of red property.

Stable: part of the API, each listed in docs/api.md (a test checks)."""

from __future__ import annotations

from enum import StrEnum

from tongxin.core.errors import DomainError


class PropertyCode(StrEnum):
    INSPECTION_ALREADY_SUBMITTED = "INSPECTION_ALREADY_SUBMITTED"
    ALREADY_RATED = "ALREADY_RATED"
    WINDOW_CLOSED = "WINDOW_CLOSED"
    SURVEY_ALREADY_ANSWERED = "SURVEY_ALREADY_ANSWERED"


class AlreadyInspected(DomainError):
    """A panelist inspects an estate once a month (409)."""

    code = PropertyCode.INSPECTION_ALREADY_SUBMITTED
    status = 409


class AlreadyRated(DomainError):
    """A repair case is rated once (409)."""

    code = PropertyCode.ALREADY_RATED
    status = 409


class WindowClosed(DomainError):
    """The month is already published, or its objection window has closed (409)."""

    code = PropertyCode.WINDOW_CLOSED
    status = 409


class AlreadyAnswered(DomainError):
    """A sampled household answers the month's satisfaction survey once (409)."""

    code = PropertyCode.SURVEY_ALREADY_ANSWERED
    status = 409
