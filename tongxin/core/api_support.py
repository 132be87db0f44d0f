"""What every app's API router uses: the caller of a request, pagination, the error
envelope's schema and the one mapping of errors to it (``install_error_handlers``, called
where the API is assembled, ``config/api.py``)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from . import clock, paging
from .actors import Actor
from .errors import Code, DomainError, ValidationFailed, envelope
from .input_guard import too_large


def _plain_text(value: Any) -> Any:
    return str(value) if isinstance(value, Promise) else value


# A string field that also takes a lazy translation (a choice's label, a module-level text):
# pydantic refuses lazy objects for ``str``, so every label field in a schema is ``Text``.
Text = Annotated[str, BeforeValidator(_plain_text)]

MOMENT_YEARS = (1900, 2200)
MAX_OFFSET = dt.timedelta(hours=14)  # UTC-12 .. UTC+14 are the zones there are


def _plausible_moment(value: dt.datetime) -> dt.datetime:
    """A moment a person means: within the years above and with a real zone offset (a naive
    one is in the community's zone). PostgreSQL refuses offsets beyond ±16 h, so without this
    such input was a 500."""
    if value.tzinfo is None:
        value = clock.local(value)
    offset = value.utcoffset() or dt.timedelta(0)
    if abs(offset) > MAX_OFFSET:
        raise PydanticCustomError("moment_offset", _("时区偏移应在 -12:00 到 +14:00 之间"))
    low, high = MOMENT_YEARS
    if not low <= value.year <= high:
        raise PydanticCustomError(
            "moment_year", _("年份应在 {low} 到 {high} 之间").format(low=low, high=high)
        )
    return value


# A date-time input of the API: ``Moment`` rather than ``datetime``.
Moment = Annotated[dt.datetime, AfterValidator(_plausible_moment)]


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Chinese text as UTF-8 characters rather than ``\\uXXXX`` escapes."""

    json_dumps_params = {"ensure_ascii": False}


class FieldErrorOut(Schema):
    field: str
    reason: str


class ErrorOut(Schema):
    """The one error envelope (``core.errors``)."""

    code: str
    message: str
    fields: list[FieldErrorOut] = []
    context: dict[str, Any] | None = None


def caller(request: HttpRequest) -> Actor:
    """The authenticated user of an API request (bearer token or session)."""
    return request.auth  # type: ignore[attr-defined]


class PageMeta(Schema):
    """The figures every paginated answer carries beside its ``items``: ``count`` is exact
    when ``count_exact``, else a lower bound (a large list counts at most
    ``TONGXIN_COUNT_CAP`` rows); ``next_cursor``, on lists that give one, asks for the rows
    after this page (``?cursor=…``), however deep."""

    count: int
    count_exact: bool = True
    page: int
    page_size: int
    next_cursor: str | None = None


@dataclass(frozen=True)
class PageSlice:
    """One page of a list: the rows on it and the figures the answer carries."""

    items: list[Any]
    count: int
    page: int
    page_size: int
    count_exact: bool = True
    next_cursor: str | None = None

    def answer(self, items: list[Any] | None = None) -> dict[str, Any]:
        """The JSON answer ``{"items", "count", "count_exact", "page", "page_size",
        "next_cursor"}``."""
        return {
            "items": self.items if items is None else items,
            "count": self.count,
            "count_exact": self.count_exact,
            "page": self.page,
            "page_size": self.page_size,
            "next_cursor": self.next_cursor,
        }


def page_size() -> int:
    return int(getattr(settings, "TONGXIN_PAGE_SIZE", 20))


def count_cap() -> int:
    return int(getattr(settings, "TONGXIN_COUNT_CAP", 1000))


def paginate(
    queryset: QuerySet[Any], page: int, *, cursor: str = "", large: bool = False
) -> PageSlice:
    """Page ``page`` (1-based) of ``queryset``: one COUNT and one bounded SELECT.

    Page 1 always exists (possibly empty); a page below 1, or past the last page, is refused
    with 422 ``VALIDATION_FAILED`` so that a client never mistakes a bad page number for an
    empty result.

    ``large`` (a list whose scope may hold very many rows, ordered by plain fields): the
    count stops at ``count_cap()`` (``count_exact`` false beyond), every page but the last
    carries ``next_cursor``, and ``cursor`` continues after the row it names by an index
    range (keyset pagination, ``core.paging``) instead of an offset; with a cursor, ``page``
    is not used and is answered as 0.
    """
    size = page_size()
    if not large:
        if cursor:
            raise _bad_cursor()
        if page < 1:
            raise _bad_page(_("页码应为从 1 开始的整数"))
        count = queryset.count()
        pages = max(1, math.ceil(count / size))
        if page > pages:
            raise _bad_page(_("页码超出范围：共 {pages} 页").format(pages=pages))
        start = (page - 1) * size
        return PageSlice(list(queryset[start : start + size]), count, page, size)
    count, exact = paging.capped_count(queryset, count_cap())
    if cursor:
        try:
            rows = list(paging.after(queryset, cursor)[: size + 1])
        except paging.BadCursor:
            raise _bad_cursor() from None
        page = 0
    else:
        if page < 1:
            raise _bad_page(_("页码应为从 1 开始的整数"))
        pages = max(1, math.ceil(count / size))
        if page > pages:
            if exact:
                raise _bad_page(_("页码超出范围：共 {pages} 页").format(pages=pages))
            raise _bad_page(
                _("超过前 {count} 条的页请用上一页给出的 next_cursor 翻页").format(count=count)
            )
        start = (page - 1) * size
        rows = list(paging.ordered(queryset)[start : start + size + 1])
    more = len(rows) > size
    rows = rows[:size]
    following = paging.cursor_of(queryset, rows[-1]) if more and rows else None
    return PageSlice(rows, count, page, size, count_exact=exact, next_cursor=following)


def _bad_cursor() -> ValidationFailed:
    reason = _("翻页标记无效，请从第一页重新开始")
    return ValidationFailed(reason, fields=[{"field": "query.cursor", "reason": reason}])


def _bad_page(reason: str) -> ValidationFailed:
    return ValidationFailed(reason, fields=[{"field": "query.page", "reason": reason}])


def _reason_zh(error: dict[str, Any]) -> str:
    """A Chinese reason for the common pydantic error types (the English one otherwise)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("缺少必填项")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("应为整数")
    if kind in ("float_parsing", "float_type"):
        return _("应为数字")
    if kind in ("bool_parsing", "bool_type"):
        return _("应为 true 或 false")
    if kind.startswith("date") or kind.startswith("datetime"):
        return _("日期格式应为 YYYY-MM-DD")
    if kind in ("enum", "literal_error"):
        return _("取值应为以下之一：{choices}").format(choices=ctx.get("expected", "")).rstrip("：")
    if kind == "greater_than_equal":
        return _("应大于或等于 {minimum}").format(minimum=ctx.get("ge"))
    if kind == "less_than_equal":
        return _("应小于或等于 {maximum}").format(maximum=ctx.get("le"))
    if kind == "string_too_long":
        return _("不能超过 {max_length} 个字符").format(max_length=ctx.get("max_length"))
    if kind in ("json_invalid", "model_attributes_type", "dict_type"):
        return _("请求体应为 JSON 对象")
    return str(error.get("msg", ""))


def install_error_handlers(api: NinjaAPI) -> None:
    """Answer every refusal of ``api`` with the error envelope."""

    @api.exception_handler(DomainError)
    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return api.create_response(request, exc.body(), status=exc.status)

    @api.exception_handler(NinjaValidationError)
    def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields = [
            {"field": ".".join(str(p) for p in e.get("loc", [])), "reason": _reason_zh(e)}
            for e in exc.errors
        ]
        return api.create_response(
            request, envelope(Code.VALIDATION_FAILED, _("请求参数不正确"), fields), status=422
        )

    @api.exception_handler(AuthenticationError)
    def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request, envelope(Code.UNAUTHENTICATED, _("请先登录或提供有效令牌")), status=401
        )

    @api.exception_handler(Http404)
    def on_http404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, envelope(Code.NOT_FOUND, _("未找到该对象")), status=404)

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, DomainError):  # the body parser's refusal, wrapped by ninja
            return on_domain_error(request, exc.__cause__)
        return api.create_response(
            request, envelope(Code.HTTP_ERROR, str(exc)), status=exc.status_code
        )

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return on_domain_error(request, too_large())
