"""The error codes of service matching (needs, resources, 微心愿).

Stable: part of the API, each listed in docs/api.md (a test checks)."""

from __future__ import annotations

from enum import StrEnum

from tongxin.core.errors import DomainError


class MatchingCode(StrEnum):
    NOT_NEED_PARTY = "NOT_NEED_PARTY"
    WISH_LIMIT_REACHED = "WISH_LIMIT_REACHED"


class WishLimitReached(DomainError):
    """The claimer holds as many wishes of the campaign as it allows (409)."""

    code = MatchingCode.WISH_LIMIT_REACHED
    status = 409
