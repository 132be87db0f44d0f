"""Test fixtures shared by every app.

The test database holds the demo community (seed 7), generated once per session on top of the
migrations; each test runs in a transaction that is rolled back. Tests that need their own
places or posts create them inside that transaction.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

# The real server (migrated, demo seeded) and Chromium, shared by every app's end-to-end tests.
from tongxin.workbench.tests.e2e import browser, e2e_server, screenshots  # noqa: F401

DEMO_SEED = 7


@pytest.fixture(autouse=True)
def _no_personal_numbers_in_responses() -> Any:
    """Fail any test whose responses carried a full ID or mobile number outside a reveal."""
    from tongxin.core import testing

    testing.LEAKS.clear()
    yield
    assert not testing.LEAKS, f"personal numbers leaked in responses: {testing.LEAKS[:5]}"


@pytest.fixture(autouse=True)
def _default_language() -> None:
    """Each test starts in the default language (Simplified Chinese). The thread's active
    language is whatever the last request a test made activated (LocaleMiddleware activates it
    and nothing resets it afterwards), so a test that reads a translated text without a request
    read English after an English request of an earlier test on the same worker — which test
    ran before depends on how the suite is spread over the workers."""
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(scope="session", autouse=True)
def _frozen_date() -> Iterator[None]:
    """``TONGXIN_TEST_NOW`` (an ISO moment, local time when it has no zone) sets the whole
    session's clock there, ticking on from it: ``make test-dates`` runs the date-sensitive
    tests (marker ``dates``) so at New Year's Eve, in the Spring Festival week, on a 调休
    Saturday and other hard dates, demo included."""
    value = os.environ.get("TONGXIN_TEST_NOW", "")
    if not value:
        yield
        return
    import time_machine
    from django.utils import timezone

    moment = dt.datetime.fromisoformat(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    with time_machine.travel(moment, tick=True):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any, _frozen_date: None) -> None:
    from tongxin.demo.generator import DemoGenerator

    with django_db_blocker.unblock():
        DemoGenerator(seed=DEMO_SEED, scale="community").run()


@pytest.fixture(scope="session")
def _test_upload_root(tmp_path_factory: Any) -> Any:
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture(autouse=True)
def _private_upload_root(settings: Any, _test_upload_root: Any) -> None:
    """Files stored by tests go to a temporary folder, not var/uploads: the test's database
    rows are rolled back, the files would stay."""
    settings.TONGXIN_UPLOAD_ROOT = _test_upload_root


@pytest.fixture(autouse=True)
def _fresh_config_cache() -> None:
    """Each test reads the configuration tables and the grid polygons afresh: the previous
    test's rows were rolled back, and the per-process caches (``core.config_cache``, the
    point index ``places.geoindex``) would still hold them."""
    from tongxin.core import config_cache
    from tongxin.places import geoindex

    config_cache.clear()
    geoindex.forget()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings: Any) -> None:
    """Each test counts rate limits from zero: its own key namespace in the cache (which also
    keeps parallel runs apart on a shared Redis)."""
    settings.TONGXIN_RATE_LIMIT_NAMESPACE = f"rl-test-{uuid.uuid4().hex}"  # noqa: TID251


@dataclass
class Demo:
    """Handles on the demo community for tests."""

    def user(self, username: str) -> Any:
        from tongxin.accounts.models import User

        return User.objects.get(username=username)

    def grid(self, n: int) -> Any:
        """The n-th grid (1-based) of the demo community; grid1/grid2 users work there."""
        from tongxin.places.models import Place

        return Place.objects.filter(kind="grid").order_by("path")[n - 1]

    def client(self, username: str) -> Client:
        c = Client()
        c.force_login(self.user(username))
        return c

    def token(self, username: str) -> str:
        from tongxin.accounts.models import ApiToken

        return ApiToken.issue(self.user(username), name="test")[1]

    def api(self, username: str) -> Client:
        """A client that sends a bearer token, as API consumers do."""
        return Client(HTTP_AUTHORIZATION=f"Bearer {self.token(username)}")


@pytest.fixture
def demo(db: Any) -> Demo:
    return Demo()


def run_queued_tasks() -> int:
    """Run every queued task with the real database worker's ``run_task``, in this test's
    transaction (the ``db_worker`` loop itself opens exclusive transactions and recycles the
    connection, which a rolled-back test cannot allow). Returns how many ran."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="pytest",
        excluded_queue_names=[],
    )
    ran = 0
    while (result := DBTaskResult.objects.ready().order_by("enqueued_at").first()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran


@pytest.hookimpl(wrapper=True)  # around xdist's, which turns the groups into node ids
def pytest_collection_modifyitems(config: Any, items: list[Any]) -> Iterator[None]:
    """``make test`` spreads the suite over the cores (pytest-xdist, ``--dist loadgroup``):
    every test that talks to the real server runs on one worker, so that one server (migrated,
    demo seeded) serves them all rather than one per worker."""
    if config.pluginmanager.hasplugin("xdist"):
        for item in items:
            if "e2e_server" in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.xdist_group("e2e_server"))
    return (yield)
