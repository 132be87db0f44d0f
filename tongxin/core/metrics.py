"""Prometheus metrics (``/metrics``), with prometheus_client.

Two kinds:

- **counted as they happen**, in whichever process they happen in: requests by route, method
  and status; request latency and the database time inside it; login failures; deadline
  warnings and breaches. Under gunicorn (several processes) ``manage.py serve`` sets
  ``PROMETHEUS_MULTIPROC_DIR`` for every child, and a scrape adds up all of them;
- **read at scrape time** from the database (:class:`StateCollector`): the task queue's depth
  and the age of its oldest due task, the scheduler's heartbeat, each periodic job's last
  outcome and duration.

Routes are labelled by their URL name (``cases:detail``), never by path, so the number of series
stays bounded whatever is requested; anything that matched no route is ``unmatched``.

``/metrics`` answers clients whose address (behind ``TONGXIN_PROXY_COUNT`` proxies, the one
the outermost proxy saw) is in ``TONGXIN_METRICS_ALLOW`` (loopback by default), and anyone
presenting ``Authorization: Bearer <TONGXIN_METRICS_TOKEN>`` when a token is set; everyone else
gets 404.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

from .middleware import client_ip

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

REQUESTS = Counter(
    "tongxin_http_requests",
    "Requests answered, by route, method and status",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "tongxin_http_request_duration_seconds",
    "Time to answer a request, by route",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
)
DB_TIME = Histogram(
    "tongxin_http_db_duration_seconds",
    "Database time inside a request, by route",
    ["route"],
    buckets=LATENCY_BUCKETS,
)
DB_STATEMENTS = Counter(
    "tongxin_http_db_statements", "SQL statements issued by requests", ["route"]
)
LOGIN_FAILURES = Counter(
    "tongxin_login_failures",
    "Failed or refused sign-ins, by channel and outcome",
    ["channel", "outcome"],
)
CLOCK_MOMENTS = Counter(
    "tongxin_case_clock_moments",
    "Case deadline moments acted on: warnings (yellow, red) and breaches (due)",
    ["clock", "stage"],
)


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or "unnamed"


class MetricsMiddleware:
    """Counts and times every request, and the database time inside it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        db = [0.0, 0]

        def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                db[0] += time.perf_counter() - started
                db[1] += 1

        started = time.perf_counter()
        connection = connections["default"]
        with connection.execute_wrapper(timed):
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route = route_of(request)
        REQUESTS.labels(route, request.method or "", str(response.status_code)).inc()
        LATENCY.labels(route, request.method or "").observe(elapsed)
        DB_TIME.labels(route).observe(db[0])
        if db[1]:
            DB_STATEMENTS.labels(route).inc(db[1])
        return response


class StateCollector(Collector):
    """What the database says at scrape time: queue, scheduler, periodic jobs."""

    def collect(self) -> Iterator[Any]:
        from . import health, schedule
        from .models import JobRun

        try:
            due, waited = health.queue_state()
            heartbeat = health.scheduler_heartbeat_age()
            latest = schedule.last_runs()
        except Exception:  # the database is away: the request metrics still answer
            up = GaugeMetricFamily("tongxin_database_up", "Whether the scrape reached the database")
            up.add_metric([], 0)
            yield up
            return
        up = GaugeMetricFamily("tongxin_database_up", "Whether the scrape reached the database")
        up.add_metric([], 1)
        yield up
        depth = GaugeMetricFamily("tongxin_task_queue_due", "Background tasks due and not yet run")
        depth.add_metric([], due)
        yield depth
        age = GaugeMetricFamily(
            "tongxin_task_queue_oldest_wait_seconds", "How long the oldest due task has waited"
        )
        age.add_metric([], waited)
        yield age
        beat = GaugeMetricFamily(
            "tongxin_scheduler_heartbeat_age_seconds",
            "Seconds since the scheduler last renewed its lease (absent: no scheduler)",
        )
        if heartbeat is not None:
            beat.add_metric([], heartbeat)
        yield beat
        ok = GaugeMetricFamily(
            "tongxin_job_last_run_ok",
            "Whether each periodic job's last run succeeded",
            labels=["job"],
        )
        took = GaugeMetricFamily(
            "tongxin_job_last_run_seconds",
            "Duration of each periodic job's last run",
            labels=["job"],
        )
        when = GaugeMetricFamily(
            "tongxin_job_last_run_timestamp_seconds",
            "When each periodic job last started (Unix time)",
            labels=["job"],
        )
        for job, run in sorted(latest.items()):
            ok.add_metric([job], 1 if run.outcome == JobRun.Outcome.OK else 0)
            took.add_metric([job], (run.duration_ms or 0) / 1000)
            when.add_metric([job], run.started_at.timestamp())
        yield ok
        yield took
        yield when


def registries() -> list[CollectorRegistry]:
    """The registry one scrape reads: every process's counts under gunicorn (multiprocess
    mode), this process's otherwise; and the database state either way."""
    state = CollectorRegistry()
    state.register(StateCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
        return [counted, state]
    return [REGISTRY, state]


def allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "TONGXIN_METRICS_TOKEN", "")
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    allow = getattr(settings, "TONGXIN_METRICS_ALLOW", ("127.0.0.1", "::1"))
    return client_ip(request) in allow  # the client behind our proxies, not the proxy


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        raise Http404
    body = b"".join(generate_latest(r) for r in registries())
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
