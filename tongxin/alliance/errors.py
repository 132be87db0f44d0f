"""The error codes of the co-building alliance.

Stable: part of the API, each listed in docs/api.md (a test checks)."""

from __future__ import annotations

from enum import StrEnum

from tongxin.core.errors import DomainError


class AllianceCode(StrEnum):
    UNIT_KIND_NOT_ALLOWED = "UNIT_KIND_NOT_ALLOWED"
    SCORECARD_NOT_OPEN = "SCORECARD_NOT_OPEN"
    PUBLICATION_WINDOW_OPEN = "PUBLICATION_WINDOW_OPEN"
    BAD_FORMULA = "BAD_FORMULA"


class UnitKindNotAllowed(DomainError):
    """Only organisations of a unit kind (co-building unit, department, enterprise, social
    organisation…) join an alliance (422)."""

    code = AllianceCode.UNIT_KIND_NOT_ALLOWED
    status = 422


class ScorecardNotOpen(DomainError):
    """The scorecard is not in its publication window: objections are closed, or it is
    final and no longer recomputed (409)."""

    code = AllianceCode.SCORECARD_NOT_OPEN
    status = 409


class PublicationWindowOpen(DomainError):
    """The publication window has not ended, or objections wait for an answer (409)."""

    code = AllianceCode.PUBLICATION_WINDOW_OPEN
    status = 409


class BadFormula(DomainError):
    """The scoring formula cannot be evaluated; ``fields`` names the place (422)."""

    code = AllianceCode.BAD_FORMULA
    status = 422
