"""The login form: Django's, with the lockout's answers."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from tongxin.core.middleware import client_ip

from . import lockout

INVALID_LOGIN = gettext_lazy("用户名或密码不正确，请重新输入（注意区分大小写）。")


class LoginForm(AuthenticationForm):
    error_messages = {
        # A disabled account gets the same answer as a wrong password: nothing is revealed.
        "invalid_login": INVALID_LOGIN,
        "inactive": INVALID_LOGIN,
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = authenticate(self.request, username=username, password=password)
            if self.user_cache is None:
                ip = client_ip(self.request) if self.request is not None else ""
                lock = lockout.current_lock(username, ip)
                if lock is not None:
                    raise ValidationError(lock.message, code="locked")
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
