"""Reads on a PostgreSQL streaming replica, and a user's own writes always visible to them.

With ``TONGXIN_REPLICA_URL`` set, the database alias ``replica`` exists and:

- the GET and HEAD requests of the URL patterns in ``TONGXIN_REPLICA_ROUTES`` (worklists, lists,
  measures and map layers: the reads that are many and heavy) read from it
  (:class:`ReplicaMiddleware` marks the request, :class:`ReplicaRouter` routes its reads);
- everything else reads from the primary, and every write goes to the primary;
- accounts, sessions and tokens are always read from the primary, so signing in and a token
  issued a moment ago work whatever the replica's lag;
- after any write request (POST, PUT, PATCH, DELETE) the client gets a short-lived cookie
  (``TONGXIN_REPLICA_PIN_SECONDS``, 10 s by default) under which all its reads stay on the
  primary: what a user has just done shows in the list they come back to. A cookie, not server
  state, so it holds across several app servers.

Without a replica the router does nothing.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "tongxin_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Who is asking is always answered by the primary.
PRIMARY_ONLY = frozenset(
    {
        "accounts.user",
        "accounts.apitoken",
        "accounts.totpdevice",
        "accounts.loginattempt",
        "sessions.session",
        "auth.permission",
        "contenttypes.contenttype",
    }
)

_reads_on_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "tongxin_reads_on_replica", default=False
)


def configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _reads_on_replica.get() and model._meta.label_lower not in PRIMARY_ONLY:
            return REPLICA
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database, two copies of it

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA


class ReplicaMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        finally:
            token = getattr(request, "_tongxin_replica_token", None)
            if token is not None:
                _reads_on_replica.reset(token)
        if configured() and request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=int(getattr(settings, "TONGXIN_REPLICA_PIN_SECONDS", 10)),
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        if not configured() or request.method not in ("GET", "HEAD"):
            return
        if PIN_COOKIE in request.COOKIES:
            return  # this client wrote a moment ago
        match = request.resolver_match
        if match is not None and match.route in settings.TONGXIN_REPLICA_ROUTES:
            request._tongxin_replica_token = _reads_on_replica.set(True)  # type: ignore[attr-defined]
