"""Base models and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import clock

from . import tokens
from .scoping import ScopedQuerySet


def in_force_q(on: dt.date | None = None) -> models.Q:
    """Rows whose ``start_date``..``end_date`` period covers ``on`` (today by default); an
    empty start or end means open-ended. Posts, care tags and the like share this rule."""
    on = on or clock.today()
    return (models.Q(start_date__isnull=True) | models.Q(start_date__lte=on)) & (
        models.Q(end_date__isnull=True) | models.Q(end_date__gte=on)
    )


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk updates and deletes of history rows are refused as well: ``update()``,
    ``delete()`` and ``bulk_update()`` raise. The few legitimate exceptions (chaining an audit
    row, retention pruning of the audit log) are named methods on the model that call the
    plain ``QuerySet`` method on purpose; there is no general way around."""

    def update(self, **kwargs: Any) -> int:
        raise RuntimeError(
            _("{verbose_name}只能追加，不能修改").format(verbose_name=self.model._meta.verbose_name)
        )

    def delete(self) -> Any:
        raise RuntimeError(
            _("{verbose_name}只能追加，不能删除").format(verbose_name=self.model._meta.verbose_name)
        )

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise RuntimeError(
            _("{verbose_name}只能追加，不能修改").format(verbose_name=self.model._meta.verbose_name)
        )


# django-stubs types each queryset's as_manager() with its own manager class, so the two
# bases disagree; the runtime class is simply both.
class AppendOnlyScopedQuerySet(AppendOnlyQuerySet, ScopedQuerySet):  # type: ignore[override]
    """Append-only history that is also narrowed per user (``visible_to``)."""


AppendOnlyManager = models.Manager.from_queryset(AppendOnlyQuerySet)
AppendOnlyScopedManager = models.Manager.from_queryset(AppendOnlyScopedQuerySet)


class AppendOnlyModel(models.Model):
    """A row of history (the audit log, a case's timeline, a ledger entry): written once and
    never changed or deleted, so that a bug cannot rewrite what happened. Corrections are new
    rows that refer to what they correct.

    Refused on the instance (``save()`` of an existing row, ``delete()``) and on the queryset
    (``update()``, ``delete()``, ``bulk_update()``): the default manager is an
    ``AppendOnlyManager``, or ``AppendOnlyScopedManager`` for history read per user; a
    subclass that declares another manager loses that, which ``test_append_only`` catches.
    Deleting a parent row still cascades through Django's collector (which bypasses
    managers): history goes with what it is the history of, where the foreign key says so."""

    objects = AppendOnlyManager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError(
                _("{verbose_name}只能追加，不能修改").format(verbose_name=self._meta.verbose_name)
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            _("{verbose_name}只能追加，不能删除").format(verbose_name=self._meta.verbose_name)
        )


def allocate_pk(model: type[models.Model]) -> int:
    """The next primary key of ``model``'s table, taken before its row is inserted, so that
    a row whose other fields derive from its key (a case's reference) is written in one
    ``INSERT``. PostgreSQL: ``nextval`` of the key's sequence (never handed out twice).
    SQLite: one above the table's ``AUTOINCREMENT`` counter, which is safe only inside a
    transaction holding the write lock (``transaction_mode`` IMMEDIATE, the settings' own),
    so it must be called inside ``transaction.atomic``."""
    from django.db import connection

    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [table, column])
        else:
            if not connection.in_atomic_block:
                raise RuntimeError("allocate_pk on SQLite needs transaction.atomic")
            cursor.execute(
                "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0) + 1",
                [table],
            )
        return int(cursor.fetchone()[0])


