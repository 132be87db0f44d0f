"""The data centre's rollups: figures per grid × category × local day, written only by
``rollups.py`` from the records of the domain apps, read by the dashboards and the stats API
(street and district figures never read the raw tables).

A rollup row holds no personal data: counts and sums of seconds only.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy

from tongxin.cases.models import CaseCategory
from tongxin.core import clock
from tongxin.places.models import Place


class CaseCohort(models.Model):
    """The key of a cohort of cases: those received on one local ``day`` in one area (a grid,
    or the community of a case outside every grid; ``path`` is the area's place path) and
    ``category``. Held once for both case rollups."""

    day = models.DateField(gettext_lazy("受理日"))
    path = models.CharField(gettext_lazy("区域路径"), max_length=255)
    grid = models.ForeignKey(
        Place,
        verbose_name=gettext_lazy("网格"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    category = models.ForeignKey(
        CaseCategory, verbose_name=gettext_lazy("分类"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        abstract = True


class CaseRollup(CaseCohort):
    """The cases received on one local ``day`` in one area (a grid, or the community of a
    case outside every grid) and ``category``, and what has become of them so far: a cohort
    by day of receipt, the same base as the cases' own measures (``cases.selectors.measures``).

    ``path`` is the area's place path (the grid's, else the community's): a street's or a
    district's figures are one indexed prefix query on it. Merged cases are not counted (their
    target is)."""

    received = models.PositiveIntegerField(gettext_lazy("受理"), default=0)
    accepted = models.PositiveIntegerField(gettext_lazy("立案"), default=0)
    resolved = models.PositiveIntegerField(gettext_lazy("办结"), default=0)
    on_time = models.PositiveIntegerField(gettext_lazy("按时办结"), default=0)
    reopened = models.PositiveIntegerField(gettext_lazy("重办"), default=0)
    overdue = models.PositiveIntegerField(gettext_lazy("超时"), default=0)
    open = models.PositiveIntegerField(gettext_lazy("未办结"), default=0)
    followed_up = models.PositiveIntegerField(gettext_lazy("已回访"), default=0)
    satisfied = models.PositiveIntegerField(gettext_lazy("满意"), default=0)
    accept_seconds = models.BigIntegerField(gettext_lazy("受理用时合计（秒）"), default=0)
    resolve_timed = models.PositiveIntegerField(gettext_lazy("有办结时间"), default=0)
    resolve_seconds = models.BigIntegerField(gettext_lazy("办结用时合计（秒）"), default=0)

    class Meta:
        verbose_name = gettext_lazy("诉求日汇总")
        verbose_name_plural = gettext_lazy("诉求日汇总")
        constraints = [
            models.UniqueConstraint(fields=["day", "path", "category"], name="case_rollup_one_row"),
        ]
        indexes = [
            models.Index(
                fields=["path", "day"],
                name="case_rollup_path_day",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
            models.Index(fields=["day"], name="case_rollup_day"),
            # A street's days: the day range scanned with the path checked in the index, so
            # that only the street's rows are fetched (the day index alone fetched the whole
            # district's rows of those days and dropped nine in ten). The day index stays:
            # for a whole district the planner reads it, cheaper than this one.
            models.Index(
                fields=["day", "path"],
                name="case_rollup_day_path",
                opclasses=["date_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.path} {self.category_id}"


class RollupMark(models.Model):
    """How far an incremental run has read: the newest change time of a record and the
    newest event id it saw (the next run rereads a little before both: idempotent)."""

    name = models.CharField(max_length=40, unique=True)
    changed_to = models.DateTimeField(null=True, blank=True)
    event_to = models.BigIntegerField(default=0)
    ran_at = models.DateTimeField(default=clock.now)
    days = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = gettext_lazy("汇总进度")
        verbose_name_plural = gettext_lazy("汇总进度")

    def __str__(self) -> str:
        return self.name


class CaseStateRollup(CaseCohort):
    """The time the cases of one ``CaseRollup`` cohort (received on ``day`` in the area and
    ``category``) spent in one workflow ``state``: ``spells`` stays that have ended (the case
    left the state) and their summed ``seconds``. A stay still going is not counted until it
    ends, so that a day's rows depend on the records alone (a rebuild equals the incremental
    runs) and never on the hour the rollup ran. Mean time in a state = seconds ÷ spells."""

    state = models.CharField(gettext_lazy("状态"), max_length=16)
    spells = models.PositiveIntegerField(gettext_lazy("停留次数"), default=0)
    seconds = models.BigIntegerField(gettext_lazy("停留用时合计（秒）"), default=0)

    class Meta:
        verbose_name = gettext_lazy("诉求状态用时汇总")
        verbose_name_plural = gettext_lazy("诉求状态用时汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "path", "category", "state"], name="case_state_rollup_one_row"
            ),
        ]
        indexes = [
            models.Index(
                fields=["path", "day"],
                name="case_state_rollup_path_day",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
            models.Index(fields=["day"], name="case_state_rollup_day"),
            models.Index(
                fields=["day", "path"],
                name="case_state_rollup_day_path",
                opclasses=["date_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.path} {self.category_id} {self.state}"


class ModuleRollup(models.Model):
    """One figure of one module (``source``: visits, alarms, volunteering, needs, wishes,
    votes, meetings, scorecards) for
    one local ``day``, area and ``key`` (the module's breakdown: a care tag, an alarm kind, a
    need kind; empty when there is none): a long table, one row per figure, rather than a
    model per module. Each module's figures are described in ``sources.py`` (the date that
    makes a record's day, its area, the condition of each figure); the writer, the reads and
    the click-through are the same code for all of them. ``value`` is a count, or for a
    figure ending in ``_seconds`` / ``_minutes`` / ``points`` a sum."""

    source = models.CharField(gettext_lazy("模块"), max_length=20)
    day = models.DateField(gettext_lazy("日期"))
    path = models.CharField(gettext_lazy("区域路径"), max_length=255)
    grid = models.ForeignKey(
        Place,
        verbose_name=gettext_lazy("网格"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(gettext_lazy("分项"), max_length=40, blank=True)
    figure = models.CharField(gettext_lazy("指标"), max_length=30)
    value = models.BigIntegerField(gettext_lazy("数值"), default=0)

    class Meta:
        verbose_name = gettext_lazy("模块日汇总")
        verbose_name_plural = gettext_lazy("模块日汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "day", "path", "key", "figure"], name="module_rollup_one_row"
            ),
        ]
        indexes = [
            models.Index(
                fields=["source", "path", "day"],
                name="module_rollup_path_day",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "date_ops"],
            ),
            models.Index(fields=["source", "day"], name="module_rollup_day"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.day} {self.path} {self.key} {self.figure}"
