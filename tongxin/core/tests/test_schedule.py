"""The one scheduler (``tongxin.core.schedule``): every periodic job is registered with its
times, a slot runs once however many schedulers fire it, only the lease holder runs jobs, and
each run is recorded with its outcome. The last test starts two real ``manage.py scheduler``
processes against one database and watches the lease pass from one to the other."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client

from tongxin.core import clock, schedule
from tongxin.core.models import JobRun, SchedulerLease

ROOT = Path(__file__).resolve().parents[3]
# 2027-02-06 is 春节 eve's week (a 调休 Saturday); 00:05 local is 16:05 UTC the day before.
AT = dt.datetime(2027, 2, 6, 0, 5, 30, tzinfo=clock.local().tzinfo)


def test_every_periodic_job_is_registered_with_its_times():
    assert set(schedule.JOBS) >= {
        "audit_chain",
        "backup",
        "case_clocks",
        "points_expire",
        "login_attempts_prune",
        "job_runs_prune",
    }
    for job in schedule.JOBS.values():
        schedule.trigger(job)  # valid cron fields, in the community's zone
        assert str(job.label)


def test_the_slot_is_the_moment_the_run_was_due():
    points = schedule.JOBS["points_expire"]
    tz = AT.tzinfo
    assert schedule.slot_for(points, AT) == dt.datetime(2027, 2, 6, 0, 5, tzinfo=tz)
    # Late by most of a day (a scheduler that was down): still that day's slot.
    late = dt.datetime(2027, 2, 6, 23, 59, tzinfo=tz)
    assert schedule.slot_for(points, late) == dt.datetime(2027, 2, 6, 0, 5, tzinfo=tz)
    # Just before: yesterday's.
    early = dt.datetime(2027, 2, 6, 0, 4, tzinfo=tz)
    assert schedule.slot_for(points, early) == dt.datetime(2027, 2, 5, 0, 5, tzinfo=tz)
    chain = schedule.JOBS["audit_chain"]
    assert schedule.slot_for(chain, AT) == dt.datetime(2027, 2, 6, 0, 0, tzinfo=tz)
    # Year end, local time: 23:59 on 31 December is still in the old year's last slot.
    eve = dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=tz)
    assert schedule.slot_for(chain, eve) == dt.datetime(2026, 12, 31, 23, 50, tzinfo=tz)


def test_operators_retime_or_switch_off_a_job(settings):
    settings.TONGXIN_SCHEDULE = {"points_expire": {"hour": 1, "minute": 30}, "audit_chain": None}
    names = {job.name for job in schedule.enabled()}
    assert "audit_chain" not in names and "points_expire" in names
    slot = schedule.slot_for(schedule.JOBS["points_expire"], AT)
    assert clock.local(slot) == dt.datetime(2027, 2, 5, 1, 30, tzinfo=AT.tzinfo)


@pytest.mark.django_db
def test_a_slot_runs_once_and_is_recorded():
    with time_machine.travel(AT, tick=False):
        first = schedule.run("points_expire", holder="a")
        second = schedule.run("points_expire", holder="b")
    assert first is not None and second is None
    row = JobRun.objects.get()
    assert (row.job, row.outcome, row.holder) == ("points_expire", JobRun.Outcome.OK, "a")
    assert clock.local(row.slot) == dt.datetime(2027, 2, 6, 0, 5, tzinfo=AT.tzinfo)
    assert row.finished_at is not None and row.duration_ms is not None
    assert row.detail == "0"  # no points lapsed in an empty database


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent connections need PostgreSQL (the in-memory SQLite of the suite locks "
    "instead of waiting; the two real schedulers below cover SQLite)",
)
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_firing_one_slot_at_once_run_it_once():
    ran: list[int] = []
    schedule.JOBS["_probe"] = schedule.Periodic(
        name="_probe", run=lambda: ran.append(1) or len(ran), label="probe", cron={"minute": "*"}
    )
    try:
        barrier = threading.Barrier(4)
        results: list[object] = []

        def fire(who: str) -> None:
            barrier.wait()
            try:
                results.append(schedule.run("_probe", holder=who, slot=AT))
            except Exception as exc:  # anything but "already run" fails the test
                results.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=fire, args=(f"s{i}",)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        del schedule.JOBS["_probe"]
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(ran) == 1
    assert sum(r is not None for r in results) == 1
    assert JobRun.objects.filter(job="_probe").count() == 1


@pytest.mark.django_db
def test_a_failing_job_is_recorded_as_failed_and_the_next_slot_runs_again():
    calls: list[int] = []

    def flaky() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("the first run breaks")
        return 7

    schedule.JOBS["_flaky"] = schedule.Periodic(
        name="_flaky", run=flaky, label="flaky", cron={"minute": "*/10"}
    )
    try:
        with time_machine.travel(AT, tick=False):
            failed = schedule.run("_flaky")
        with time_machine.travel(AT + dt.timedelta(minutes=10), tick=False):
            ok = schedule.run("_flaky")
    finally:
        del schedule.JOBS["_flaky"]
    assert failed.outcome == JobRun.Outcome.FAILED
    assert failed.detail == "ValueError: the first run breaks"
    assert (ok.outcome, ok.detail) == (JobRun.Outcome.OK, "7")


@pytest.mark.django_db
def test_one_holder_at_a_time_and_a_lapsed_lease_passes_on():
    with time_machine.travel(AT, tick=False):
        assert schedule.hold_lease("a", seconds=60)
        assert not schedule.hold_lease("b", seconds=60)
        assert schedule.hold_lease("a", seconds=60)  # renewal
        JobRun.objects.create(job="case_clocks", slot=AT, holder="a", started_at=AT)
    with time_machine.travel(AT + dt.timedelta(seconds=61), tick=False):
        assert schedule.hold_lease("b", seconds=60)
        assert not schedule.hold_lease("a", seconds=60)
    lease = SchedulerLease.objects.get()
    assert lease.holder == "b" and lease.acquired_at == AT + dt.timedelta(seconds=61)
    # The dead holder's unfinished run is marked as such by the one that took over.
    assert JobRun.objects.get().outcome == JobRun.Outcome.INTERRUPTED
    schedule.release_lease("a")  # not the holder: no effect
    assert SchedulerLease.objects.get().holder == "b"
    schedule.release_lease("b")
    with time_machine.travel(AT + dt.timedelta(seconds=62), tick=False):
        assert schedule.hold_lease("a", seconds=60)


@pytest.mark.django_db
def test_run_records_are_kept_ninety_days():
    with time_machine.travel(AT, tick=False):
        for days in (100, 91, 89):
            started = AT - dt.timedelta(days=days)
            JobRun.objects.create(job="x", slot=started, started_at=started)
        assert schedule.prune_runs() == 2
    assert JobRun.objects.count() == 1


@pytest.mark.django_db
def test_run_job_by_hand(capsys):
    call_command("run_job", "audit_chain")
    row = JobRun.objects.get()
    assert row.manual and row.outcome == JobRun.Outcome.OK
    call_command("run_job", "--list")
    listing = capsys.readouterr().out
    assert "case_clocks" in listing and "hour=2 minute=30" in listing


@pytest.mark.django_db
def test_ready_requires_a_fresh_scheduler_heartbeat(settings):
    settings.TONGXIN_READY_SCHEDULER = True
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert "no scheduler" in response.json()["checks"]["scheduler"]["error"]
    schedule.hold_lease("s1")
    assert Client().get("/readyz").status_code == 200
    with time_machine.travel(clock.now() + dt.timedelta(seconds=45), tick=False):
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert "heartbeat" in response.json()["checks"]["scheduler"]["error"]


@pytest.mark.django_db
def test_the_system_admin_reads_the_run_records(demo):
    schedule.run("audit_chain", manual=True)
    page = demo.client("sysadmin").get("/admin/core/jobrun/")
    assert page.status_code == 200 and "audit_chain" in page.content.decode()
    assert "审计日志入链" in page.content.decode()  # the job's label beside its name
    assert demo.client("sysadmin").get("/admin/core/schedulerlease/").status_code == 200
    for role in ("auditor", "secadmin", "secretary"):
        assert demo.client(role).get("/admin/core/jobrun/").status_code in (302, 403), role


def _scheduler(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 — our own manage.py with fixed arguments
        [sys.executable, str(ROOT / "manage.py"), "scheduler"],
        env=env,
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_for(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.mark.e2e
def test_two_real_schedulers_share_one_lease(tmp_path):
    """Two ``manage.py scheduler`` processes on one fresh SQLite file: one holds the lease and
    runs the (every-second) audit chaining job; killed without releasing, the other takes over
    once the lease lapses, and no slot runs twice."""
    import sqlite3

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "TONGXIN_VAR_DIR": str(tmp_path),
        "TONGXIN_SCHEDULE": '{"audit_chain": {"second": "*"}}',
        "TONGXIN_SCHEDULER_LEASE": "4",
    }
    env.pop("DATABASE_URL", None)
    subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    db = tmp_path / "tongxin.sqlite3"
    assert db.exists()

    def query(sql: str) -> list[tuple]:
        with sqlite3.connect(db, timeout=10) as conn:
            return conn.execute(sql).fetchall()

    first = _scheduler(env, tmp_path / "a.log")
    second = None
    try:
        _wait_for(lambda: query("SELECT holder FROM core_schedulerlease WHERE holder != ''"))
        second = _scheduler(env, tmp_path / "b.log")
        _wait_for(lambda: query("SELECT count(*) FROM core_jobrun")[0][0] >= 3)
        holder = query("SELECT holder FROM core_schedulerlease")[0][0]
        assert holder.endswith(f":{first.pid}")
        runners = {h for (h,) in query("SELECT DISTINCT holder FROM core_jobrun")}
        assert runners == {holder}  # the second scheduler idles
        os.killpg(first.pid, signal.SIGKILL)  # dies holding the lease
        first.wait()
        _wait_for(
            lambda: query("SELECT holder FROM core_schedulerlease")[0][0].endswith(
                f":{second.pid}"
            ),
            timeout=20,
        )
        _wait_for(
            lambda: (
                query(f"SELECT count(*) FROM core_jobrun WHERE holder LIKE '%:{second.pid}'")[0][0]
                >= 2
            )
        )
        dupes = query("SELECT job, slot FROM core_jobrun GROUP BY job, slot HAVING count(*) > 1")
        assert dupes == []
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
    if second is not None:
        assert second.returncode == 0
        assert query("SELECT holder FROM core_schedulerlease")[0][0] == ""  # released on stop
