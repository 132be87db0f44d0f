"""The audit log is a hash chain: altering or removing any row is detected and named."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from tongxin.core import audit, clock
from tongxin.core.models import AuditChainHead, AuditEvent


@pytest.fixture
def chain(db):
    return [
        audit.record(actor=None, action=f"act{i}", detail={"i": i, "名": "值"}) for i in range(6)
    ]


def verify() -> str:
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def test_intact_chain_verifies(chain):
    assert "校验通过" in verify()
    head = AuditChainHead.objects.get(pk=1)
    assert head.last_seq == chain[-1].seq and head.last_hash == chain[-1].row_hash
    assert chain[1].prev_hash == chain[0].row_hash


def test_altered_row_is_named(chain):
    victim = chain[3]
    with connection.cursor() as cur:  # an attacker with database access, not the ORM
        cur.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET action = %s WHERE id = %s",
            ["tampered", victim.pk],
        )
    with pytest.raises(CommandError, match=f"第 {victim.seq} 号审计记录（id={victim.pk}）已被篡改"):
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


def test_prune_respects_retention_and_keeps_the_chain_verifiable(chain):
    with pytest.raises(CommandError, match="至少保留 183 天"):
        call_command("audit_prune", "--before", clock.today().isoformat())
    old = clock.now() - dt.timedelta(days=400)
    # Rebuild the chain with three rows written 400 days ago and three written now.
    AuditEvent.objects.all().delete()
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
    assert "校验通过" in verify()
