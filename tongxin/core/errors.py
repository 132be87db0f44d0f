"""Domain errors with stable codes, and the one error envelope.

Services raise these; the API answers every refusal with the same JSON body::

    {"code": "VALIDATION_FAILED", "message": "…", "fields": [{"field": "…", "reason": "…"}],
     "context": {…}}

``code`` is stable (part of the public interface: never rename one); ``message`` is for people,
in their language; ``fields`` lists every bad input at once, each ``{field, reason}`` (an
empty list when no field is to blame); ``context`` carries figures a client may use (the
current state, a balance), or is null. Web views show ``message`` and the field reasons.

Codes are declared per app as a ``StrEnum`` (``core.errors.Code`` for the shared ones, e.g.
``cases.errors.CaseCode``) and every code raised is listed in ``docs/api.md`` (a test checks).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _


class Code(StrEnum):
    """The codes every app shares."""

    DOMAIN_ERROR = "DOMAIN_ERROR"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    ACTION_FORBIDDEN = "ACTION_FORBIDDEN"
    VALIDATION_FAILED = "VALIDATION_FAILED"
    TRANSITION_NOT_ALLOWED = "TRANSITION_NOT_ALLOWED"
    UNKNOWN_ACTION = "UNKNOWN_ACTION"
    RATE_LIMITED = "RATE_LIMITED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    HTTP_ERROR = "HTTP_ERROR"
    MALFORMED_BODY = "MALFORMED_BODY"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    # An Idempotency-Key sent again with a different request (redemption, intake).
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


FieldError = dict[str, str]


def field_errors(errors: Iterable[tuple[str, str]] | Mapping[str, Any]) -> list[FieldError]:
    """``[{field, reason}]`` from pairs, or from a mapping of field to a reason or reasons
    (Django's ``ValidationError.message_dict`` shape)."""
    out: list[FieldError] = []
    if isinstance(errors, Mapping):
        for name, reasons in errors.items():
            if isinstance(reasons, str):
                reasons = [reasons]
            out.extend({"field": str(name), "reason": str(r)} for r in reasons)
        return out
    return [{"field": str(name), "reason": str(reason)} for name, reason in errors]


def reasons_by_field(fields: Iterable[FieldError]) -> dict[str, list[str]]:
    """The reasons grouped by field, for a form that shows them beside each field."""
    out: dict[str, list[str]] = {}
    for f in fields:
        out.setdefault(f["field"], []).append(f["reason"])
    return out


class DomainError(Exception):
    """A refusal the user can understand: a stable ``code`` and a message in their language,
    the fields to blame (``[{field, reason}]``) and optional ``context``."""

    code: str = Code.DOMAIN_ERROR
    status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: Iterable[FieldError] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        if code:
            self.code = str(code)
        self.fields: list[FieldError] = [
            {"field": str(f["field"]), "reason": str(f["reason"])} for f in fields or ()
        ]
        self.context: dict[str, Any] | None = dict(context) if context else None

    def body(self) -> dict[str, Any]:
        """The error envelope."""
        return {
            "code": self.code,
            "message": self.message,
            "fields": self.fields,
            "context": self.context,
        }


def envelope(
    code: str,
    message: str,
    fields: Iterable[FieldError] = (),
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The error envelope for a refusal that is not a ``DomainError`` (authentication, rate
    limits, malformed requests)."""
    return DomainError(message, code=code, fields=fields, context=context).body()


class Problems:
    """Collects every field error of an input, so that a service reports them all at once::

    problems = Problems()
    if not description:
        problems.add("description", "请描述问题")
    category = problems.check(find_category, code)  # None if it raised ValidationFailed
    problems.raise_if_any()
    """

    def __init__(self) -> None:
        self.fields: list[FieldError] = []

    def add(self, field: str, reason: str) -> None:
        self.fields.append({"field": field, "reason": reason})

    def check(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)``, or None after recording its ``ValidationFailed``."""
        try:
            return fn(*args, **kwargs)
        except ValidationFailed as exc:
            self.fields.extend(exc.fields or [{"field": "", "reason": exc.message}])
            return None

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(self.fields[0]["reason"], fields=self.fields)


class NotFound(DomainError, Http404):
    """Missing, or out of the caller's scope: the two are indistinguishable on purpose. An
    ``Http404`` too, so a page that lets it through answers Django's 404 page."""

    code = Code.NOT_FOUND
    status = 404

    def __init__(self, message: str = "", **kwargs: Any) -> None:
        super().__init__(message or _("未找到该对象"), **kwargs)


class Forbidden(DomainError, PermissionDenied):
    """The caller may see the object but not do this to it (a ``PermissionDenied`` too: a
    page answers Django's 403 page with the message)."""

    code = Code.FORBIDDEN
    status = 403


class ValidationFailed(DomainError):
    """Input failed validation; ``fields`` names every bad field (or row) with its reason."""

    code = Code.VALIDATION_FAILED
    status = 422


class TransitionRefused(DomainError):
    """The act is not allowed from the object's current state (``core.statemachine``)."""

    code = Code.TRANSITION_NOT_ALLOWED
    status = 409
