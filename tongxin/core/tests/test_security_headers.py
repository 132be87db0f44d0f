"""Web hardening: production settings pass ``check --deploy``, every response carries the
security headers, pages and API answers with personal data are never cached, and every
state-changing URL refuses a request without a CSRF token."""

from __future__ import annotations

import os
import re
import secrets
import string
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils.regex_helper import normalize

from config.api import api

ROOT = Path(__file__).resolve().parents[3]
API = "/api/v1"

REQUIRED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}


def csp(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    header = response["Content-Security-Policy"]
    out = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        out[name] = value.strip()
    return out


def assert_security_headers(response) -> None:  # type: ignore[no-untyped-def]
    policy = csp(response)
    for name, value in REQUIRED_CSP.items():
        assert policy.get(name) == value, (name, response["Content-Security-Policy"])
    assert "unsafe-inline" not in policy["script-src"]
    assert "unsafe-eval" not in policy["script-src"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def assert_no_store(response) -> None:  # type: ignore[no-untyped-def]
    assert "no-store" in response.get("Cache-Control", ""), response.get("Cache-Control")


# ---------------------------------------------------------------- check --deploy


def test_production_settings_pass_check_deploy_without_warnings():
    key = "".join(
        secrets.choice(string.ascii_letters + string.digits + "!@#%^&*(-_=+)") for _ in range(60)
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "TONGXIN_")) and k != "PYTEST_CURRENT_TEST"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        TONGXIN_SECRET_KEY=key,
        TONGXIN_ALLOWED_HOSTS="example.org",
    )
    done = subprocess.run(  # noqa: S603 — our own manage.py with fixed arguments
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output, output
    assert "WARNING" not in output and "ERROR" not in output, output


def test_production_refuses_a_missing_or_short_secret_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TONGXIN_"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", TONGXIN_SECRET_KEY="short")
    done = subprocess.run(  # noqa: S603 — our own manage.py with fixed arguments
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "TONGXIN_SECRET_KEY" in done.stderr


# ---------------------------------------------------------------- headers


def test_html_pages_carry_the_security_headers_and_are_not_cached(demo):
    from tongxin.people.models import Household, Person

    grid = demo.grid(1)
    person = Person.objects.filter(grid=grid).order_by("pk").first()
    household = Household.objects.filter(place_path__startswith=grid.path).order_by("pk").first()
    client = demo.client("grid1")
    for url in (
        "/",
        "/people/",
        f"/people/{person.pk}/",
        f"/households/{household.pk}/",
        f"/places/{grid.pk}/",
        "/places/",
        "/orgs/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response)
        assert_no_store(response)


def test_anonymous_pages_and_errors_carry_the_headers(db):
    client = Client()
    for url, status in (("/login/", 200), ("/people/", 302), ("/no-such-page/", 404)):
        response = client.get(url)
        assert response.status_code == status, url
        assert_security_headers(response)


def test_api_answers_carry_the_headers_and_are_never_cached(demo):
    from tongxin.people.models import Person

    person = Person.objects.filter(grid=demo.grid(1)).order_by("pk").first()
    token_client = demo.api("grid1")
    session_client = demo.client("grid1")
    for client in (token_client, session_client):
        for url in (f"{API}/persons", f"{API}/persons/{person.pk}", f"{API}/households"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert_security_headers(response)
            assert_no_store(response)
    # Errors too: an anonymous caller and an unknown object.
    for response in (Client().get(f"{API}/persons"), token_client.get(f"{API}/persons/0")):
        assert response.status_code in (401, 404)
        assert_security_headers(response)
        assert_no_store(response)


def test_hsts_is_sent_on_https_in_production(db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = Client().get("/login/", secure=True)
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")


def test_production_settings_turn_on_hsts_and_secure_cookies():
    text = (ROOT / "config" / "settings" / "production.py").read_text()
    for setting in (
        "SECURE_HSTS_SECONDS = 31536000",
        "SECURE_SSL_REDIRECT = True",
        "SESSION_COOKIE_SECURE = True",
        "CSRF_COOKIE_SECURE = True",
    ):
        assert setting in text


def test_swagger_ui_works_under_the_default_policy(demo):
    """ninja's bundled Swagger UI loads its script and style from files and keeps its
    settings in a JSON data block, so it needs no relaxed policy."""
    response = demo.client("grid1").get(f"{API}/docs")
    assert response.status_code == 200
    assert_security_headers(response)
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "<style" not in html and " style=" not in html


TEMPLATE_DIRS = [ROOT / "tongxin"]
INLINE = re.compile(
    r"<style\b|\sstyle\s*=|\son[a-z]+\s*=|<script\b(?![^>]*\bsrc=)(?![^>]*application/json)"
    r"|javascript:",
    re.IGNORECASE,
)


def test_our_templates_need_no_inline_script_or_style():
    """The policy forbids inline scripts, inline styles and event-handler attributes; a
    template that uses one would silently break in the browser, so it fails here first."""
    offenders = []
    for template in sorted(ROOT.glob("tongxin/**/templates/**/*.html")):
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if INLINE.search(line):
                offenders.append(f"{template.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "inline script or style (move it to tongxin.js / tongxin.css):\n" + (
        "\n".join(offenders)
    )


def test_base_template_turns_off_htmx_inline_indicator_styles():
    base = (ROOT / "tongxin/ui/templates/ui/base.html").read_text()
    assert '"includeIndicatorStyles": false' in base


# ---------------------------------------------------------------- CSRF


# Values tried for each URL parameter until the path resolves to the pattern's own view.
SAMPLE_VALUES = ["1", str(uuid.UUID(int=1)), "accounts", "x", "json"]


def _join(prefix: str, regex: str) -> str:
    regex = regex[1:] if regex.startswith("^") else regex
    return prefix + regex


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = ""):  # type: ignore[no-untyped-def]
    for entry in resolver.url_patterns:
        regex = _join(prefix, entry.pattern.regex.pattern)
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            yield from _patterns(entry, regex, f"{namespace}:{ns}" if ns else namespace)
        elif isinstance(entry, URLPattern):
            yield regex.removesuffix(r"\Z").removesuffix("$"), entry, namespace.strip(":")


def concrete_urls() -> list[tuple[str, URLPattern, str]]:
    """One concrete path per URL pattern of the project (every app, the admin, the API)."""
    out = []
    seen: set[str] = set()
    for regex, entry, namespace in _patterns(get_resolver()):
        # ninja registers one pattern per operation name: GET and POST on one path are two
        # patterns of the same route, and the first one answers both.
        if regex in seen:
            continue
        seen.add(regex)
        fmt, params = normalize(regex)[0]
        for value in SAMPLE_VALUES:
            path = "/" + fmt % {p: value for p in params}
            try:
                match = resolve(path)
            except Resolver404:
                continue
            if match.func == entry.callback:
                out.append((path, entry, namespace))
                break
        else:
            raise AssertionError(f"no sample path resolves to {regex!r}: add a value to try")
    return out


def test_every_url_is_walked():
    urls = concrete_urls()
    assert len(urls) > 30
    paths = {u[0] for u in urls}
    assert {"/login/", "/people/export/", "/people/import/", "/logout/"} <= paths


# Namespaces whose views do not rely on the browser session: the API does its own check
# (``SessionAuth``, below); Open311 GeoReport takes a partner's ``api_key`` in the form body and
# never reads the session or sets a cookie, so a forged cross-site POST gains nothing.
CSRF_FREE_NAMESPACES = {"api", "open311"}


def test_no_view_is_exempt_from_csrf_except_the_api():
    """Nothing outside ``CSRF_FREE_NAMESPACES`` may opt out."""
    exempt = [
        path
        for path, entry, namespace in concrete_urls()
        if getattr(entry.callback, "csrf_exempt", False) and namespace not in CSRF_FREE_NAMESPACES
    ]
    assert not exempt


@pytest.mark.parametrize("username", [None, "grid1", "secretary", "sysadmin"])
def test_every_url_refuses_a_post_without_a_csrf_token(demo, username):
    client = Client(enforce_csrf_checks=True)
    if username:
        client.force_login(demo.user(username))
    refused = 0
    for path, _entry, namespace in concrete_urls():
        if namespace in CSRF_FREE_NAMESPACES:
            continue
        response = client.post(path, {"q": "x", "username": "grid1", "password": "x"})
        assert response.status_code == 403, (path, response.status_code)
        assert "安全校验未通过" in response.content.decode(), path
        assert_security_headers(response)
        refused += 1
    assert refused > 20


def test_the_csrf_failure_page_is_in_chinese(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "grid1", "password": "x"})
    assert response.status_code == 403
    assert "页面可能已经过期" in response.content.decode()


def _api_writes() -> list[tuple[str, str, bool]]:
    """(method, path, needs auth) of every API operation that changes state."""
    schema = api.get_openapi_schema()
    out = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method.lower() in ("get", "head", "options"):
                continue
            concrete = re.sub(r"\{[^}]+\}", "1", path)
            out.append((method.upper(), concrete, bool(operation.get("security"))))
    return out


# API writes that need no session: the token endpoint takes credentials in the body and
# answers a bearer token (no cookie is set or read), so a forged cross-site request gains
# nothing. Anything added here needs the same argument.
CSRF_FREE_API_WRITES = {("POST", f"{API}/auth/token")}


def test_api_writes_with_a_session_need_a_csrf_token(demo):
    writes = _api_writes()
    assert ("POST", f"{API}/auth/token", False) in writes
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo.user("secretary"))
    checked = 0
    for method, path, needs_auth in writes:
        if (method, path) in CSRF_FREE_API_WRITES:
            continue
        assert needs_auth, f"{method} {path} takes no authentication: list and justify it"
        response = client.generic(method, path, "{}", content_type="application/json")
        assert response.status_code == 403, (method, path, response.content)
        checked += 1
    # The same request with the token passes the CSRF check (whatever the endpoint answers).
    client.get("/")  # sets the CSRF cookie
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    for method, path, _needs_auth in writes:
        if (method, path) in CSRF_FREE_API_WRITES:
            continue
        response = client.generic(
            method, path, "{}", content_type="application/json", HTTP_X_CSRFTOKEN=token
        )
        assert response.status_code != 403 or b"CSRF" not in response.content, (method, path)


def test_session_csrf_is_enforced_by_ninja_session_auth(demo):
    """Pinned on a known write even when the API has few: ninja's SessionAuth checks CSRF."""
    from ninja.security import SessionAuth

    assert any(isinstance(a, SessionAuth) and a.csrf for a in api.auth)  # type: ignore[union-attr]


def test_bearer_token_writes_need_no_csrf(demo):
    """A bearer token is not sent by browsers on their own, so its writes need no CSRF token."""
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {demo.token('grid1')}")
    for method, path, needs_auth in _api_writes():
        if not needs_auth:
            continue
        response = client.generic(method, path, "{}", content_type="application/json")
        assert b"CSRF" not in response.content, (method, path)
        # Not refused for CSRF (checked above): it reached the operation, which may accept an
        # empty body, refuse it (422), not find the object (404) or refuse the caller (403).
        assert response.status_code < 500, (method, path, response.status_code)
