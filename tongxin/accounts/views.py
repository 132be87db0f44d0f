"""Login, the second factor (code page, enrolment, recovery codes) and password change."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from tongxin.core import audit
from tongxin.core.middleware import client_ip

from . import lockout, second_factor
from .forms import LoginForm
from .middleware import mark_done, pending_step
from .models import User
from .services import end_sessions, track_session


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # Notices (session timed out, locked by wrong codes) go inside the login card, not in
        # the page's message list, which the login layout would put beside the card.
        context["notices"] = list(messages.get_messages(self.request))
        context["messages"] = ()
        return context


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("workbench:home")

    def form_valid(self, form: Any) -> HttpResponse:
        previous = self.request.session.session_key
        response = super().form_valid(form)  # gives this session a new key
        user = cast(User, self.request.user)  # the view is behind login_required
        track_session(self.request, user, previous_key=previous)
        # Whoever else was signed in with the old password is signed out, tokens included.
        end_sessions(user, keep=self.request.session.session_key)
        audit.record(actor=user, action="password_change")
        messages.success(self.request, _("密码已修改。"))
        return response


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _locked_out(request: HttpRequest, lock: lockout.Lock) -> HttpResponse:
    """Too many wrong codes: the half-signed-in session ends like a failed login."""
    logout(request)
    messages.error(request, lock.message)
    return redirect("login")


@never_cache
@login_required
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # behind login_required
    next_url = _next_url(request)
    step = pending_step(request)
    if step is None:
        return HttpResponseRedirect(next_url)
    if step == second_factor.ENROL:
        return HttpResponseRedirect(_with_next("second_factor_setup", next_url))
    error = ""
    if request.method == "POST":
        ip = client_ip(request)
        lock = lockout.current_lock(user.username, ip)
        if lock is not None:
            lockout.register_attempt(
                username=user.username,
                ip=ip,
                outcome=lockout.Outcome.LOCKED,
                channel="otp",
                user=user,
            )
            return _locked_out(request, lock)
        code = request.POST.get("code", "")
        method, lock = second_factor.check_code(
            user=user, code=code, username=user.username, ip=ip, channel="otp"
        )
        if method is not None:
            lockout.register_attempt(
                username=user.username, ip=ip, outcome=lockout.Outcome.OK, channel="otp"
            )
            mark_done(request, method)
            if method == "recovery":
                left = second_factor.unused_recovery_codes(user)
                messages.warning(
                    request,
                    _("您使用了一个恢复码，还剩 {left} 个。").format(left=left)
                    + (_("请尽快在“账号安全”页面生成新的恢复码。") if left <= 3 else ""),
                )
            return HttpResponseRedirect(next_url)
        if lock is not None:
            return _locked_out(request, lock)
        error = _(
            "验证码不正确或已经用过，请输入验证器上当前显示的 6 位数字，或一个未用过的恢复码。"
        )
    return render(request, "accounts/second_factor_verify.html", {"next": next_url, "error": error})


def _recovery_codes_page(request: HttpRequest, codes: list[str], next_url: str) -> HttpResponse:
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url})


@never_cache
@login_required
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # behind login_required
    next_url = _next_url(request)
    error = ""
    device = second_factor.confirmed_device(user)
    if device is not None:
        if pending_step(request) == second_factor.VERIFY:
            return HttpResponseRedirect(_with_next("second_factor_verify", next_url))
        if request.method == "POST":
            codes = second_factor.regenerate_recovery_codes(
                user=user, code=request.POST.get("code", "")
            )
            if codes is not None:
                return _recovery_codes_page(request, codes, next_url)
            error = _("验证码不正确或已经用过，请输入验证器上当前显示的 6 位数字。")
        return render(
            request,
            "accounts/second_factor_status.html",
            {
                "device": device,
                "codes_left": second_factor.unused_recovery_codes(user),
                "error": error,
                "next": next_url,
            },
        )
    device = second_factor.pending_device(user)
    if request.method == "POST":
        codes = second_factor.confirm_enrolment(user=user, code=request.POST.get("code", ""))
        if codes is not None:
            mark_done(request, "enrolled")
            return _recovery_codes_page(request, codes, next_url)
        error = _("验证码不正确，请确认手机时间准确后，输入验证器上当前显示的 6 位数字。")
    secret = second_factor.device_secret(device)
    uri = second_factor.provisioning_uri(user, device)
    return render(
        request,
        "accounts/second_factor_setup.html",
        {
            "qr_svg": second_factor.qr_svg(uri),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "required": second_factor.required(user, request),
            "error": error,
            "next": next_url,
        },
    )
