"""Session lifetime and the second-factor gate.

``SessionLifetimeMiddleware`` ends a session on the server after ``TONGXIN_SESSION_IDLE``
without a request (30 minutes) or ``TONGXIN_SESSION_ABSOLUTE`` after the login (12 hours),
whichever comes first; the request then goes on as anonymous, so the page sends the visitor
to the login form as for any signed-out visit. The last-seen time is written at most once a
minute, so a session may end up to a minute early, never late.

``SecondFactorMiddleware`` lets a signed-in session that still owes its second factor reach
nothing but the code page, the enrolment page and logout: pages redirect there (htmx requests
get an ``HX-Redirect``), the API answers 401 ``SECOND_FACTOR_REQUIRED``. The check is made on
every request, so a session created any other way (Django admin, ``force_login`` in tests)
is held to it as well; the admin's own login form redirects to ours.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from tongxin.core import clock
from tongxin.core.errors import envelope

from . import second_factor
from .errors import AccountCode
from .models import User
from .services import session_absolute, session_idle
from .signals import LOGIN_AT, LOGOUT_REASON, SEEN_AT

SEEN_WRITE_INTERVAL = 60  # seconds between writes of the last-seen time
ALLOWED_WHILE_PENDING = frozenset(
    {"login", "logout", "second_factor_verify", "second_factor_setup"}
)
# How long a "no second factor needed" verdict is trusted before it is checked again (a new
# post or grant can make the factor required in the middle of a session).
NOT_NEEDED_RECHECK = 300


class SessionLifetimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        session = request.session
        now = clock.now().timestamp()
        started = session.get(LOGIN_AT)
        seen = session.get(SEEN_AT)
        if not isinstance(started, int | float) or not isinstance(seen, int | float):
            # A session from before these clocks existed: they start now.
            session[LOGIN_AT] = session[SEEN_AT] = now
            return
        reason = ""
        if now - started > session_absolute().total_seconds():
            reason = "absolute_timeout"
        elif now - seen > session_idle().total_seconds():
            reason = "idle_timeout"
        if reason:
            setattr(request, LOGOUT_REASON, reason)
            logout(request)  # deletes the session on the server; the user is now anonymous
            text = (
                _("登录已超过最长时限，请重新登录。")
                if reason == "absolute_timeout"
                else _("您已较长时间未操作，为保护居民信息已自动退出，请重新登录。")
            )
            messages.info(request, text)
        elif now - seen >= SEEN_WRITE_INTERVAL:
            session[SEEN_AT] = now


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        view_name = match.view_name if match is not None else ""
        if view_name == "admin:login":
            # One login form for everyone: ours has the lockout messages and the second factor.
            query = urlencode({"next": request.GET.get("next") or reverse("admin:index")})
            return HttpResponseRedirect(f"{reverse('login')}?{query}")
        if not request.user.is_authenticated or view_name in ALLOWED_WHILE_PENDING:
            return None
        pending = pending_step(request)
        if pending is None:
            return None
        target = reverse(
            "second_factor_verify" if pending == second_factor.VERIFY else "second_factor_setup"
        )
        if request.path.startswith("/api/"):
            return JsonResponse(
                envelope(AccountCode.SECOND_FACTOR_REQUIRED, _("请先在网页上完成双因素认证")),
                status=401,
                json_dumps_params={"ensure_ascii": False},
            )
        back = request.get_full_path()
        if getattr(request, "htmx", False):
            back = request.htmx.current_url_abs_path or "/"  # type: ignore[attr-defined]
            return HttpResponseClientRedirect(f"{target}?{urlencode({'next': back})}")
        return HttpResponseRedirect(f"{target}?{urlencode({'next': back})}")


def pending_step(request: HttpRequest) -> str | None:
    """What the signed-in session still owes: ``verify``, ``enrol`` or nothing (None)."""
    session = request.session
    done = session.get(second_factor.SESSION_KEY)
    now = clock.now().timestamp()
    if isinstance(done, str) and done:
        return None
    if isinstance(done, int | float) and now - done < NOT_NEEDED_RECHECK:
        return None  # recently found not to need one
    # Asked of signed-in sessions only (``SecondFactorMiddleware``, the second-factor pages).
    state = second_factor.state_for(cast(User, request.user), request)
    if state == second_factor.NOT_NEEDED:
        session[second_factor.SESSION_KEY] = now
        return None
    session.pop(second_factor.SESSION_KEY, None)
    return state


def mark_done(request: HttpRequest, method: str) -> None:
    """The session has passed its second factor: give it a new key (its privileges grew)."""
    from .services import track_session

    previous = request.session.session_key
    request.session.cycle_key()
    request.session[second_factor.SESSION_KEY] = method
    track_session(request, cast(User, request.user), previous_key=previous)
