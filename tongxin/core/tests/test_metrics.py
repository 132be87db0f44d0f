"""``/metrics``: requests by route and status, latency and database time, login failures,
deadline moments, and the database's state (queue, scheduler, periodic jobs) read at scrape
time; open to the allowed addresses or a token only. The last test scrapes the real server
(gunicorn with several processes, the worker and the scheduler) that ``manage.py serve`` runs."""

from __future__ import annotations

import time
import urllib.request

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from tongxin.core import schedule


def scrape(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def metrics(client: Client | None = None, **extra: str) -> dict:
    response = (client or Client()).get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    return scrape(response.content.decode())


@pytest.mark.django_db
def test_requests_are_counted_by_route_and_status_with_their_database_time():
    before = metrics()
    Client().get("/healthz")
    Client().get("/readyz")
    Client().get("/no-such-page/")
    after = metrics()
    counted = "tongxin_http_requests_total"
    assert (
        value(after, counted, route="core:healthz", method="GET", status="200")
        == value(before, counted, route="core:healthz", method="GET", status="200") + 1
    )
    assert value(after, counted, route="unmatched", method="GET", status="404") >= 1
    latency = "tongxin_http_request_duration_seconds_count"
    assert value(after, latency, route="core:readyz", method="GET") > value(
        before, latency, route="core:readyz", method="GET"
    )
    # /readyz reads the database; /healthz does not.
    statements = "tongxin_http_db_statements_total"
    assert value(after, statements, route="core:readyz") > value(
        before, statements, route="core:readyz"
    )
    assert value(after, statements, route="core:healthz") == value(
        before, statements, route="core:healthz"
    )
    assert value(after, "tongxin_http_db_duration_seconds_count", route="core:readyz") >= 1


@pytest.mark.django_db
def test_the_database_state_is_read_at_scrape_time():
    schedule.run("audit_chain", manual=True)
    samples = metrics()
    assert value(samples, "tongxin_database_up") == 1
    assert ("tongxin_task_queue_due", ()) in samples
    assert ("tongxin_task_queue_oldest_wait_seconds", ()) in samples
    assert value(samples, "tongxin_job_last_run_ok", job="audit_chain") == 1
    assert value(samples, "tongxin_job_last_run_timestamp_seconds", job="audit_chain") > 0
    assert ("tongxin_scheduler_heartbeat_age_seconds", ()) not in samples  # none runs here
    schedule.hold_lease("s1")
    assert value(metrics(), "tongxin_scheduler_heartbeat_age_seconds") < 5


@pytest.mark.django_db
def test_login_failures_are_counted(demo):
    name = "tongxin_login_failures_total"
    before = value(metrics(), name, channel="web", outcome="failed")
    Client().post("/login/", {"username": "grid1", "password": "wrong-password"})
    assert value(metrics(), name, channel="web", outcome="failed") == before + 1


@pytest.mark.django_db
def test_only_allowed_addresses_or_the_token_may_scrape(settings):
    far = {"REMOTE_ADDR": "10.2.3.4"}
    assert Client().get("/metrics", **far).status_code == 404
    settings.TONGXIN_METRICS_TOKEN = "s3cret-token-for-prometheus"
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **far).status_code == 404
    ok = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token-for-prometheus", **far)
    assert ok.status_code == 200
    # Behind a proxy every request comes from loopback: the client it forwards for counts.
    settings.TONGXIN_PROXY_COUNT = 1
    proxied = Client().get("/metrics", HTTP_X_FORWARDED_FOR="10.2.3.4")
    assert proxied.status_code == 404
    assert Client().get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 200


@pytest.mark.e2e
def test_the_real_server_adds_up_every_process(e2e_server):
    for _ in range(6):  # two gunicorn processes with four threads each share these
        with urllib.request.urlopen(f"{e2e_server}/login/", timeout=10) as r:  # noqa: S310
            assert r.status == 200
    deadline = time.monotonic() + 30
    while True:  # the scheduler takes its lease within a second or two of starting
        with urllib.request.urlopen(f"{e2e_server}/metrics", timeout=10) as r:  # noqa: S310
            samples = scrape(r.read().decode())
        if ("tongxin_scheduler_heartbeat_age_seconds", ()) in samples:
            break
        assert time.monotonic() < deadline, "no scheduler heartbeat in the real server"
        time.sleep(0.5)
    logins = value(
        samples, "tongxin_http_requests_total", route="login", method="GET", status="200"
    )
    assert logins >= 6
    assert value(samples, "tongxin_database_up") == 1
    with urllib.request.urlopen(f"{e2e_server}/readyz", timeout=10) as r:  # noqa: S310
        assert r.status == 200


@pytest.mark.django_db
def test_every_job_has_its_last_run_however_many_runs_another_has():
    import datetime as dt

    from tongxin.core import clock
    from tongxin.core.models import JobRun

    start = clock.now() - dt.timedelta(days=10)
    JobRun.objects.bulk_create(
        JobRun(
            job="audit_chain",
            slot=start + dt.timedelta(minutes=10 * i),
            started_at=start + dt.timedelta(minutes=10 * i),
            outcome=JobRun.Outcome.OK,
        )
        for i in range(700)
    )
    schedule.run("points_expire", manual=True)
    samples = metrics()
    assert value(samples, "tongxin_job_last_run_ok", job="audit_chain") == 1
    assert value(samples, "tongxin_job_last_run_ok", job="points_expire") == 1
