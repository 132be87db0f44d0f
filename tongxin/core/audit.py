"""The audit log: append-only rows chained by SHA-256, and the check that proves it.

Call ``record`` inside the transaction of the act it describes. Each row carries a sequence
number, the previous row's hash and its own hash over every field; ``AuditChainHead`` holds
the end of the chain and is locked while a row is appended, so writers queue and the chain has
no forks. ``verify_chain`` names the first row that was altered or removed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from tongxin.core import clock

from .middleware import client_ip, current_request
from .models import AuditChainHead, AuditEvent

RETENTION_DAYS = 183  # 等保 level 3 asks for at least six months
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


def record(
    *,
    actor: Any,
    action: str,
    obj: Any = None,
    subject_person_id: int | None = None,
    result: str = AuditEvent.Result.OK,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    request = current_request.get()
    user = actor if getattr(actor, "is_authenticated", False) else None
    role = ""
    if user is not None:
        from tongxin.accounts.scopes import primary_role_label

        role = primary_role_label(user)
    detail = json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str))
    event = AuditEvent(
        at=clock.now(),
        actor=user,
        actor_name=getattr(user, "username", "") if user else str(detail.get("username", "")),
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
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        event.seq = head.last_seq + 1
        event.prev_hash = head.last_hash
        event.row_hash = row_hash(event)
        event.save(force_insert=True)
        head.last_seq, head.last_hash = event.seq, event.row_hash
        head.save(update_fields=["last_seq", "last_hash"])
    return event


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    event_id: int | None
    message: str


def _rows() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("seq").iterator(chunk_size=5000)


def verify_chain() -> tuple[int, ChainProblem | None]:
    """Walk the whole chain. Returns (rows checked, the first problem or None)."""
    head = AuditChainHead.objects.get(pk=1)
    expected_seq = head.pruned_through + 1
    expected_prev = head.pruned_hash
    checked = 0
    for e in _rows():
        if e.seq != expected_seq:
            return checked, ChainProblem(
                expected_seq, None, f"第 {expected_seq} 号审计记录缺失（已被删除）"
            )
        if e.prev_hash != expected_prev or row_hash(e) != e.row_hash:
            return checked, ChainProblem(e.seq, e.pk, f"第 {e.seq} 号审计记录（id={e.pk}）已被篡改")
        expected_seq += 1
        expected_prev = e.row_hash
        checked += 1
    if expected_seq - 1 != head.last_seq or expected_prev != head.last_hash:
        missing = expected_seq
        return checked, ChainProblem(
            missing, None, f"第 {missing} 号起的审计记录缺失（末尾被删除）"
        )
    return checked, None


def prune(*, before: dt.datetime, actor: Any = None) -> int:
    """Delete the oldest rows, older than ``before``, keeping the chain verifiable.

    Refuses to cut into the retention period. Only a prefix of the chain is removed; where it
    was cut is kept on the chain head.
    """
    limit = clock.now() - dt.timedelta(days=RETENTION_DAYS)
    if before > limit:
        raise ValueError(
            f"审计日志至少保留 {RETENTION_DAYS} 天：只能清理 {limit:%Y-%m-%d} 之前的记录"
        )
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        # The prefix: rows up to the first one that is still to be kept.
        first_kept = (
            AuditEvent.objects.filter(at__gte=before)
            .order_by("seq")
            .values_list("seq", flat=True)
            .first()
        )
        cut = (first_kept - 1) if first_kept is not None else head.last_seq
        if cut <= head.pruned_through:
            return 0
        last = AuditEvent.objects.get(seq=cut)
        deleted, _ = AuditEvent.objects.filter(seq__lte=cut).delete()
        head.pruned_through, head.pruned_hash = cut, last.row_hash
        head.save(update_fields=["pruned_through", "pruned_hash"])
    record(actor=actor, action="audit_prune", detail={"through_seq": cut, "rows": deleted})
    return deleted
