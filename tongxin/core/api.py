"""The API root: authentication, error mapping, and the routers of every app."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from .errors import DomainError


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from tongxin.accounts.models import ApiToken

        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="同心 Tongxin API",
    version="1",
    urls_namespace="api",
    auth=[BearerAuth(), SessionAuth()],
    docs_url="/docs",
)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details}


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, error_body(exc.code, exc.message, exc.details),
                               status=exc.status)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = [
        {"field": ".".join(str(p) for p in e.get("loc", [])), "reason": e.get("msg", "")}
        for e in exc.errors
    ]
    return api.create_response(
        request, error_body("VALIDATION_FAILED", "请求参数不正确", details), status=422
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, error_body("UNAUTHENTICATED", "请先登录或提供有效令牌"),
                               status=401)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, error_body("HTTP_ERROR", str(exc)), status=exc.status_code)


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires_at: str


class ErrorOut(Schema):
    code: str
    message: str
    details: Any = None


@api.post("/auth/token", auth=None, response={200: TokenOut, 401: ErrorOut}, tags=["auth"])
def issue_token(request: HttpRequest, payload: TokenIn) -> Any:
    """Exchange a username and password for a bearer token (valid 12 hours)."""
    from tongxin.accounts.models import ApiToken

    from . import audit

    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        audit.record(actor=None, action="api_token", result="failed",
                     detail={"username": payload.username})
        return 401, error_body("INVALID_CREDENTIALS", "用户名或密码错误")
    token, raw = ApiToken.issue(user, name="api")
    audit.record(actor=user, action="api_token", obj=token)
    return 200, {"token": raw, "expires_at": token.expires_at.isoformat()}


def register_routers() -> None:
    from tongxin.orgs.api import router as orgs_router
    from tongxin.people.api import router as people_router
    from tongxin.places.api import router as places_router

    api.add_router("/", places_router)
    api.add_router("/", people_router)
    api.add_router("/", orgs_router)


register_routers()
