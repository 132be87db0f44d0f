"""The authentication backend: Django's model backend behind the lockout.

Every way in that checks a password — the login page, the admin's login, the API token
endpoint — goes through ``django.contrib.auth.authenticate`` and so through here.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from tongxin.core.middleware import client_ip

from . import lockout


def channel_of(request: HttpRequest | None) -> str:
    path = getattr(request, "path", "") or ""
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/admin/"):
        return "admin"
    return "web"


class LockoutModelBackend(ModelBackend):
    """Refuses locked accounts and addresses without looking at the password, and records
    every attempt (see ``tongxin.accounts.lockout``)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        ip = client_ip(request) if request is not None else ""
        channel = channel_of(request)
        if lockout.current_lock(username, ip) is not None:
            lockout.register_attempt(
                username=username, ip=ip, outcome=lockout.Outcome.LOCKED, channel=channel
            )
            raise PermissionDenied  # authenticate() stops here and answers None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        lockout.register_attempt(
            username=username,
            ip=ip,
            outcome=lockout.Outcome.OK if user is not None else lockout.Outcome.FAILED,
            channel=channel,
        )
        return user
