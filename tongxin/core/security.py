"""Security headers that Django's own middleware does not set, and no caching of API answers.

Django's ``SecurityMiddleware`` already sends HSTS (production), ``X-Content-Type-Options``,
``Referrer-Policy`` and ``Cross-Origin-Opener-Policy``; ``XFrameOptionsMiddleware`` sends
``X-Frame-Options: DENY``. ``SecurityHeadersMiddleware`` adds:

- ``Content-Security-Policy`` from ``TONGXIN_CSP`` (no inline scripts or styles anywhere: the
  pages load ``tongxin.js`` and ``tongxin.css`` as files, and htmx's indicator style is turned
  off in ``ui/base.html``). A response that set its own policy keeps it (the file download
  view sends a stricter one). Paths in ``TONGXIN_CSP_PATH_OVERRIDES`` get the directives listed
  there merged over the default — empty by default, because ninja's bundled Swagger UI needs
  nothing beyond ``'self'`` and ``data:`` images.
- ``Permissions-Policy`` (no camera, microphone, payment, USB; geolocation for our own pages)
  and ``Cross-Origin-Resource-Policy: same-origin``.
- ``Cache-Control: no-store`` on every answer under ``/api/`` (they carry personal data, and
  a shared proxy or the browser's disk cache must not keep them), unless the view already set
  a ``Cache-Control``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

DEFAULT_CSP: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}

DEFAULT_PERMISSIONS_POLICY = "camera=(), microphone=(), payment=(), usb=(), geolocation=(self)"

# A stricter policy for files served to the browser (uploads): nothing in them may run.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def csp_directives(path: str = "") -> dict[str, str]:
    """The policy for ``path``: ``TONGXIN_CSP`` (or the default) with any override merged."""
    directives = dict(getattr(settings, "TONGXIN_CSP", DEFAULT_CSP))
    overrides: Mapping[str, Mapping[str, str]] = getattr(settings, "TONGXIN_CSP_PATH_OVERRIDES", {})
    for prefix, extra in overrides.items():
        if path.startswith(prefix):
            directives.update(extra)
    return directives


def csp_header(path: str = "") -> str:
    return "; ".join(f"{name} {value}".strip() for name, value in csp_directives(path).items())


def is_api_path(path: str) -> bool:
    return path.startswith(str(getattr(settings, "TONGXIN_API_PREFIX", "/api/")))


class SecurityHeadersMiddleware:
    """Adds CSP, Permissions-Policy and CORP to every response, and no-store to API answers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = csp_header(request.path)
        response.setdefault(
            "Permissions-Policy",
            getattr(settings, "TONGXIN_PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY),
        )
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if is_api_path(request.path) and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
