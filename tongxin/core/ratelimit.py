"""Rate limits on the Django cache, answering 429 with ``Retry-After``.

A fixed window per limit and caller: the first request of a window creates the counter with
``cache.add`` (atomic: only one process wins), every request then ``cache.incr``\\ s it (atomic
on Redis; under the local-memory cache's lock in one process). Windows are aligned to the
clock, so the key names the window and the counter simply expires with it.

Limits are named; their rates live in ``TONGXIN_RATE_LIMITS`` (``{"login": "10/m", ...}``,
``N/s``, ``N/m``, ``N/h``, ``N/d``, or with a multiplier such as ``5/15m``). Three ways in:

- ``RateLimitMiddleware`` applies limits to views by URL name (``TONGXIN_RATE_LIMITED_VIEWS``):
  the sign-in page and the API token endpoint, per client IP, whoever implements them.
- ``@limit("reveal", key="user")`` on a Django view or a ninja operation.
- ``hit("login", request, key="ip")`` from any code; it answers a ``RateLimitResult`` whose
  ``response()`` is the 429 to send, so callers decide what to do.

The first refused request of a window writes one audit row (``rate_limited``, ``denied``), so a
flood cannot flood the audit log too.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Literal

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from . import clock
from .errors import Code, envelope
from .middleware import client_ip
from .security import is_api_path

KeyKind = Literal["ip", "user"]

DEFAULT_RATE_LIMITS: dict[str, str] = {
    "login": "10/m",
    "reveal": "20/h",
    "export": "10/h",
    "public_report": "5/h",
}

# URL name → (HTTP methods, limit, key) applied by ``RateLimitMiddleware``.
DEFAULT_LIMITED_VIEWS: dict[str, tuple[tuple[str, ...], str, KeyKind]] = {
    "login": (("POST",), "login", "ip"),
    "api:issue_token": (("POST",), "login", "ip"),
    # Full ID/phone numbers: per signed-in user (a bearer-token caller counts by IP here,
    # because the API authenticates inside the view).
    "people:reveal": (("POST",), "reveal", "user"),
    "api:reveal_person_field": (("POST",), "reveal", "user"),
}

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


@dataclass(frozen=True)
class Rate:
    """``limit`` requests per ``period`` seconds."""

    limit: int
    period: int


def parse_rate(text: str) -> Rate:
    """``"10/m"`` → ``Rate(10, 60)``; ``"5/15m"`` → ``Rate(5, 900)``."""
    match = _RATE.match(text)
    if not match:
        raise ValueError(f"invalid rate {text!r}: expected N/s, N/m, N/h, N/d or N/<k><unit>")
    count, multiplier, unit = match.groups()
    return Rate(int(count), int(multiplier or 1) * _UNITS[unit])


def rate_for(name: str) -> Rate:
    rates = {**DEFAULT_RATE_LIMITS, **getattr(settings, "TONGXIN_RATE_LIMITS", {})}
    if name not in rates:
        raise KeyError(f"no rate configured for limit {name!r} (TONGXIN_RATE_LIMITS)")
    return parse_rate(rates[name])


@dataclass(frozen=True)
class RateLimitResult:
    """What one counted request learned: allowed or not, and how long until the window ends."""

    name: str
    allowed: bool
    count: int
    limit: int
    retry_after: int

    def response(self, request: HttpRequest) -> HttpResponse:
        return rate_limited_response(request, self)


def _ident(request: HttpRequest, key: KeyKind) -> str:
    if key == "user":
        user = getattr(request, "auth", None) or getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return f"u{user.pk}"
    return "ip" + client_ip(request)


def _cache_key(name: str, ident: str, window: int) -> str:
    namespace = getattr(settings, "TONGXIN_RATE_LIMIT_NAMESPACE", "rl")
    # IPs and ids are hashed so a key never carries a raw address (and has a bounded length).
    digest = hashlib.sha256(ident.encode()).hexdigest()[:24]
    return f"{namespace}:{name}:{digest}:{window}"


def _increment(cache_key: str, timeout: int) -> int:
    if cache.add(cache_key, 1, timeout):
        return 1
    try:
        return int(cache.incr(cache_key))
    except ValueError:
        # The counter expired between add and incr: this request starts the next window.
        cache.add(cache_key, 1, timeout)
        return 1


def _now() -> float:
    """The clock the windows follow: the one clock, as seconds since the epoch."""
    return clock.now().timestamp()


def hit(
    name: str, request: HttpRequest, *, key: KeyKind = "ip", ident: str | None = None
) -> RateLimitResult:
    """Count one request against limit ``name`` for the caller (by IP or by user), or for
    an explicit ``ident`` (an Open311 partner, say)."""
    rate = rate_for(name)
    now = _now()
    window = int(now // rate.period)
    window_end = (window + 1) * rate.period
    who = ident if ident is not None else _ident(request, key)
    count = _increment(_cache_key(name, who, window), rate.period + 5)
    result = RateLimitResult(
        name=name,
        allowed=count <= rate.limit,
        count=count,
        limit=rate.limit,
        retry_after=max(1, math.ceil(window_end - now)),
    )
    if count == rate.limit + 1:
        _audit(request, result, key)
    return result


def _audit(request: HttpRequest, result: RateLimitResult, key: KeyKind) -> None:
    from . import audit

    user = getattr(request, "auth", None) or getattr(request, "user", None)
    audit.record(
        actor=user,
        action="rate_limited",
        result="denied",
        detail={
            "limit": result.name,
            "key": key,
            "path": request.path[:200],
            "method": request.method,
            "count": result.limit,
        },
    )


def _wait_text(seconds: int) -> str:
    if seconds < 60:
        return _("{seconds} 秒").format(seconds=seconds)
    if seconds < 3600:
        return _("{minutes} 分钟").format(minutes=math.ceil(seconds / 60))
    return _("{hours} 小时").format(hours=math.ceil(seconds / 3600))


def rate_limited_response(request: HttpRequest, result: RateLimitResult) -> HttpResponse:
    """429: JSON ``{"code": "RATE_LIMITED", ...}`` under ``/api/``, a page otherwise."""
    message = _("操作过于频繁，请在 {wait}后再试。").format(wait=_wait_text(result.retry_after))
    response: HttpResponse
    if is_api_path(request.path):
        response = JsonResponse(
            envelope(
                Code.RATE_LIMITED,
                message,
                context={"limit": result.name, "retry_after": result.retry_after},
            ),
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        html = render_to_string("core/rate_limited.html", {"message": message}, request=request)
        response = HttpResponse(html, status=429)
    response["Retry-After"] = str(result.retry_after)
    response["Cache-Control"] = "no-store"
    return response


def limit(
    name: str,
    *,
    rate: str | None = None,
    key: KeyKind = "user",
    methods: Iterable[str] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a Django view or a ninja operation with limit ``name``.

    ``rate`` is the default when ``TONGXIN_RATE_LIMITS`` has no entry for ``name`` (the
    setting always wins, so operators can tune a limit without a code change). ``methods``
    restricts counting to those HTTP methods (all methods when omitted). Put it below the
    ninja route decorator (``@router.post(...)`` then ``@limit(...)``): ninja authenticates
    first, so ``key="user"`` sees the token's or the session's user.
    """
    if rate is not None:
        parse_rate(rate)  # fail at import time on a typo
        DEFAULT_RATE_LIMITS.setdefault(name, rate)
    else:
        rate_for(name)
    counted = {m.upper() for m in methods} if methods else None

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if counted is None or request.method in counted:
                result = hit(name, request, key=key)
                if not result.allowed:
                    return result.response(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class RateLimitMiddleware:
    """Applies ``TONGXIN_RATE_LIMITED_VIEWS`` by URL name, so limits need no edit of the views
    themselves (the sign-in view belongs to ``accounts``, the token endpoint to the API).

    Place it after ``RequestIdMiddleware`` so that the audit row carries the request id and IP.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None:
            return None
        views = getattr(settings, "TONGXIN_RATE_LIMITED_VIEWS", DEFAULT_LIMITED_VIEWS)
        rule = views.get(match.view_name)
        if rule is None:
            return None
        methods, name, key = rule
        if request.method not in methods:
            return None
        result = hit(name, request, key=key)
        return None if result.allowed else result.response(request)
