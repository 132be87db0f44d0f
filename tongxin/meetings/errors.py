"""The error codes of the meeting mechanism. Stable: part of the API, each listed in
docs/api.md (a test checks)."""

from __future__ import annotations

from enum import StrEnum

from tongxin.core.errors import DomainError


class MeetingsCode(StrEnum):
    NOT_INVITED = "NOT_INVITED"
    SIGNIN_TOKEN_INVALID = "SIGNIN_TOKEN_INVALID"  # noqa: S105 - an error code
    SIGNIN_CLOSED = "SIGNIN_CLOSED"
    ALREADY_SIGNED_IN = "ALREADY_SIGNED_IN"
    MINUTES_REQUIRED = "MINUTES_REQUIRED"
    MEETING_NOT_HELD = "MEETING_NOT_HELD"


class NotInvited(DomainError):
    """The person holds no seat at the meeting (no invitation as a person, post or unit)."""

    code = MeetingsCode.NOT_INVITED
    status = 403


class SignInTokenInvalid(DomainError):
    """The QR code's token is wrong or has expired (scan the code shown now)."""

    code = MeetingsCode.SIGNIN_TOKEN_INVALID
    status = 403


class SignInClosed(DomainError):
    """The meeting no longer takes sign-ins or apologies (cancelled, archived)."""

    code = MeetingsCode.SIGNIN_CLOSED
    status = 409


class AlreadySignedIn(DomainError):
    """An apology for a seat someone already signed in to."""

    code = MeetingsCode.ALREADY_SIGNED_IN
    status = 409


class MinutesRequired(DomainError):
    """Recording the minutes needs their text."""

    code = MeetingsCode.MINUTES_REQUIRED
    status = 422


class MeetingNotHeld(DomainError):
    """Resolutions are recorded for a meeting that took place (held or minuted)."""

    code = MeetingsCode.MEETING_NOT_HELD
    status = 409
