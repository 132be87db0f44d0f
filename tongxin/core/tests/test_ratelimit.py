"""Rate limits: 429 with ``Retry-After`` after exactly the configured count, per IP or per user,
a JSON body under /api/ and a page elsewhere, one audit row per window, and a counter that
stays exact under concurrent requests."""

from __future__ import annotations

import json
import threading
from unittest import mock

import pytest
import time_machine
from django.http import HttpResponse
from django.test import Client, RequestFactory

from tongxin.core import ratelimit
from tongxin.core.models import AuditEvent

API = "/api/v1"


# A frozen clock 5 seconds into a minute, an hour and a day window, so that no test straddles
# a window boundary (which would reset its count half way).
NOW = 1_800_000_000.0 + 5


@pytest.fixture
def rates(settings):  # type: ignore[no-untyped-def]
    """Small rates and a frozen clock for the tests (the autouse fixture in tongxin/conftest.py
    gives every test its own key namespace, so counts start at zero even on a shared Redis)."""
    settings.TONGXIN_RATE_LIMITS = {
        "login": "3/m",
        "reveal": "2/h",
        "export": "2/h",
        "public_report": "2/h",
    }
    with time_machine.travel(NOW, tick=False):
        yield settings.TONGXIN_RATE_LIMITS


def login(client: Client, ip: str, username: str = "nobody-here") -> HttpResponse:
    return client.post(
        "/login/", {"username": username, "password": "wrong-password"}, REMOTE_ADDR=ip
    )


def token(client: Client, ip: str) -> HttpResponse:
    return client.post(
        f"{API}/auth/token",
        {"username": "nobody-here", "password": "wrong-password"},
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def rate_limited_rows() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="rate_limited").order_by("id"))


# ------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    ("text", "limit", "period"),
    [("10/m", 10, 60), ("20/h", 20, 3600), ("5/s", 5, 1), ("100/d", 100, 86400), ("5/15m", 5, 900)],
)
def test_rates_parse(text, limit, period):
    assert ratelimit.parse_rate(text) == ratelimit.Rate(limit, period)


@pytest.mark.parametrize("text", ["10", "ten/m", "10/w", "/m", "10/m/h"])
def test_bad_rates_are_refused(text):
    with pytest.raises(ValueError, match="invalid rate"):
        ratelimit.parse_rate(text)


def test_every_named_limit_has_a_rate_in_settings(settings):
    for name in ("login", "reveal", "export", "public_report"):
        assert name in settings.TONGXIN_RATE_LIMITS
        ratelimit.rate_for(name)


# ------------------------------------------------------------------ login, per IP


def test_login_answers_429_after_the_configured_count(db, rates):
    client = Client()
    for _ in range(3):
        assert login(client, "10.1.0.1").status_code == 200  # the form again, with an error
    refused = login(client, "10.1.0.1")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "55"
    html = refused.content.decode()
    assert "操作过于频繁" in html and "秒后再试" in html
    assert refused["Content-Type"].startswith("text/html")
    assert "no-store" in refused["Cache-Control"]


def test_login_limit_is_per_ip(db, rates):
    client = Client()
    for _ in range(4):
        login(client, "10.1.0.2")
    assert login(client, "10.1.0.2").status_code == 429
    assert login(client, "10.1.0.3").status_code == 200


def test_signing_in_on_the_page_and_asking_for_a_token_share_one_budget(db, rates):
    client = Client()
    login(client, "10.1.0.4")
    login(client, "10.1.0.4")
    assert token(client, "10.1.0.4").status_code == 401
    refused = token(client, "10.1.0.4")
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "RATE_LIMITED"
    assert "操作过于频繁" in body["message"]
    assert body["context"]["retry_after"] == int(refused["Retry-After"])
    assert login(client, "10.1.0.4").status_code == 429


def test_only_posts_count_against_the_login_limit(db, rates):
    client = Client()
    for _ in range(10):
        assert client.get("/login/", REMOTE_ADDR="10.1.0.5").status_code == 200
    assert login(client, "10.1.0.5").status_code == 200


def test_the_first_refusal_of_a_window_is_audited_once(db, rates):
    client = Client()
    for _ in range(7):
        login(client, "10.1.0.6")
    rows = rate_limited_rows()
    assert len(rows) == 1
    row = rows[0]
    assert row.result == AuditEvent.Result.DENIED
    assert row.detail["limit"] == "login"
    assert row.detail["path"] == "/login/"
    assert row.ip == "10.1.0.6"


def test_the_window_reopens_when_it_ends(db, rates):
    client = Client()
    start = 1_800_000_000.0  # a multiple of 60: the start of a window
    with time_machine.travel(start + 5, tick=False):
        for _ in range(3):
            login(client, "10.1.0.7")
        refused = login(client, "10.1.0.7")
        assert refused.status_code == 429
        assert refused["Retry-After"] == "55"
    with time_machine.travel(start + 61, tick=False):
        assert login(client, "10.1.0.7").status_code == 200


