"""When a dependency is away: 503 with ``Retry-After``, never a 500 or a traceback.

Django turns an uncaught exception at any layer (a view, a middleware reading the session)
into ``handler500`` (:func:`server_error`). An exception that says the database or Redis could
not be reached — or that a connection died mid-request — answers 503 with ``Retry-After``:
the API in the error envelope (``SERVICE_UNAVAILABLE``), Open311 in its own error shape, pages
with a page of their own that needs neither the database nor a session. Anything else is a
real bug: the API answers the envelope (``INTERNAL_ERROR``, with the request id to quote), pages
the 500 page. The transaction of the request was rolled back by the database, so nothing is
half-written (``ATOMIC`` service functions; ``core/tests/test_outage.py``).
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _

from .errors import Code, DomainError

RETRY_AFTER = 5  # seconds

try:  # the cache and rate limits may live in Redis
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    _REDIS: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError)
except ImportError:  # pragma: no cover
    _REDIS = ()

OUTAGES: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, *_REDIS)


class Unavailable(DomainError):
    code = Code.SERVICE_UNAVAILABLE
    status = 503


class InternalError(DomainError):
    code = Code.INTERNAL_ERROR
    status = 500


def is_outage(exc: BaseException | None) -> bool:
    """Whether ``exc``, or what caused it, says a dependency could not be reached."""
    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, OUTAGES):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def unavailable(request: HttpRequest) -> HttpResponse:
    from .input_guard import answer_for

    answer = answer_for(request)
    if answer is None:  # a page: no database, no session, no context processors
        body = loader.render_to_string("503.html", {"retry_after": RETRY_AFTER})
        response = HttpResponse(body, status=503)
    else:
        message = _("系统暂时无法访问（正在恢复），请 {seconds} 秒后重试")
        response = answer(request, Unavailable(message.format(seconds=RETRY_AFTER)))
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``."""
    from .input_guard import answer_for

    if is_outage(sys.exc_info()[1]):
        return unavailable(request)
    answer = answer_for(request)
    if answer is None:
        return HttpResponse(loader.render_to_string("500.html"), status=500)
    rid = getattr(request, "request_id", "")
    error = InternalError(
        _("服务器内部错误，已记录。请稍后重试，或把请求号 {request_id} 告诉系统管理员").format(
            request_id=rid
        ),
        context={"request_id": rid},
    )
    return answer(request, error)
