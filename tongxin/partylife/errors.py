"""The error codes of party life and the party scorecards.

Stable: part of the API, each listed in docs/api.md (a test checks)."""

from __future__ import annotations

from enum import StrEnum

from tongxin.core.errors import DomainError


class PartyCode(StrEnum):
    UNKNOWN_SCORECARD_KIND = "UNKNOWN_SCORECARD_KIND"
    EXCELLENT_CAP_EXCEEDED = "EXCELLENT_CAP_EXCEEDED"
    APPRAISAL_CLOSED = "APPRAISAL_CLOSED"
    NOMINATION_QUOTA_EXCEEDED = "NOMINATION_QUOTA_EXCEEDED"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    NOMINATION_LOCKED = "NOMINATION_LOCKED"


class UnknownScorecardKind(DomainError):
    """No scorecard kind of that code (400); ``fields`` lists the kinds there are."""

    code = PartyCode.UNKNOWN_SCORECARD_KIND
    status = 400


class ExcellentCapExceeded(DomainError):
    """The grading gives 优秀 to more than the cap allows (at most a third) (422)."""

    code = PartyCode.EXCELLENT_CAP_EXCEEDED
    status = 422


class AppraisalClosed(DomainError):
    """The appraisal has been graded: no more self-appraisals or votes (409)."""

    code = PartyCode.APPRAISAL_CLOSED
    status = 409


class NominationQuotaExceeded(DomainError):
    """The list would hold more nominees of a title than the organisation's quota (422)."""

    code = PartyCode.NOMINATION_QUOTA_EXCEEDED
    status = 422


class NotEligible(DomainError):
    """The candidate cannot be nominated; ``fields`` carries the reasons (422)."""

    code = PartyCode.NOT_ELIGIBLE
    status = 422


class NominationLocked(DomainError):
    """The list is not in a state that allows the act (submitted, published, final) (409)."""

    code = PartyCode.NOMINATION_LOCKED
    status = 409
