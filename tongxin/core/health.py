"""What ``/readyz`` checks: the database answers, the cache stores and returns a value, and the
task queue is being worked (its oldest task that is due has waited less than
``TONGXIN_READY_QUEUE_AGE``; the worker keeps no heartbeat of its own, and a queue that only
grows is what a dead worker looks like), and the scheduler's heartbeat (its lease renewal) is
fresh. Each check says whether it is ready and how long it
took, in milliseconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Min

from . import clock, tokens


class NotReady(RuntimeError):
    """A check's own finding, said in full; any other failure is named by its type only
    (``/readyz`` is open to anyone, and a driver's message names hosts and ports)."""


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def _cache() -> dict[str, Any]:
    key, value = f"tongxin:readyz:{tokens.mint(12)}", tokens.mint(12)
    cache.set(key, value, 10)
    ok = cache.get(key) == value
    cache.delete(key)
    if not ok:
        raise NotReady("the cache did not return what was stored")
    return {"backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def queue_state() -> tuple[int, float]:
    """How many background tasks are due, and how long (s) the oldest of them has waited."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = clock.now()
    due = DBTaskResult.objects.ready()  # queued to run now, or whose run_after has come
    # Since when each has been due: its enqueueing, or the moment it was scheduled for.
    at_once = due.filter(run_after=get_date_max()).aggregate(m=Min("enqueued_at"))["m"]
    scheduled = due.exclude(run_after=get_date_max()).aggregate(m=Min("run_after"))["m"]
    since = min((t for t in (at_once, scheduled) if t is not None), default=None)
    return due.count(), (now - since).total_seconds() if since else 0.0


def scheduler_heartbeat_age() -> float | None:
    """Seconds since the scheduler last renewed its lease; None when no scheduler holds it."""
    from .models import SchedulerLease
    from .schedule import LEASE

    lease = SchedulerLease.objects.filter(name=LEASE).first()
    beat = lease.renewed_at if lease and lease.holder else None
    return (clock.now() - beat).total_seconds() if beat else None


def _task_queue() -> dict[str, Any]:
    due, waited = queue_state()
    limit = float(getattr(settings, "TONGXIN_READY_QUEUE_AGE", 600))
    if waited > limit:
        raise NotReady(f"the oldest due task has waited {waited:.0f} s (limit {limit:.0f} s)")
    return {"due": due, "oldest_wait_s": round(waited)}


def _scheduler() -> dict[str, Any]:
    from .schedule import lease_seconds

    age = scheduler_heartbeat_age()
    required = bool(getattr(settings, "TONGXIN_READY_SCHEDULER", True))
    # Renewed every quarter of the lease: two missed renewals is a scheduler in trouble.
    if required and (age is None or age > lease_seconds() / 2):
        raise NotReady(
            "no scheduler holds the lease"
            if age is None
            else f"the scheduler's last heartbeat was {age:.0f} s ago"
        )
    return {"heartbeat_s": None if age is None else round(age), "required": required}


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": _database,
    "cache": _cache,
    "task_queue": _task_queue,
    "scheduler": _scheduler,
}


def readiness() -> dict[str, Any]:
    checks: dict[str, Any] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail = check()
            ok, error = True, ""
        except Exception as exc:
            named = f"{type(exc).__name__}: {exc}" if isinstance(exc, NotReady) else ""
            detail, ok, error = {}, False, (named or type(exc).__name__)[:200]
        checks[name] = {
            "ok": ok,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            **detail,
            **({"error": error} if error else {}),
        }
    return {"status": "ok" if all(c["ok"] for c in checks.values()) else "fail", "checks": checks}
