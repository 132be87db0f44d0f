"""``/healthz`` answers without touching anything; ``/readyz`` checks the database, the cache
and the task queue for real, and answers 503 with ``Retry-After`` when one is not ready: a
cache that does not answer (a Redis port with nothing behind it), a queue nobody works."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from tongxin.core import clock


def test_liveness_touches_nothing():
    # No database mark: any query would fail the test.
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_ready_reports_each_dependency():
    response = Client().get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "task_queue", "scheduler"}
    assert all(c["ok"] and c["ms"] >= 0 for c in body["checks"].values())


@pytest.mark.django_db
def test_a_cache_that_does_not_answer_is_not_ready(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    response = Client().get("/readyz")
    assert response.status_code == 503 and response["Retry-After"] == "10"
    checks = response.json()["checks"]
    assert checks["database"]["ok"] and not checks["cache"]["ok"]
    assert "Connection" in checks["cache"]["error"]


@pytest.mark.django_db
def test_a_queue_nobody_works_is_not_ready(settings):
    from tongxin.cases.tasks import check_case_clocks

    settings.TONGXIN_READY_QUEUE_AGE = 600
    check_case_clocks.enqueue(0)
    assert Client().get("/readyz").status_code == 200  # just queued
    with time_machine.travel(clock.now() + dt.timedelta(minutes=11), tick=False):
        response = Client().get("/readyz")
    assert response.status_code == 503
    queue = response.json()["checks"]["task_queue"]
    assert not queue["ok"] and "waited" in queue["error"]


@pytest.mark.django_db
def test_a_task_scheduled_for_later_counts_from_its_moment(settings):
    from tongxin.cases.tasks import check_case_clocks

    settings.TONGXIN_READY_QUEUE_AGE = 600
    check_case_clocks.using(run_after=clock.now() + dt.timedelta(hours=3)).enqueue(0)
    with time_machine.travel(clock.now() + dt.timedelta(hours=3, minutes=2), tick=False):
        response = Client().get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["task_queue"]["due"] == 1