class TimeStampedModel(models.Model):
    """Adds creation and last-change times."""

    created_at = models.DateTimeField(gettext_lazy("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(gettext_lazy("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(AppendOnlyModel):
    """One row of the append-only audit log: who did what to which object, and how it ended.

    Rows are only ever inserted (``tongxin.core.audit.record``), without their chain fields:
    ``seq``, ``prev_hash`` and ``row_hash`` empty means "not yet chained". The model refuses
    every update and delete (instance and queryset) so that a bug cannot rewrite history, with
    two named exceptions, both used only by ``tongxin.core.audit`` under the lock on
    ``AuditChainHead``:

    - ``_set_chain``: fill in the three chain fields of a row whose chain fields are still
      empty (``chain_pending``), nothing else and never twice;
    - ``_prune_through``: delete the chained prefix up to a sequence number (``prune``, after
      the retention period).

    ``row_hash`` is SHA-256 over a canonical JSON list of ``seq``, ``at`` (UTC, ISO 8601) and
    every recorded field, ending with ``prev_hash`` (``tongxin.core.audit._payload``): change
    any of them, or the order, and this row and the link to the next one no longer verify.
    The database id is not in the payload; the chain's order is ``seq``.
    """

    class Result(models.TextChoices):
        OK = "ok", gettext_lazy("成功")
        DENIED = "denied", gettext_lazy("拒绝")
        FAILED = "failed", gettext_lazy("失败")

    seq = models.PositiveBigIntegerField(
        gettext_lazy("序号"), unique=True, null=True, editable=False
    )
    at = models.DateTimeField(gettext_lazy("时间"), default=clock.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(gettext_lazy("操作人账号"), max_length=150, blank=True)
    role = models.CharField(gettext_lazy("角色"), max_length=64, blank=True)
    action = models.CharField(gettext_lazy("动作"), max_length=64, db_index=True)
    object_type = models.CharField(gettext_lazy("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(gettext_lazy("对象"), max_length=64, blank=True)
    subject_person_id = models.BigIntegerField(
        gettext_lazy("数据主体"), null=True, blank=True, db_index=True
    )
    result = models.CharField(
        gettext_lazy("结果"), max_length=8, choices=Result.choices, default=Result.OK
    )
    ip = models.CharField("IP", max_length=64, blank=True)
    request_id = models.CharField(gettext_lazy("请求号"), max_length=32, blank=True)
    detail = models.JSONField(gettext_lazy("详情"), default=dict, blank=True)
    prev_hash = models.CharField(
        gettext_lazy("前一条摘要"), max_length=64, blank=True, editable=False
    )
    row_hash = models.CharField(gettext_lazy("本条摘要"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = gettext_lazy("审计日志")
        verbose_name_plural = gettext_lazy("审计日志")
        ordering = ["-id"]
        constraints = [
            # Either not yet chained (all three empty) or chained (seq and own hash set; the
            # first row after an empty or fully pruned chain has no previous hash).
            models.CheckConstraint(
                condition=models.Q(seq__isnull=True, prev_hash="", row_hash="")
                | (models.Q(seq__isnull=False) & ~models.Q(row_hash="")),
                name="audit_event_pending_or_chained",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.result}"

    @classmethod
    def _set_chain(cls, pk: int, *, seq: int, prev_hash: str, row_hash: str) -> None:
        """The one permitted update of an audit row: chain a row that is not chained yet.

        Only the three chain fields are written, and only where all three are still empty,
        so a chained row cannot be re-chained (or anything else about it changed) this way.
        Called by ``tongxin.core.audit.chain_pending`` while it holds the chain head.
        """
        if not row_hash:
            raise ValueError("row_hash is required to chain an audit row")
        pending = cls.objects.filter(pk=pk, seq__isnull=True, prev_hash="", row_hash="")
        # The plain QuerySet.update, past AppendOnlyQuerySet's refusal, on purpose.
        changed = models.QuerySet.update(pending, seq=seq, prev_hash=prev_hash, row_hash=row_hash)
        if changed != 1:
            raise RuntimeError(_("审计记录 id={pk} 已入链或不存在，不能再次入链").format(pk=pk))

    @classmethod
    def _prune_through(cls, seq: int) -> int:
        """Retention pruning, the one permitted delete of audit rows: remove the chained
        rows up to and including ``seq`` (the chain's oldest prefix). Only
        ``tongxin.core.audit.prune`` calls it, in its transaction, holding the chain head, and
        records the cut on the head. Refuses, whoever calls it, when any of those rows is
        still inside the retention period. Returns the count."""
        from .audit import RETENTION_DAYS

        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("_prune_through must run inside audit.prune's transaction")
        prefix = cls.objects.filter(seq__isnull=False, seq__lte=seq)
        keep_from = clock.now() - dt.timedelta(days=RETENTION_DAYS)
        if prefix.filter(at__gte=keep_from).exists():
            raise RuntimeError(
                _("审计日志至少保留 {retention_days} 天，不能删除其中的记录").format(
                    retention_days=RETENTION_DAYS
                )
            )
        # The plain QuerySet.delete, past AppendOnlyQuerySet's refusal, on purpose.
        deleted, _kinds = models.QuerySet.delete(prefix)
        return deleted


class AuditChainHead(models.Model):
    """The end of the audit hash chain: the last sequence number and hash, one row.

    Only the chainer (``tongxin.core.audit.chain_pending``) and pruning lock this row;
    ``record`` never touches it, so audited writes do not queue behind one another. It lets
    the verify command tell that rows were removed from the end. ``pruned_through`` and
    ``pruned_hash`` record where retention pruning cut the chain's start.
    """

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)
    pruned_through = models.PositiveBigIntegerField(default=0)
    pruned_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = gettext_lazy("审计链状态")
        verbose_name_plural = gettext_lazy("审计链状态")

    def __str__(self) -> str:
        return f"#{self.last_seq}"


class StoredUpload(models.Model):
    """A file someone uploaded (a case photo, a scanned form), kept outside the web root.

    Written only by ``tongxin.core.uploads.store_upload``, which checks the real type, re-encodes
    images without their metadata and stores the bytes under a random name in
    ``TONGXIN_UPLOAD_ROOT``. Served only by ``core:file`` after a permission check: the uploader
    may read it; anyone else must be able to see the owner object (``visible_to``).
    """

    class Kind(models.TextChoices):
        JPEG = "jpeg", gettext_lazy("JPEG 图片")
        PNG = "png", gettext_lazy("PNG 图片")
        WEBP = "webp", gettext_lazy("WebP 图片")
        PDF = "pdf", gettext_lazy("PDF 文档")

    id = models.UUIDField(primary_key=True, default=tokens.mint_uuid, editable=False)
    purpose = models.CharField(gettext_lazy("用途"), max_length=32, db_index=True)
    kind = models.CharField(gettext_lazy("类型"), max_length=8, choices=Kind.choices)
    original_name = models.CharField(gettext_lazy("原文件名"), max_length=255)
    storage_name = models.CharField(
        gettext_lazy("存储名"), max_length=80, unique=True, editable=False
    )
    size = models.PositiveBigIntegerField(gettext_lazy("大小（字节）"))
    sha256 = models.CharField("SHA-256", max_length=64)
    width = models.PositiveIntegerField(gettext_lazy("宽度"), null=True, blank=True)
    height = models.PositiveIntegerField(gettext_lazy("高度"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=gettext_lazy("所属对象类型"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_id = models.CharField(gettext_lazy("所属对象"), max_length=64, blank=True)
    created_at = models.DateTimeField(gettext_lazy("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("上传文件")
        verbose_name_plural = gettext_lazy("上传文件")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner_type", "owner_id"], name="upload_owner_idx")]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_kind_display()})"


class SchedulerLease(models.Model):
    """Who runs the periodic jobs (``tongxin.core.schedule``): one row, held by one scheduler
    process at a time. A holder renews it well before ``expires_at``; a second scheduler
    started by mistake waits, and takes over only once the lease has lapsed (its holder died).
    ``renewed_at`` is the scheduler's heartbeat, which ``/readyz`` reads."""

    name = models.CharField(gettext_lazy("名称"), max_length=32, primary_key=True)
    holder = models.CharField(gettext_lazy("持有者"), max_length=120, blank=True)
    acquired_at = models.DateTimeField(gettext_lazy("取得时间"), null=True, blank=True)
    renewed_at = models.DateTimeField(gettext_lazy("最近续约"), null=True, blank=True)
    expires_at = models.DateTimeField(gettext_lazy("到期时间"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("调度租约")
        verbose_name_plural = gettext_lazy("调度租约")

    def __str__(self) -> str:
        return f"{self.name}: {self.holder or '-'}"


class JobRun(models.Model):
    """One run of a periodic job: when it was due, when it ran, how long, how it ended.

    ``(job, slot)`` is unique: ``slot`` is the moment the run was due (for a run by hand, the
    moment it was asked for), so however many schedulers fire the same slot, one row is
    inserted and one run happens; the others find the row and skip."""

    class Outcome(models.TextChoices):
        RUNNING = "running", gettext_lazy("运行中")
        OK = "ok", gettext_lazy("成功")
        FAILED = "failed", gettext_lazy("失败")
        INTERRUPTED = "interrupted", gettext_lazy("已中断")

    job = models.CharField(gettext_lazy("任务"), max_length=64)
    slot = models.DateTimeField(gettext_lazy("计划时间"))
    manual = models.BooleanField(gettext_lazy("手动运行"), default=False)
    holder = models.CharField(gettext_lazy("执行者"), max_length=120, blank=True)
    started_at = models.DateTimeField(gettext_lazy("开始时间"))
    finished_at = models.DateTimeField(gettext_lazy("结束时间"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(gettext_lazy("耗时（毫秒）"), null=True, blank=True)
    outcome = models.CharField(
        gettext_lazy("结果"), max_length=12, choices=Outcome.choices, default=Outcome.RUNNING
    )
    detail = models.CharField(gettext_lazy("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = gettext_lazy("定时任务记录")
        verbose_name_plural = gettext_lazy("定时任务记录")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="job_run_once_per_slot"),
        ]
        indexes = [models.Index(fields=["job", "-started_at"], name="job_run_latest_idx")]

    def __str__(self) -> str:
        return f"{self.job} {self.slot:%Y-%m-%d %H:%M} {self.outcome}"
