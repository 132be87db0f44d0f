"""Domain errors with stable codes.

Services raise these; the API maps them to JSON ``{"code", "message", "details"}`` and the web
views to messages. Codes are part of the public interface: never rename one.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal the user can understand: a stable ``code`` and a message in their language."""

    code = "DOMAIN_ERROR"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class NotFound(DomainError):
    """Missing, or out of the caller's scope: the two are indistinguishable on purpose."""

    code = "NOT_FOUND"
    status = 404

    def __init__(self, message: str = "未找到该对象", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)


class Forbidden(DomainError):
    """The caller may see the object but not do this to it."""

    code = "FORBIDDEN"
    status = 403


class ValidationFailed(DomainError):
    """Input failed validation; ``details`` maps field names (or row numbers) to reasons."""

    code = "VALIDATION_FAILED"
    status = 422
