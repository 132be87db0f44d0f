"""The audit log: append-only rows chained by SHA-256, and the check that proves it.

Call ``record`` inside the transaction of the act it describes. It only inserts the row, with
its chain fields empty ("not yet chained"), and takes no lock: audited writes do not queue
behind one another. One place chains rows, ``chain_pending``: holding the lock on
``AuditChainHead`` it takes the unchained rows in id order and gives each the next sequence
number, the previous row's hash and its own hash over every field (see ``AuditEvent``), so the
chain has no forks. It runs in the task worker shortly after a transaction that recorded
something commits (``tongxin.core.tasks.chain_audit_log``), and first thing in
``verify_chain`` and ``prune``, so those always cover every row. ``verify_chain`` names the
first row that was altered, removed or reordered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core import clock

from .actors import Actor, as_account
from .middleware import client_ip, current_request
from .models import AuditChainHead, AuditEvent

_role_label: Callable[[Actor], str] | None = None


def register_role_labeller(label: Callable[[Actor], str]) -> None:
    """Set how an audit row names the actor's role (``orgs`` registers the most senior post
    in force, from ``AppConfig.ready``)."""
    global _role_label
    _role_label = label


RETENTION_DAYS = 183  # 等保 level 3 asks for at least six months
# Rows chained per transaction of ``chain_pending`` (the head stays locked that long).
CHAIN_BATCH = 1000
# How long after a commit the chaining task runs: a burst of audited writes is chained in
# one pass by one queued task instead of one task each.
CHAIN_DELAY = dt.timedelta(seconds=5)
# Audited acts whose response may carry full personal values on purpose.
REVEAL_ACTIONS = frozenset({"pii_reveal", "self_access"})


def _payload(e: AuditEvent) -> bytes:
    fields = [
        e.seq,
        e.at.astimezone(dt.UTC).isoformat(),
        e.actor_id,
        e.actor_name,
        e.role,
        e.action,
        e.object_type,
        e.object_id,
        e.subject_person_id,
        e.result,
        e.ip,
        e.request_id,
        e.detail,
        e.prev_hash,
    ]
    return json.dumps(
        fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    ).encode()


def row_hash(e: AuditEvent) -> str:
    return hashlib.sha256(_payload(e)).hexdigest()


def _enqueue_chaining() -> None:
    """Queue the chaining task, unless one is already waiting: a task that has not started
    yet will see every row committed before it starts."""
    from django_tasks_db.models import DBTaskResult, TaskResultStatus

    from .tasks import chain_audit_log

    # A waiting chaining task was queued CHAIN_DELAY ahead at most: bounding run_after keeps
    # this a short range of the backend's (status, priority, run_after) index, however many
    # clock checks wait days ahead beside it.
    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY,
        priority=chain_audit_log.priority,
        run_after__lte=clock.now() + CHAIN_DELAY,
        task_path=chain_audit_log.module_path,
    )
    if not waiting.exists():
        chain_audit_log.using(run_after=clock.now() + CHAIN_DELAY).enqueue()


def _chain_after_commit() -> None:
    """Once per transaction: queue the chaining when it commits."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        func is _enqueue_chaining for _sids, func, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(_enqueue_chaining)


def record(
    *,
    actor: Actor | None,
    action: str,
    obj: Any = None,
    subject_person_id: int | None = None,
    result: str = AuditEvent.Result.OK,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    request = current_request.get()
    user = actor if actor is not None and actor.is_authenticated else None
    role = _role_label(user) if user is not None and _role_label is not None else ""
    detail = json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str))
    event = AuditEvent(
        at=clock.now(),
        actor=as_account(user),
        actor_name=user.username if user is not None else str(detail.get("username", "")),
        role=role,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        subject_person_id=subject_person_id,
        result=result,
        ip=client_ip(request) if request is not None else "",
        request_id=getattr(request, "request_id", "") if request is not None else "",
        detail=detail,
    )
    if request is not None and result == AuditEvent.Result.OK and action in REVEAL_ACTIONS:
        # Lets the test suite's leak scanner tell an audited reveal from a leak.
        request.tongxin_pii_revealed = True  # type: ignore[attr-defined]
    # No lock: the row goes in unchained; chain_pending gives it its place in the chain.
    event.save(force_insert=True)
    _chain_after_commit()
    return event


