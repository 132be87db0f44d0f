"""The API's accounts part: bearer-token authentication and token issuing (with the same
password, lockout and second-factor checks as the login page: ``accounts.lockout`` and
``accounts.second_factor``)."""

from __future__ import annotations

import math
from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.security import HttpBearer

from tongxin.core import audit, clock
from tongxin.core.api_support import ErrorOut
from tongxin.core.errors import envelope
from tongxin.core.middleware import client_ip

from . import lockout, second_factor
from .errors import AccountCode
from .models import ApiToken

router = Router(tags=["auth"])


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


class TokenIn(Schema):
    username: str
    password: str
    otp: str = ""  # the authenticator's code (or a recovery code), for accounts with 2FA


class TokenOut(Schema):
    token: str
    expires_at: str


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
)
def issue_token(request: HttpRequest, payload: TokenIn) -> Any:
    """Exchange a username and password for a bearer token (valid 12 hours).

    Accounts that need the second factor also send ``otp``: the 6-digit code of their
    authenticator app or one of their recovery codes (401 ``OTP_REQUIRED`` / ``OTP_INVALID``
    otherwise; 403 ``OTP_ENROLMENT_REQUIRED`` until they have enrolled on the web). Five
    failures within 15 minutes lock the account, and the caller's address, for 30 minutes:
    429 ``LOGIN_LOCKED`` with ``Retry-After``.
    """

    def locked(lock: Any) -> HttpResponse:
        response = JsonResponse(
            envelope(
                AccountCode.LOGIN_LOCKED,
                lock.message,
                context={"scope": lock.scope, "until": lock.until.isoformat()},
            ),
            status=429,
            json_dumps_params={"ensure_ascii": False},
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
        return Status(401, envelope(AccountCode.INVALID_CREDENTIALS, _("用户名或密码错误")))
    state = second_factor.state_for(user)
    if state == second_factor.ENROL:
        audit.record(actor=user, action="api_token", result="denied", detail={"reason": "enrol"})
        return Status(
            403,
            envelope(
                AccountCode.OTP_ENROLMENT_REQUIRED,
                _("该账号须先在网页上启用双因素认证，再申请令牌"),
            ),
        )
    if state == second_factor.VERIFY:
        if not payload.otp.strip():
            return Status(
                401,
                envelope(AccountCode.OTP_REQUIRED, _("该账号已启用双因素认证，请提供验证码 otp")),
            )
        method, lock = second_factor.check_code(
            user=user, code=payload.otp, username=payload.username, ip=ip, channel="api"
        )
        if method is None:
            if lock is not None:
                return locked(lock)
            return Status(401, envelope(AccountCode.OTP_INVALID, _("验证码不正确或已经用过")))
    token, raw = ApiToken.issue(user, name="api")
    audit.record(actor=user, action="api_token", obj=token)
    return Status(200, {"token": raw, "expires_at": token.expires_at.isoformat()})