def test_behind_a_proxy_the_limit_follows_the_forwarded_client(db, rates, settings):
    """With one proxy, the address it appended counts; what the client wrote before it does
    not (otherwise rotating a fake X-Forwarded-For would escape the limit)."""
    settings.TONGXIN_PROXY_COUNT = 1
    client = Client()

    def via_proxy(forwarded: str) -> HttpResponse:
        return client.post(
            "/login/",
            {"username": "nobody-here", "password": "wrong-password"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    for n in range(3):
        assert via_proxy(f"1.1.1.{n}, 203.0.113.7").status_code == 200
    assert via_proxy("8.8.8.8, 203.0.113.7").status_code == 429
    assert via_proxy("203.0.113.8").status_code == 200
    assert rate_limited_rows()[0].ip == "203.0.113.7"


# ------------------------------------------------------------------ export, per user


def one_person_query(demo) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """An export query that matches a handful of residents on both grids (fast to export)."""
    from tongxin.people.models import Person

    person = Person.objects.filter(grid=demo.grid(1)).order_by("pk").first()
    return {"q": person.name}


def test_export_is_limited_per_user(demo, rates):
    query = one_person_query(demo)
    grid1 = demo.client("grid1")
    for _ in range(2):
        assert grid1.post("/people/export/", query).status_code == 200
    refused = grid1.post("/people/export/", query)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 60
    assert "分钟后再试" in refused.content.decode() or "小时后再试" in refused.content.decode()
    # The form itself stays available, and another user has their own budget.
    assert grid1.get("/people/export/").status_code == 200
    secretary = demo.client("secretary")
    assert secretary.post("/people/export/", query).status_code == 200
    assert [r.actor.username for r in rate_limited_rows()] == ["grid1"]


def test_the_export_limit_follows_the_user_not_the_ip(demo, rates):
    query = one_person_query(demo)
    grid1 = demo.client("grid1")
    grid1.post("/people/export/", query, REMOTE_ADDR="10.2.0.1")
    grid1.post("/people/export/", query, REMOTE_ADDR="10.2.0.2")
    assert grid1.post("/people/export/", query, REMOTE_ADDR="10.2.0.3").status_code == 429


# ------------------------------------------------------------------ the decorator


def _view(request):  # type: ignore[no-untyped-def]
    return HttpResponse("ok")


def test_the_decorator_limits_by_user_and_answers_json_under_api(demo, rates):
    view = ratelimit.limit("reveal", key="user")(_view)
    factory = RequestFactory()

    def call(username: str, path: str = f"{API}/persons/1/reveal") -> HttpResponse:
        request = factory.post(path)
        request.user = demo.user(username)
        return view(request)

    assert call("grid1").status_code == 200
    assert call("grid1").status_code == 200
    refused = call("grid1")
    assert refused.status_code == 429
    assert json.loads(refused.content)["code"] == "RATE_LIMITED"
    assert refused["Retry-After"]
    assert call("grid2").status_code == 200
    page = call("grid1", "/people/1/reveal/")
    assert page.status_code == 429 and page["Content-Type"].startswith("text/html")


def test_the_decorator_uses_the_token_user_of_an_api_request(demo, rates):
    view = ratelimit.limit("reveal", key="user")(_view)
    request = RequestFactory().post(f"{API}/x")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    request.auth = demo.user("grid1")  # type: ignore[attr-defined]
    for _ in range(2):
        assert view(request).status_code == 200
    assert view(request).status_code == 429
    other = RequestFactory().post(f"{API}/x")
    other.user = demo.user("grid2")
    assert view(other).status_code == 200


def test_the_decorator_counts_only_the_methods_given(db, rates):
    view = ratelimit.limit("public_report", key="ip", methods=["POST"])(_view)
    factory = RequestFactory()
    for _ in range(5):
        assert view(factory.get("/report/", REMOTE_ADDR="10.3.0.1")).status_code == 200
    assert view(factory.post("/report/", REMOTE_ADDR="10.3.0.1")).status_code == 200
    assert view(factory.post("/report/", REMOTE_ADDR="10.3.0.1")).status_code == 200
    assert view(factory.post("/report/", REMOTE_ADDR="10.3.0.1")).status_code == 429


def test_a_decorator_rate_is_a_default_the_settings_override(db, rates, settings):
    settings.TONGXIN_RATE_LIMITS = {}
    view = ratelimit.limit("test_only_limit", rate="1/h", key="ip")(_view)
    request = RequestFactory().post("/x/", REMOTE_ADDR="10.3.0.2")
    assert view(request).status_code == 200
    assert view(request).status_code == 429
    settings.TONGXIN_RATE_LIMITS = {"test_only_limit": "5/h"}
    assert view(request).status_code == 200


def test_an_unknown_limit_fails_loudly(settings):
    settings.TONGXIN_RATE_LIMITS = {}
    with pytest.raises(KeyError, match="no rate configured"):
        ratelimit.limit("no_such_limit")


def test_hit_can_be_called_directly(db, rates):
    request = RequestFactory().post("/login/", REMOTE_ADDR="10.4.0.1")
    results = [ratelimit.hit("login", request, key="ip") for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert [r.count for r in results] == [1, 2, 3, 4]
    assert results[-1].response(request).status_code == 429


def test_keys_never_hold_a_raw_address(settings):
    settings.TONGXIN_RATE_LIMIT_NAMESPACE = "rl"
    key = ratelimit._cache_key("login", "ip192.168.1.20", 123)
    assert "192.168" not in key
    assert key.startswith("rl:login:") and key.endswith(":123")


# ------------------------------------------------------------------ concurrency


def test_the_counter_is_exact_under_concurrent_requests(rates, settings):
    """Twenty requests at once against a limit of 7: exactly 7 pass (cache.add + incr are
    atomic on both the local-memory cache and Redis)."""
    settings.TONGXIN_RATE_LIMITS = {**rates, "public_report": "7/h"}
    factory = RequestFactory()
    allowed: list[bool] = []
    lock = threading.Lock()
    barrier = threading.Barrier(20)

    def worker() -> None:
        request = factory.post("/report/", REMOTE_ADDR="10.5.0.1")
        barrier.wait()
        result = ratelimit.hit("public_report", request, key="ip")
        with lock:
            allowed.append(result.allowed)

    with mock.patch.object(ratelimit, "_audit"):  # no database in the worker threads
        threads = [threading.Thread(target=worker) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert allowed.count(True) == 7
    assert allowed.count(False) == 13
