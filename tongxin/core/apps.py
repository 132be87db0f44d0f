from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CoreConfig(AppConfig):
    name = "tongxin.core"
    label = "core"
    verbose_name = gettext_lazy("核心")

    def ready(self) -> None:
        # ``lookups`` registers the indexed ``prefix`` lookup, ``uploads`` the upload-root check.
        from . import backup, logs, lookups, schedule, uploads  # noqa: F401
        from .audit import chain_pending

        logs.connect()  # the request id, carried into the tasks a request enqueues

        # The safety net behind the chaining queued after each commit, and the run records'
        # own retention.
        schedule.register(
            "audit_chain", chain_pending, label=gettext_lazy("审计日志入链"), minute="*/10"
        )
        schedule.register(
            "backup", backup.nightly, label=gettext_lazy("数据库备份"), hour=1, minute=30
        )
        schedule.register(
            "job_runs_prune",
            schedule.prune_runs,
            label=gettext_lazy("清理定时任务记录"),
            hour=4,
            minute=20,
        )
