"""``manage.py run_job NAME``: run one periodic job now, by hand, with a run record like the
scheduler's; ``--list`` shows the jobs, their times and their last runs."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from tongxin.core import clock, schedule
from tongxin.core.commands import TranslatedCommand
from tongxin.core.i18n import lazy_str


class Command(TranslatedCommand):
    help = lazy_str("立即手动运行一个定时任务并记录；--list 列出全部定时任务")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", nargs="?", help=_("任务名"))
        parser.add_argument(
            "--list", action="store_true", dest="list_jobs", help=_("列出定时任务和最近一次运行")
        )

    def handle(self, *args: Any, name: str | None, list_jobs: bool, **options: Any) -> None:
        from tongxin.core.models import JobRun

        if list_jobs or not name:
            latest = schedule.last_runs(finished=False)
            for job in sorted(schedule.JOBS.values(), key=lambda j: j.name):
                cron = schedule.cron_of(job)
                when = " ".join(f"{k}={v}" for k, v in cron.items()) if cron else _("已停用")
                last = latest.get(job.name)
                seen = (
                    f"{clock.local(last.started_at):%Y-%m-%d %H:%M} {last.get_outcome_display()}"
                    if last
                    else _("从未运行")
                )
                self.stdout.write(f"{job.name:<22} {job.label}  [{when}]  {seen}")
            return
        if name not in schedule.JOBS:
            raise CommandError(
                _("没有名为 {name} 的定时任务；可用：{names}").format(
                    name=name, names=", ".join(sorted(schedule.JOBS))
                )
            )
        record = schedule.run(name, manual=True)
        self.stdout.write(
            _("{name}：{outcome}，{ms} 毫秒。{detail}").format(
                name=name,
                outcome=record.get_outcome_display(),
                ms=record.duration_ms,
                detail=record.detail,
            )
        )
        if record.outcome != JobRun.Outcome.OK:
            raise CommandError(record.detail)
