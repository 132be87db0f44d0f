"""``manage.py scheduler``: fire the periodic jobs (``tongxin.core.schedule``) on time.

APScheduler keeps the times; this process holds the scheduler lease while it runs them and
renews it every quarter of its length. Without the lease (another scheduler holds it) the jobs
stay paused until it lapses. When the database cannot be reached the loop backs off (up to a
minute between tries) and carries on once it answers again; nothing needs a restart.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.db import close_old_connections, connection
from django.utils.translation import gettext as _

from tongxin.core import schedule
from tongxin.core.commands import TranslatedCommand
from tongxin.core.i18n import lazy_str

log = logging.getLogger("tongxin.schedule")
MAX_BACKOFF = 60.0


class Command(TranslatedCommand):
    help = lazy_str("运行定时任务调度器（同一时间只有持有租约的一个调度器执行任务）")

    def handle(self, *args: Any, **options: Any) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler
        from django.conf import settings

        holder = schedule.holder_name()
        held = threading.Event()
        stopping = threading.Event()

        def fire(name: str) -> None:
            if not held.is_set():
                return
            close_old_connections()
            try:
                schedule.run(name, holder=holder)
            finally:
                connection.close()  # a pool thread keeps no connection between runs

        jobs = schedule.enabled()
        sched = BackgroundScheduler(
            timezone=settings.TIME_ZONE,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600},
        )
        for job in jobs:
            sched.add_job(fire, schedule.trigger(job), args=[job.name], id=job.name)
        sched.start()
        self.stdout.write(
            _("调度器 {holder} 已启动，{count} 个定时任务：{names}").format(
                holder=holder, count=len(jobs), names=", ".join(j.name for j in jobs)
            )
        )

        def on_term(*_: Any) -> None:
            stopping.set()

        signal.signal(signal.SIGTERM, on_term)
        signal.signal(signal.SIGINT, on_term)
        renew = schedule.lease_seconds() / 4
        wait = renew
        try:
            while not stopping.is_set():
                try:
                    if schedule.hold_lease(holder):
                        if not held.is_set():
                            self.stdout.write(_("调度器 {holder} 持有租约").format(holder=holder))
                        held.set()
                    else:
                        held.clear()
                    wait = renew
                except Exception as exc:  # the database is away: pause and back off
                    held.clear()
                    connection.close()
                    wait = min(max(wait * 2, 1.0), MAX_BACKOFF)
                    log.warning("scheduler lease: %s; retrying in %.0f s", type(exc).__name__, wait)
                stopping.wait(wait)
        finally:
            held.clear()
            sched.shutdown(wait=True)
            try:
                schedule.release_lease(holder)
            except Exception:  # the database may be what stopped us
                log.warning("scheduler lease not released; it lapses by itself")
