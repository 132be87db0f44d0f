"""The listener survives a database outage: outside any test transaction (the listener's
writes really commit), the listener's own loop (``Listener.run``) runs in a thread against the
real Mosquitto; the database goes away under it, a button presses meanwhile, the database comes
back, and the press is acted on exactly once — no loss, no double, a redelivery a duplicate.

PostgreSQL: every other connection to the test database is terminated
(``pg_terminate_backend``) and new ones are refused (``ALLOW_CONNECTIONS false``) until it is
restored. SQLite (no server to lose): the test holds the database's write lock (``BEGIN
IMMEDIATE``), so every write of the listener fails as it would against a database that is
away, until it is released.

Not in a test transaction; and the demo database of the session must not be flushed
afterwards (pytest-django's ``transactional_db`` would empty it for the tests that follow), so
this module's ``transactional_db`` only unblocks the database and the test removes the rows it
made (the device, its events and its alarm) at the end. Bounded in time: every wait gives up
after a few seconds."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from django.db import connection

from tongxin.alarms import services
from tongxin.alarms.models import Alarm, Device, DeviceEvent
from tongxin.alarms.mqtt import Button, Listener
from tongxin.core import tokens

from .helpers import broker_up, forget

OUTAGE_SECONDS = 3.0


def wait_for(done: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(0.1)
    raise AssertionError(f"not in {seconds:.0f}s: {what}")


@contextlib.contextmanager
def database_away() -> Iterator[None]:
    """The database is unavailable to every connection but this one, until the block ends."""
    if connection.vendor == "postgresql":
        import psycopg

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (mine,) = cursor.fetchone()
        db = connection.settings_dict
        name = db["NAME"]
        # A database cannot refuse connections to itself: the maintenance database does it.
        admin = psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        )
        try:
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            try:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> %s",
                    [name, mine],
                )
                yield
            finally:
                admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        finally:
            admin.close()
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
            try:
                # Written, so that readers of the shared cache are locked out of the table too.
                cursor.execute("UPDATE alarms_device SET updated_at = updated_at WHERE id = -1")
                yield
            finally:
                cursor.execute("ROLLBACK")
        else:  # pragma: no cover
            pytest.skip(f"no way to take {connection.vendor} away in a test")


@pytest.fixture
def transactional_db(django_db_setup, django_db_blocker) -> Iterator[None]:
    """pytest-django's ``transactional_db`` without its flush: the database, in autocommit,
    outside any test transaction, for this module. (Its name is what makes pytest-django set
    the test database up for a run of this module alone.) Tests here remove what they made."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def committed(transactional_db, settings) -> Iterator[dict]:
    """A button registered (committed) for a resident of the demo with a dwelling; removed
    afterwards with everything it made."""
    if not broker_up():
        pytest.fail("Mosquitto is not running on 127.0.0.1:1883")
    settings.TONGXIN_ALARM_TOPIC_ROOT = f"test-{tokens.mint(12).lower()}/alarm"
    from tongxin.people.models import Person

    person = (
        Person.objects.filter(place__isnull=False, is_active=True)
        .exclude(pk__in=Device.objects.values("person_id"))
        .order_by("pk")
        .first()
    )
    assert person is not None
    device, _secret = services.device_register(
        actor=None, person=person, code=f"axl-{tokens.mint(8).lower()}"
    )
    try:
        yield {"device": device, "person": person}
    finally:
        Alarm.objects.filter(device=device).delete()
        Device.objects.filter(pk=device.pk).delete()  # its events go with it


def test_the_listener_survives_a_database_outage_and_acts_on_a_press_exactly_once(committed):
    device = committed["device"]
    stop = threading.Event()
    it = Listener(client_id=f"test-listener-{tokens.mint(8)}")
    failures: list[BaseException] = []

    def loop() -> None:
        try:
            it.run(stop)
        except BaseException as exc:  # pragma: no cover - shown by the assertion below
            failures.append(exc)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=loop, name="alarm-listener", daemon=True)
    thread.start()
    button = None
    try:
        assert it.connected.wait(5), "the listener did not connect"
        time.sleep(0.2)  # the SUBACK
        button = Button(device.code, seq=100).connect()
        # The listener has a live connection (it handled a heartbeat)…
        button.send("heartbeat")
        wait_for(
            lambda: DeviceEvent.objects.filter(device=device, kind="heartbeat").exists(),
            8,
            "the heartbeat",
        )
        wait_for(it.idle, 8, "the listener idle")
        before = it.handled
        with database_away():
            # …which the outage takes away; the press comes while the database is down.
            seq = button.send("press")
            time.sleep(OUTAGE_SECONDS)
            assert thread.is_alive() and not failures
            # Neither handled nor acknowledged to the broker while the database is away.
            assert it.handled == before, "the press was taken as handled during the outage"
        wait_for(
            lambda: Alarm.objects.filter(device=device).exists(), 20, "the press after the outage"
        )
        # The broker delivers the same message again (a device retrying): a duplicate.
        button.resend(
            {"device": device.code, "type": "press", "seq": seq, "at": "2026-06-01T09:00:00+08:00"}
        )
        wait_for(
            lambda: DeviceEvent.objects.filter(device=device, refusal="duplicate").exists(),
            8,
            "the redelivery",
        )
        accepted = DeviceEvent.objects.filter(device=device, seq=seq, refusal="")
        assert accepted.count() == 1
        assert Alarm.objects.filter(device=device).count() == 1
        assert thread.is_alive() and not failures
    finally:
        if button is not None:
            button.close()
        stop.set()
        thread.join(15)
        forget(it.client_id)
    assert not thread.is_alive(), "the listener did not stop"
    assert failures == []
