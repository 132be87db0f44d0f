from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class DatacentreConfig(AppConfig):
    name = "tongxin.datacentre"
    label = "datacentre"
    verbose_name = gettext_lazy("数据中心")

    def ready(self) -> None:
        from tongxin.core import schedule

        from .module_rollups import incremental_all, nightly_everything
        from .rollups import incremental

        # Every night after the clocks sweep has marked the overdue cases: the last weeks
        # rebuilt whole; every quarter of an hour the days touched since the last run (run
        # by hand with ``manage.py run_job rollup_cases``).
        schedule.register(
            "rollup_nightly",
            nightly_everything,
            label=gettext_lazy("数据中心：夜间重建近期汇总"),
            hour=2,
            minute=50,
        )
        schedule.register(
            "rollup_cases",
            incremental,
            label=gettext_lazy("数据中心：诉求汇总（增量）"),
            minute="5,20,35,50",
        )
        # The modules' figures (visits, alarms, volunteering, needs, wishes): the same
        # rhythm, offset so that the two jobs do not run at once.
        schedule.register(
            "rollup_modules",
            incremental_all,
            label=gettext_lazy("数据中心：各模块汇总（增量）"),
            minute="10,25,40,55",
        )
