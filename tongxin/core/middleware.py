"""Request-scoped context: a request id (echoed as ``X-Request-ID``) and the client IP."""

from __future__ import annotations

import contextvars
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from . import tokens

current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "tongxin_current_request", default=None
)


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind ``TONGXIN_PROXY_COUNT`` reverse proxies (production: one),
    it is the entry that the outermost of our proxies appended to ``X-Forwarded-For`` — the
    entries before it are whatever the client sent, and cannot be trusted."""
    proxies = int(getattr(settings, "TONGXIN_PROXY_COUNT", 0))
    if proxies > 0:
        forwarded = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies][:64]
    return request.META.get("REMOTE_ADDR", "")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = tokens.mint(24)  # type: ignore[attr-defined]
        token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response
