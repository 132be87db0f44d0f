"""``manage.py worker``: the task worker of ``manage.py serve``, django-tasks-db's
``db_worker`` made to outlast the database going away.

The library's worker loop stops its process on any database error other than "locked". Here the
loop is restarted in the same process after a growing wait (up to a minute), and a task that
was running when the connection died (its row still "running" under this worker's id) is put
back in the queue once the database answers again: every task of ours is idempotent.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands import db_worker

log = logging.getLogger("tongxin.tasks")
MAX_BACKOFF = 60.0


class ResilientWorker(db_worker.Worker):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pause = threading.Event()

    def run(self) -> None:
        wait = 0.5
        while self.running:
            try:
                self.requeue_own()
                super().run()
                return  # batch done, max tasks reached, or asked to stop
            except (OperationalError, InterfaceError) as exc:
                if not self.running:
                    return
                wait = min(wait * 2, MAX_BACKOFF)
                log.warning(
                    "worker: the database is away (%s); again in %.0f s", type(exc).__name__, wait
                )
                connections.close_all()
                self._pause.wait(wait)

    def requeue_own(self) -> int:
        """Put back the tasks this worker was running when its connection died."""
        from django_tasks_db.compat import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        stuck = [
            r.pk
            for r in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only("worker_ids")
            if self.worker_id in (r.worker_ids or [])
        ]
        if stuck:
            DBTaskResult.objects.filter(pk__in=stuck, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.READY, started_at=None
            )
            log.warning("worker: %d interrupted task(s) queued again", len(stuck))
        return len(stuck)


class Command(db_worker.Command):
    help = "Run the task worker; it waits out a database outage instead of exiting"

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        worker = ResilientWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        worker.run()
