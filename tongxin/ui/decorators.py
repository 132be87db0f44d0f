"""What every page of the web UI does before and after its view.

``personal_page`` wraps a view that shows personal data: the visitor must be signed in (an
htmx request from an expired session is sent to the login page as a whole-page redirect, not
swapped into a fragment), the response is never cached (``Cache-Control: no-store``), and the
domain's refusals become HTTP answers — ``NotFound`` a plain 404, identical to a missing
object, ``Forbidden`` a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.cache import add_never_cache_headers
from django_htmx.http import HttpResponseClientRedirect

View = Callable[..., HttpResponse]


def personal_page(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            if getattr(request, "htmx", False):
                back = request.htmx.current_url_abs_path or "/"  # type: ignore[attr-defined]
                login = resolve_url(settings.LOGIN_URL)
                return HttpResponseClientRedirect(f"{login}?{urlencode({'next': back})}")
            return redirect_to_login(request.get_full_path())
        # A domain NotFound is an Http404 and a Forbidden a PermissionDenied
        # (tongxin.core.errors): Django answers them with the 404 and 403 pages.
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapped
