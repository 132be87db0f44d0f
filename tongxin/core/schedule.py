"""The one scheduler of periodic jobs: what runs when, who runs it, and a record of each run.

Each app registers its jobs from ``AppConfig.ready`` with :func:`register` (a name, the
function, a label, and the times as APScheduler cron fields in the community's zone,
``TIME_ZONE``). ``manage.py scheduler`` (started by ``manage.py serve``) fires them with
APScheduler; ``manage.py run_job NAME`` runs one by hand. Operators retime or switch off a job
with ``TONGXIN_SCHEDULE`` (``{"points_expire": {"hour": 1, "minute": 0}, "audit_chain": None}``).

Three things keep a job from running twice:

- **the lease** (:class:`~tongxin.core.models.SchedulerLease`): one scheduler at a time holds
  it and renews it (:func:`hold_lease`, a conditional UPDATE, atomic on SQLite and
  PostgreSQL alike); a second scheduler started by mistake idles until the lease lapses;
- **the slot** (:class:`~tongxin.core.models.JobRun`, unique on job and due moment): even two
  holders (a paused process resuming after its lease was taken over) insert one row for a slot,
  and only the one that inserted it runs the job;
- **idempotent jobs**: each registered job is safe to run again (the clocks sweep acts only on
  moments not yet acted on, points expiry writes nothing a second time, and so on).

Jobs read the time through :mod:`tongxin.core.clock`; APScheduler only decides when to call.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, models, transaction

from . import clock

log = logging.getLogger("tongxin.schedule")

LEASE = "scheduler"
CRON_FIELDS = frozenset({"year", "month", "day", "week", "day_of_week", "hour", "minute", "second"})
# How far back to look for the moment a run was due, widest last (weekly jobs and slower
# find theirs in the widest window).
_LOOKBACKS = (
    dt.timedelta(minutes=2),
    dt.timedelta(hours=2),
    dt.timedelta(days=2),
    dt.timedelta(days=40),
    dt.timedelta(days=400),
)


@dataclass(frozen=True)
class Periodic:
    name: str
    run: Callable[[], Any]
    label: Any  # a lazy translation
    cron: Mapping[str, Any] = field(default_factory=dict)


JOBS: dict[str, Periodic] = {}


def register(name: str, run: Callable[[], Any], *, label: Any, **cron: Any) -> None:
    """Add a periodic job. ``run`` takes no arguments, is idempotent, and returns a short
    summary (a count, a sentence) for the run record."""
    if name in JOBS and JOBS[name].run is not run:
        raise ImproperlyConfigured(f"two periodic jobs are named {name!r}")
    unknown = set(cron) - CRON_FIELDS
    if unknown or not cron:
        raise ImproperlyConfigured(f"job {name!r}: cron fields {sorted(unknown) or 'missing'}")
    JOBS[name] = Periodic(name=name, run=run, label=label, cron=dict(cron))


def cron_of(job: Periodic) -> Mapping[str, Any] | None:
    """The job's times: the operator's override if any (``None`` switches it off)."""
    overrides: Mapping[str, Any] = getattr(settings, "TONGXIN_SCHEDULE", {}) or {}
    if job.name in overrides:
        return overrides[job.name]
    return job.cron


def enabled() -> list[Periodic]:
    return [job for _name, job in sorted(JOBS.items()) if cron_of(job) is not None]


def trigger(job: Periodic) -> Any:
    from apscheduler.triggers.cron import CronTrigger

    cron = cron_of(job)
    if cron is None:
        raise ImproperlyConfigured(f"job {job.name!r} is switched off")
    return CronTrigger(timezone=settings.TIME_ZONE, **cron)


def slot_for(job: Periodic, at: dt.datetime) -> dt.datetime:
    """The moment the run of ``job`` that is due at ``at`` was due: its latest fire time at or
    before ``at`` (APScheduler calls a little after it, or later after a pause)."""
    cron = trigger(job)
    for lookback in _LOOKBACKS:
        fire = cron.get_next_fire_time(None, at - lookback)
        if fire is None or fire > at:
            continue
        while True:
            following = cron.get_next_fire_time(fire, fire + dt.timedelta(microseconds=1))
            if following is None or following > at:
                return fire.astimezone(dt.UTC)
            fire = following
    return at


def holder_name(kind: str = "scheduler") -> str:
    return f"{kind}:{socket.gethostname()}:{os.getpid()}"[:120]


# ------------------------------------------------------------------------------- the lease


def lease_seconds() -> float:
    return float(getattr(settings, "TONGXIN_SCHEDULER_LEASE", 60))


def hold_lease(holder: str, *, seconds: float | None = None) -> bool:
    """Take or renew the scheduler lease for ``holder``; False while another holds it. One
    conditional UPDATE decides, so two schedulers asking at once cannot both win. On first
    taking it, runs that a dead holder left "running" are marked interrupted."""
    from .models import JobRun, SchedulerLease

    now = clock.now()
    expires = now + dt.timedelta(seconds=seconds or lease_seconds())
    SchedulerLease.objects.get_or_create(name=LEASE)
    mine = models.Q(holder=holder)
    free = models.Q(expires_at__isnull=True) | models.Q(expires_at__lt=now)
    was_mine = SchedulerLease.objects.filter(mine, name=LEASE).exists()
    taken = SchedulerLease.objects.filter(mine | free, name=LEASE).update(
        holder=holder,
        renewed_at=now,
        expires_at=expires,
        acquired_at=models.Case(
            models.When(mine, then=models.F("acquired_at")), default=models.Value(now)
        ),
    )
    if taken and not was_mine:
        left = JobRun.objects.filter(outcome=JobRun.Outcome.RUNNING, manual=False).exclude(
            holder=holder
        )
        left.update(outcome=JobRun.Outcome.INTERRUPTED, finished_at=now)
        log.info("scheduler lease taken by %s", holder)
    return bool(taken)


def release_lease(holder: str) -> None:
    from .models import SchedulerLease

    SchedulerLease.objects.filter(name=LEASE, holder=holder).update(holder="", expires_at=None)


# ----------------------------------------------------------------------------------- a run


def run(
    name: str, *, holder: str = "", slot: dt.datetime | None = None, manual: bool = False
) -> Any:
    """Run the job ``name`` once for its slot (the one due now, unless given; a run by hand
    has a slot of its own) and record it. Returns the :class:`JobRun`, or ``None`` when that
    slot had already been taken by another run."""
    from .models import JobRun

    job = JOBS.get(name)
    if job is None:
        raise KeyError(name)
    now = clock.now()
    if slot is None:
        slot = now if manual else slot_for(job, now)
    try:
        with transaction.atomic():
            record = JobRun.objects.create(
                job=name,
                slot=slot,
                manual=manual,
                holder=holder or holder_name("manual" if manual else "scheduler"),
                started_at=now,
            )
    except IntegrityError:
        log.info("job %s slot %s: already run elsewhere, skipped", name, slot.isoformat())
        return None
    started = time.perf_counter()
    try:
        summary = job.run()
        outcome, detail = JobRun.Outcome.OK, "" if summary is None else str(summary)
    except Exception as exc:
        log.exception("job %s failed", name)
        outcome, detail = JobRun.Outcome.FAILED, f"{type(exc).__name__}: {exc}"
    record.outcome = outcome
    record.detail = detail[:500]
    record.finished_at = clock.now()
    record.duration_ms = round((time.perf_counter() - started) * 1000)
    JobRun.objects.filter(pk=record.pk).update(
        outcome=record.outcome,
        detail=record.detail,
        finished_at=record.finished_at,
        duration_ms=record.duration_ms,
    )
    return record


def last_runs(*, finished: bool = True) -> dict[str, Any]:
    """Each registered job's latest run (finished only, by default): one indexed query per
    job, and jobs are few."""
    from .models import JobRun

    runs = JobRun.objects.all()
    if finished:
        runs = runs.exclude(outcome=JobRun.Outcome.RUNNING)
    latest = {name: runs.filter(job=name).order_by("-started_at").first() for name in JOBS}
    return {name: run for name, run in latest.items() if run is not None}


def prune_runs(*, days: int | None = None) -> int:
    """Delete run records older than ``TONGXIN_JOB_RUN_DAYS`` (90 by default)."""
    from .models import JobRun

    keep = dt.timedelta(days=days or int(getattr(settings, "TONGXIN_JOB_RUN_DAYS", 90)))
    deleted, _kinds = JobRun.objects.filter(started_at__lt=clock.now() - keep).delete()
    return deleted