def chain_pending() -> int:
    """Chain every row that is not chained yet, oldest id first. Returns how many it chained.

    Holds the lock on the chain head (``select_for_update``; on SQLite the write lock) while
    it assigns ``seq`` = head + 1…, ``prev_hash`` and ``row_hash`` and moves the head, so two
    chainers run one after the other and the second finds nothing left to do: idempotent and
    safe to run concurrently. Works in batches of ``CHAIN_BATCH`` rows, one transaction each.
    Rows committed later wait for the next run.
    """
    chained = 0
    while True:
        with transaction.atomic():
            head = AuditChainHead.objects.select_for_update().get(pk=1)
            pending = list(AuditEvent.objects.filter(seq__isnull=True).order_by("id")[:CHAIN_BATCH])
            if not pending:
                return chained
            seq, prev = head.last_seq, head.last_hash
            for e in pending:
                seq += 1
                # Hashed as read back from the database, as verify_chain will read it.
                e.seq, e.prev_hash = seq, prev
                e.row_hash = row_hash(e)
                AuditEvent._set_chain(e.pk, seq=e.seq, prev_hash=e.prev_hash, row_hash=e.row_hash)
                prev = e.row_hash
            head.last_seq, head.last_hash = seq, prev
            head.save(update_fields=["last_seq", "last_hash"])
            chained += len(pending)


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    event_id: int | None
    message: str


def _rows(through_seq: int) -> Iterator[AuditEvent]:
    return (
        AuditEvent.objects.filter(seq__isnull=False, seq__lte=through_seq)
        .order_by("seq")
        .iterator(chunk_size=5000)
    )


def verify_chain() -> tuple[int, ChainProblem | None]:
    """Chain what is pending, then walk the whole chain. Returns (rows checked, the first
    problem or None).

    A row is bad when its ``seq`` is not the next one (rows removed, or an earlier row moved
    away), its ``prev_hash`` is not the previous row's hash, or its own hash does not match
    its fields (altered, or moved to another place in the order). Rows that a concurrent
    chainer adds after the head was read are left for the next run.
    """
    chain_pending()
    head = AuditChainHead.objects.get(pk=1)
    expected_seq = head.pruned_through + 1
    expected_prev = head.pruned_hash
    checked = 0
    for e in _rows(head.last_seq):
        if e.seq != expected_seq:
            return checked, ChainProblem(
                expected_seq,
                None,
                _("第 {expected_seq} 号审计记录缺失（已被删除）").format(expected_seq=expected_seq),
            )
        if e.prev_hash != expected_prev or row_hash(e) != e.row_hash:
            return checked, ChainProblem(
                e.seq, e.pk, _("第 {seq} 号审计记录（id={pk}）已被篡改").format(seq=e.seq, pk=e.pk)
            )
        expected_seq += 1
        expected_prev = e.row_hash
        checked += 1
    if expected_seq - 1 != head.last_seq or expected_prev != head.last_hash:
        missing = expected_seq
        return checked, ChainProblem(
            missing,
            None,
            _("第 {missing} 号起的审计记录缺失（末尾被删除）").format(missing=missing),
        )
    return checked, None


def prune(*, before: dt.datetime, actor: Actor | None = None) -> int:
    """Delete the oldest rows, older than ``before``, keeping the chain verifiable.

    Refuses to cut into the retention period. Only a prefix of the chain is removed; where it
    was cut is kept on the chain head.
    """
    limit = clock.now() - dt.timedelta(days=RETENTION_DAYS)
    if before > limit:
        raise ValueError(
            _("审计日志至少保留 {retention_days} 天：只能清理 {limit:%Y-%m-%d} 之前的记录").format(
                retention_days=RETENTION_DAYS, limit=limit
            )
        )
    chain_pending()  # so that every row old enough has its place in the chain
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        # The prefix: rows up to the first one that is still to be kept.
        first_kept = (
            AuditEvent.objects.filter(seq__isnull=False, at__gte=before)
            .order_by("seq")
            .values_list("seq", flat=True)
            .first()
        )
        cut = (first_kept - 1) if first_kept is not None else head.last_seq
        if cut <= head.pruned_through:
            return 0
        last = AuditEvent.objects.get(seq=cut)
        deleted = AuditEvent._prune_through(cut)
        head.pruned_through, head.pruned_hash = cut, last.row_hash
        head.save(update_fields=["pruned_through", "pruned_hash"])
    record(actor=actor, action="audit_prune", detail={"through_seq": cut, "rows": deleted})
    return deleted
