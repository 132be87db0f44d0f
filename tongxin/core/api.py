"""The API root: authentication, error mapping, and the routers of every app."""

from __future__ import annotations

import math
from typing import Any

from django.contrib.auth import authenticate
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, SessionAuth

from tongxin.core import clock

from .errors import Code, DomainError, envelope


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from tongxin.accounts.models import ApiToken

        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Chinese text as UTF-8 characters rather than ``\\uXXXX`` escapes."""

    json_dumps_params = {"ensure_ascii": False}


API_DESCRIPTION = """同心 Tongxin: places, people, households, organisations and posts.

Authenticate with `POST /api/v1/auth/token` and send `Authorization: Bearer <token>`, or use
a logged-in browser session. Every answer is limited to what the caller may see; anything out
of scope answers 404 `NOT_FOUND`, exactly like something that does not exist. Errors have the
body `{"code", "message", "fields": [{"field", "reason"}], "context"}`. ID and phone numbers
are always masked. See docs/api.md.
"""

api = NinjaAPI(
    title="同心 Tongxin API",
    version="1",
    description=API_DESCRIPTION,
    renderer=Utf8JSONRenderer(),
    urls_namespace="api",
    auth=[BearerAuth(), SessionAuth()],
    docs_url="/docs",
)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.body(), status=exc.status)


def _reason_zh(error: dict[str, Any]) -> str:
    """A Chinese reason for the common pydantic error types (the English one otherwise)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "缺少必填项"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "应为整数"
    if kind in ("float_parsing", "float_type"):
        return "应为数字"
    if kind in ("bool_parsing", "bool_type"):
        return "应为 true 或 false"
    if kind.startswith("date") or kind.startswith("datetime"):
        return "日期格式应为 YYYY-MM-DD"
    if kind in ("enum", "literal_error"):
        return f"取值应为以下之一：{ctx.get('expected', '')}".rstrip("：")
    if kind == "greater_than_equal":
        return f"应大于或等于 {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"应小于或等于 {ctx.get('le')}"
    if kind == "string_too_long":
        return f"不能超过 {ctx.get('max_length')} 个字符"
    if kind in ("json_invalid", "model_attributes_type", "dict_type"):
        return "请求体应为 JSON 对象"
    return str(error.get("msg", ""))


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = [
        {"field": ".".join(str(p) for p in e.get("loc", [])), "reason": _reason_zh(e)}
        for e in exc.errors
    ]
    return api.create_response(
        request, envelope(Code.VALIDATION_FAILED, "请求参数不正确", fields), status=422
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, envelope("UNAUTHENTICATED", "请先登录或提供有效令牌"), status=401
    )


@api.exception_handler(Http404)
def on_http404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, envelope(Code.NOT_FOUND, "未找到该对象"), status=404)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, envelope("HTTP_ERROR", str(exc)), status=exc.status_code)


class TokenIn(Schema):
    username: str
    password: str
    otp: str = ""  # the authenticator's code (or a recovery code), for accounts with 2FA


class TokenOut(Schema):
    token: str
    expires_at: str


class FieldErrorOut(Schema):
    field: str
    reason: str


class ErrorOut(Schema):
    """The one error envelope (``core.errors``)."""

    code: str
    message: str
    fields: list[FieldErrorOut] = []
    context: dict[str, Any] | None = None


@api.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    tags=["auth"],
)
def issue_token(request: HttpRequest, payload: TokenIn) -> Any:
    """Exchange a username and password for a bearer token (valid 12 hours).

    Accounts that need the second factor also send ``otp``: the 6-digit code of their
    authenticator app or one of their recovery codes (401 ``OTP_REQUIRED`` / ``OTP_INVALID``
    otherwise; 403 ``OTP_ENROLMENT_REQUIRED`` until they have enrolled on the web). Five
    failures within 15 minutes lock the account, and the caller's address, for 30 minutes:
    429 ``LOGIN_LOCKED`` with ``Retry-After``.
    """
    from tongxin.accounts import lockout, second_factor
    from tongxin.accounts.models import ApiToken

    from . import audit
    from .middleware import client_ip

    def locked(lock: Any) -> HttpResponse:
        response = api.create_response(
            request,
            envelope(
                "LOGIN_LOCKED",
                lock.message,
                context={"scope": lock.scope, "until": lock.until.isoformat()},
            ),
            status=429,
        )
        wait = (lock.until - clock.now()).total_seconds()
        response["Retry-After"] = str(max(1, math.ceil(wait)))
        return response

    ip = client_ip(request)
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:  # the backend has recorded and audited the attempt
        lock = lockout.current_lock(payload.username, ip)
        if lock is not None:
            return locked(lock)
        return Status(401, envelope("INVALID_CREDENTIALS", "用户名或密码错误"))
    state = second_factor.state_for(user)
    if state == second_factor.ENROL:
        audit.record(actor=user, action="api_token", result="denied", detail={"reason": "enrol"})
        return Status(
            403,
            envelope("OTP_ENROLMENT_REQUIRED", "该账号须先在网页上启用双因素认证，再申请令牌"),
        )
    if state == second_factor.VERIFY:
        if not payload.otp.strip():
            return Status(401, envelope("OTP_REQUIRED", "该账号已启用双因素认证，请提供验证码 otp"))
        if second_factor.verify(user=user, code=payload.otp) is None:
            lock = lockout.register_attempt(
                username=payload.username,
                ip=ip,
                outcome=lockout.Outcome.FAILED,
                channel="api",
                user=user,
                reason="bad_code",
            )
            if lock is not None:
                return locked(lock)
            return Status(401, envelope("OTP_INVALID", "验证码不正确或已经用过"))
    token, raw = ApiToken.issue(user, name="api")
    audit.record(actor=user, action="api_token", obj=token)
    return Status(200, {"token": raw, "expires_at": token.expires_at.isoformat()})


def register_routers() -> None:
    from tongxin.cases.api import router as cases_router
    from tongxin.inbox.api import router as inbox_router
    from tongxin.orgs.api import router as orgs_router
    from tongxin.people.api import router as people_router
    from tongxin.places.api import router as places_router

    api.add_router("/", places_router)
    api.add_router("/", people_router)
    api.add_router("/", orgs_router)
    api.add_router("/", cases_router)
    api.add_router("/", inbox_router)
    from tongxin.emap.api import router as emap_router

    api.add_router("/", emap_router)
    from tongxin.volunteering.api import router as volunteering_router

    api.add_router("/", volunteering_router)


register_routers()
