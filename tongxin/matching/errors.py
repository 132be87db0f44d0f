"""The error codes of service matching (needs, resources, 微心愿, 邻里互助站).

Stable: part of the API, each listed in docs/api.md (a test checks)."""

from __future__ import annotations

from enum import StrEnum

from tongxin.core.errors import DomainError


class MatchingCode(StrEnum):
    NOT_NEED_PARTY = "NOT_NEED_PARTY"
    WISH_LIMIT_REACHED = "WISH_LIMIT_REACHED"
    DONATION_REFUSED = "DONATION_REFUSED"
    STOCK_SHORT = "STOCK_SHORT"
    FUND_SHORT = "FUND_SHORT"
    PROJECT_FUNDS_SHORT = "PROJECT_FUNDS_SHORT"
    MILESTONES_OPEN = "MILESTONES_OPEN"
    NOT_PROJECT_MANAGER = "NOT_PROJECT_MANAGER"


class WishLimitReached(DomainError):
    """The claimer holds as many wishes of the campaign as it allows (409)."""

    code = MatchingCode.WISH_LIMIT_REACHED
    status = 409


class DonationRefused(DomainError):
    """The station's rules refuse these goods (medicine; food with too short a shelf life)."""

    code = MatchingCode.DONATION_REFUSED
    status = 422


class StockShort(DomainError):
    """The station holds less of the item than asked for (409)."""

    code = MatchingCode.STOCK_SHORT
    status = 409


class FundShort(DomainError):
    """The 互助基金 holds less than the help asked for (409)."""

    code = MatchingCode.FUND_SHORT
    status = 409


class ProjectFundsShort(DomainError):
    """An expense larger than what the project holds (raised − spent) (409)."""

    code = MatchingCode.PROJECT_FUNDS_SHORT
    status = 409


class MilestonesOpen(DomainError):
    """Closing a project whose milestones are not all done, without a waiver reason (409)."""

    code = MatchingCode.MILESTONES_OPEN
    status = 409
