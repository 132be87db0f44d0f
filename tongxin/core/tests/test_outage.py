"""A dependency that is away answers 503 with ``Retry-After`` in each interface's own shape,
never a 500; a connection that dies mid-request leaves nothing half-written; a bug of ours is
the envelope's ``INTERNAL_ERROR`` with the request id, never a traceback. The end-to-end test
cuts the real server's PostgreSQL connections under load."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest
import requests
from django.db import OperationalError, connection
from django.test import Client

from tongxin.cases.models import Case, CaseEvent, RoutingDecision

INTAKE = {
    "category": "municipal.manhole",
    "description": "小区门口井盖缺失，晚上很危险",
}


@contextlib.contextmanager
def database_dies(after: int = 0, when: str = "") -> Iterator[list[str]]:
    """The connection fails on the statement after ``after`` statements (or on the first
    statement containing ``when``), as a PostgreSQL connection cut mid-request does."""
    seen: list[str] = []

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        seen.append(sql)
        if (when and when in sql) or (not when and len(seen) > after):
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen


def _client(demo, role: str) -> Client:  # type: ignore[no-untyped-def]
    c = demo.client(role)
    c.raise_request_exception = False
    return c


@pytest.mark.django_db
def test_the_api_answers_503_in_the_envelope(demo):
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {demo.token('grid1')}", raise_request_exception=False
    )
    with database_dies():
        response = client.get("/api/v1/cases?view=mine")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    body = response.json()
    assert body["code"] == "SERVICE_UNAVAILABLE" and "重试" in body["message"]
    assert "Traceback" not in response.content.decode()


@pytest.mark.django_db
def test_a_page_answers_a_friendly_503_without_the_database(demo):
    client = _client(demo, "grid1")
    with database_dies() as seen:
        response = client.get("/cases/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    page = response.content.decode()
    assert "系统正在恢复" in page and "Traceback" not in page
    assert len(seen) == 1  # the page itself asked nothing more of the dead database


@pytest.mark.django_db
def test_open311_answers_503_in_its_own_shape():
    client = Client(raise_request_exception=False)
    with database_dies():
        response = client.get("/open311/v2/services.json", {"jurisdiction_id": "x"})
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json()[0]["code"] == 503


@pytest.mark.django_db
def test_a_bug_is_an_internal_error_with_its_request_id(demo):
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {demo.token('grid1')}", raise_request_exception=False
    )

    def bug(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("a bug of ours")

    with connection.execute_wrapper(bug):
        response = client.get("/api/v1/cases?view=mine")
    body = response.json()
    assert response.status_code == 500 and body["code"] == "INTERNAL_ERROR"
    assert body["context"]["request_id"] == response["X-Request-ID"]
    assert "ZeroDivisionError" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("dies_on", ["cases_caseevent", "cases_routingdecision", "core_auditevent"])
def test_an_intake_cut_mid_request_leaves_nothing_behind(demo, dies_on):
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {demo.token('grid1')}", raise_request_exception=False
    )
    grid = demo.grid(1)
    counts = (Case.objects.count(), CaseEvent.objects.count(), RoutingDecision.objects.count())
    body = {**INTAKE, "lat": grid.centroid_lat, "lng": grid.centroid_lng}
    with database_dies(when=f'INSERT INTO "{dies_on}"') as seen:
        response = client.post("/api/v1/cases", json.dumps(body), content_type="application/json")
    assert any(f'INSERT INTO "{dies_on}"' in s for s in seen), "the cut never happened"
    assert response.status_code == 503, response.content.decode()
    after = (Case.objects.count(), CaseEvent.objects.count(), RoutingDecision.objects.count())
    assert after == counts
    # And once the database is back, the same report goes through whole.
    again = client.post("/api/v1/cases", json.dumps(body), content_type="application/json")
    assert again.status_code == 201
    case = Case.objects.get(pk=again.json()["id"])
    assert case.events.exists() and RoutingDecision.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_a_cache_that_is_away_is_not_a_500(settings, demo):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    client = _client(demo, "grid1")
    for url in ("/login/", "/cases/", "/api/v1/cases?view=mine"):
        response = client.get(url)
        assert response.status_code in (200, 503), (url, response.status_code)
        if response.status_code == 503:
            assert response["Retry-After"] == "5"


# ------------------------------------------------------------- the real server, on PostgreSQL


def _admin():  # type: ignore[no-untyped-def]
    from tongxin.workbench.tests.e2e import SERVER, _pg_admin

    base = os.environ["DATABASE_URL"]
    name = SERVER["env"]["DATABASE_URL"].rsplit("/", 1)[-1]
    return _pg_admin(base), name


@pytest.mark.e2e
@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="cuts PostgreSQL connections")
def test_the_database_cut_under_load_answers_503_and_heals(e2e_server):
    """Four clients file requests through Open311 without pause while the server's database
    refuses connections for six seconds and every open one is cut, again and again."""
    import psycopg

    from tongxin.workbench.tests.e2e import SERVER, file_open311

    answers: list[tuple[float, float, str]] = []  # (began, ended, status)
    stop = threading.Event()

    def load() -> None:
        session = requests.Session()
        while not stop.is_set():
            began = time.monotonic()
            try:
                response = file_open311(session, e2e_server, "断库演练期间提交")
                status = str(response.status_code)
                if status == "503" and response.headers.get("Retry-After") != "5":
                    status = "503 without Retry-After"
            except requests.RequestException as exc:
                status = type(exc).__name__
            answers.append((began, time.monotonic(), status))

    admin, name = _admin()
    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(2)
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        cut = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s"
        admin.execute(cut, [name])
        time.sleep(0.3)
        admin.execute(cut, [name])  # the first round's backends are gone; none can be opened
        down_from = time.monotonic()
        while time.monotonic() < down_from + 6:
            admin.execute(cut, [name])
            time.sleep(0.3)
        back_at = time.monotonic()
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        time.sleep(7)
    finally:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        stop.set()
        for t in threads:
            t.join()
    while_down = Counter(s for b, e, s in answers if b >= down_from and e <= back_at)
    healed = Counter(s for b, _e, s in answers if b >= back_at + 3)
    overall = Counter(s for _b, _e, s in answers)
    print(
        f"database cut under load: overall {dict(overall)}, while down {dict(while_down)}, "
        f"3 s after {dict(healed)}"
    )
    assert set(overall) <= {"201", "503"}, overall  # never a 500, never a dropped connection
    assert set(while_down) == {"503"} and while_down["503"] > 50, while_down
    assert set(healed) == {"201"} and healed["201"] > 20, healed
    # Nothing half-written: every case filed has its report event and its routing decision.
    with psycopg.connect(SERVER["env"]["DATABASE_URL"]) as conn:
        orphans = conn.execute(
            "SELECT count(*) FROM cases_case c WHERE c.description = '断库演练期间提交' AND ("
            " NOT EXISTS (SELECT 1 FROM cases_caseevent e WHERE e.case_id = c.id)"
            " OR NOT EXISTS (SELECT 1 FROM cases_routingdecision r WHERE r.case_id = c.id))"
        ).fetchone()[0]
        filed = conn.execute(
            "SELECT count(*) FROM cases_case WHERE description = '断库演练期间提交'"
        ).fetchone()[0]
    assert orphans == 0
    # Every 201 is in the database. A request cut after its commit, while its answer was being
    # written, is whole in the database but answered 503: at most one per refused request.
    assert overall["201"] <= filed <= overall["201"] + overall["503"], (filed, overall)
    print(f"cases filed: {filed}, answered 201: {overall['201']}")
    # The worker and the scheduler came back by themselves: serve stops everything when one
    # of its children exits, so a ready server means both lived through it; and the
    # scheduler has renewed its lease since.
    deadline = time.monotonic() + 40
    while True:
        ready = requests.get(f"{e2e_server}/readyz", timeout=10)
        beat = ready.json()["checks"]["scheduler"].get("heartbeat_s")
        if ready.status_code == 200 and beat is not None and beat < time.monotonic() - back_at:
            break
        assert time.monotonic() < deadline, ready.text
        time.sleep(1)
    admin.close()
