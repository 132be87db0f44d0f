"""The audit log is a hash chain: altering, removing or reordering any row is detected and
named. ``record`` inserts rows unchained and without a lock; ``chain_pending`` chains them."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tongxin.conftest import run_queued_tasks
from tongxin.core import audit, clock
from tongxin.core.models import AuditChainHead, AuditEvent
from tongxin.core.tasks import chain_audit_log

TABLE = AuditEvent._meta.db_table


@pytest.fixture
def chain(db):
    rows = [
        audit.record(actor=None, action=f"act{i}", detail={"i": i, "名": "值"}) for i in range(6)
    ]
    assert audit.chain_pending() == 6
    for row in rows:
        row.refresh_from_db()
    return rows


def verify() -> str:
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def test_intact_chain_verifies(chain):
    assert "校验通过" in verify()
    head = AuditChainHead.objects.get(pk=1)
    assert head.last_seq == chain[-1].seq and head.last_hash == chain[-1].row_hash
    assert chain[1].prev_hash == chain[0].row_hash
    assert [e.seq for e in chain] == list(range(chain[0].seq, chain[0].seq + 6))  # id order
    assert all(e.row_hash == audit.row_hash(e) for e in chain)


def test_record_inserts_unchained_and_never_touches_the_chain_head(db):
    head_table = AuditChainHead._meta.db_table
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        event = audit.record(actor=None, action="unlocked")
        audit.record(actor=None, action="unlocked_too")
    assert queries.captured_queries, "record() issued no query at all?"
    touching_head = [q["sql"] for q in queries.captured_queries if head_table in q["sql"]]
    assert touching_head == []  # so two open transactions no longer queue on the head
    assert not any("FOR UPDATE" in q["sql"].upper() for q in queries.captured_queries)
    event.refresh_from_db()
    assert (event.seq, event.prev_hash, event.row_hash) == (None, "", "")


def test_chaining_is_idempotent_and_leaves_nothing_unchained(chain):
    audit.record(actor=None, action="later")
    assert audit.chain_pending() == 1
    assert audit.chain_pending() == 0
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()
    head = AuditChainHead.objects.get(pk=1)
    latest = AuditEvent.objects.get(action="later")
    assert latest.seq == chain[-1].seq + 1 and latest.prev_hash == chain[-1].row_hash
    assert (head.last_seq, head.last_hash) == (latest.seq, latest.row_hash)


def test_chaining_runs_in_batches(chain, monkeypatch):
    monkeypatch.setattr(audit, "CHAIN_BATCH", 2)
    for i in range(5):
        audit.record(actor=None, action=f"batch{i}")
    assert audit.chain_pending() == 5
    assert "校验通过" in verify()


def test_verify_chains_pending_rows_first(chain):
    audit.record(actor=None, action="not_yet_chained")
    total = AuditEvent.objects.count()  # the demo's own rows (its paper ballots), then ours
    output = verify()
    assert "已将 1 条新审计记录链入哈希链" in output and f"{total} 条记录校验通过" in output
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()
    audit.record(actor=None, action="not_yet_chained_either")
    assert audit.verify_chain() == (total + 1, None)  # the function chains first as well
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()


def test_a_chained_row_cannot_be_chained_again(chain):
    victim = chain[2]
    with pytest.raises(RuntimeError, match="已入链"):
        AuditEvent._set_chain(victim.pk, seq=999, prev_hash="", row_hash="0" * 64)
    with pytest.raises(RuntimeError):
        AuditEvent.objects.filter(pk=victim.pk).update(action="tampered")
    victim.refresh_from_db()
    assert victim.seq == chain[2].seq and "校验通过" in verify()


def test_a_commit_queues_one_chaining_task(db, django_capture_on_commit_callbacks):
    def queued() -> int:
        return DBTaskResult.objects.filter(task_path=chain_audit_log.module_path).count()

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for i in range(3):
            audit.record(actor=None, action=f"burst{i}")
    assert len(callbacks) == 1  # one per transaction, not one per row
    assert queued() == 1
    with django_capture_on_commit_callbacks(execute=True):
        audit.record(actor=None, action="while_one_waits")
    assert queued() == 1  # the task still waiting will chain this row too
    assert run_queued_tasks() == 0  # it waits CHAIN_DELAY, to chain a burst in one pass
    result = DBTaskResult.objects.get(task_path=chain_audit_log.module_path)
    DBTaskResult.objects.filter(pk=result.pk).update(run_after=clock.now())
    assert run_queued_tasks() == 1  # through the real worker's run
    result.refresh_from_db()
    assert result.return_value == 4
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()
    assert "校验通过" in verify()


def test_altered_row_is_named(chain):
    victim = chain[3]
    with connection.cursor() as cur:  # an attacker with database access, not the ORM
        cur.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET action = %s WHERE id = %s",
            ["tampered", victim.pk],
        )
    with pytest.raises(CommandError, match=f"第 {victim.seq} 号审计记录（id={victim.pk}）已被篡改"):
        verify()


def test_reordered_rows_are_named(chain):
    first, second = chain[1], chain[3]
    with connection.cursor() as cur:  # swap two rows' places in the chain
        cur.execute(f"UPDATE {TABLE} SET seq = %s WHERE id = %s", [10**12, first.pk])
        cur.execute(f"UPDATE {TABLE} SET seq = %s WHERE id = %s", [first.seq, second.pk])
        cur.execute(f"UPDATE {TABLE} SET seq = %s WHERE id = %s", [second.seq, first.pk])
    with pytest.raises(CommandError, match=f"第 {first.seq} 号审计记录（id={second.pk}）已被篡改"):
        verify()


def test_a_row_unchained_by_hand_is_not_silently_chained_again(chain):
    victim = chain[2]
    with connection.cursor() as cur:  # alter it and pretend it was never chained
        cur.execute(
            f"UPDATE {TABLE} SET action = 'tampered', seq = NULL, prev_hash = '', row_hash = '' "
            "WHERE id = %s",
            [victim.pk],
        )
    with pytest.raises(CommandError, match=f"第 {victim.seq} 号审计记录缺失"):
        verify()


def test_removed_row_is_named(chain):
    victim = chain[2]
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [victim.pk])
    with pytest.raises(CommandError, match=f"第 {victim.seq} 号审计记录缺失"):
        verify()


def test_removed_tail_is_detected(chain):
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [chain[-1].pk])
    with pytest.raises(CommandError, match="末尾被删除"):
        verify()


def test_rows_refuse_update_and_delete_through_the_orm(chain):
    with pytest.raises(RuntimeError):
        chain[0].save()
    with pytest.raises(RuntimeError):
        chain[0].delete()
    with pytest.raises(RuntimeError):
        AuditEvent.objects.all().delete()
    with pytest.raises(RuntimeError):
        AuditEvent.objects.filter(pk=chain[0].pk).update(action="x")


def test_the_pruning_escape_hatch_keeps_the_retention_period(chain):
    with pytest.raises(RuntimeError, match="至少保留 183 天"):
        AuditEvent._prune_through(chain[-1].seq)
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in chain]).count() == 6


def test_prune_respects_retention_and_keeps_the_chain_verifiable(chain):
    with pytest.raises(CommandError, match="至少保留 183 天"):
        call_command("audit_prune", "--before", clock.today().isoformat())
    old = clock.now() - dt.timedelta(days=400)
    # Rebuild the chain with three rows written 400 days ago and three written now.
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {TABLE}")
    AuditChainHead.objects.filter(pk=1).update(
        last_seq=0, last_hash="", pruned_through=0, pruned_hash=""
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(timezone, "now", lambda: old)
        for i in range(3):
            audit.record(actor=None, action=f"old{i}")
    for i in range(3):
        audit.record(actor=None, action=f"new{i}")
    cutoff = (clock.now() - dt.timedelta(days=200)).date().isoformat()
    call_command("audit_prune", "--before", cutoff, stdout=io.StringIO())
    assert not AuditEvent.objects.filter(action__startswith="old").exists()
    assert AuditEvent.objects.filter(action__startswith="new").count() == 3
    assert AuditEvent.objects.filter(action="audit_prune").exists()
    assert AuditChainHead.objects.get(pk=1).pruned_through == 3
    assert "校验通过" in verify()
