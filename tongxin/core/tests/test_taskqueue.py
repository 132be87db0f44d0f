"""Tasks deferred to the commit go in together, in one INSERT, and a rolled-back savepoint
takes its own tasks with it (core.taskqueue)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from tongxin.cases.tasks import check_case_clocks
from tongxin.core import clock, taskqueue


def _queued() -> list[list]:
    return sorted(
        r.args_kwargs["args"]
        for r in DBTaskResult.objects.filter(task_path=check_case_clocks.module_path)
    )


@pytest.mark.django_db(transaction=True)
def test_a_transactions_tasks_go_in_one_insert_on_a_real_commit():
    later = clock.now() + dt.timedelta(hours=1)
    with CaptureQueriesContext(connection) as ctx, transaction.atomic():
        taskqueue.defer(check_case_clocks, 1, run_after=later)
        taskqueue.defer(check_case_clocks, 2)
        try:
            with transaction.atomic():
                taskqueue.defer(check_case_clocks, 3)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        with transaction.atomic():
            taskqueue.defer(check_case_clocks, 4)
    inserts = [q for q in ctx.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert _queued() == [[1], [2], [4]]
    first = DBTaskResult.objects.get(args_kwargs__args=[1])
    assert first.run_after == later and first.task_result.task.run_after == later
    assert DBTaskResult.objects.get(args_kwargs__args=[2]).task_result.task.run_after is None


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_queues_nothing_and_leaves_no_trace():
    with pytest.raises(RuntimeError), transaction.atomic():
        taskqueue.defer(check_case_clocks, 1)
        raise RuntimeError("rolled back")
    with transaction.atomic():
        taskqueue.defer(check_case_clocks, 2)
    assert _queued() == [[2]]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_task_is_queued_at_once():
    taskqueue.defer(check_case_clocks, 7)
    assert _queued() == [[7]]


@pytest.mark.django_db(transaction=True)
def test_flush_inserts_inside_the_transaction_and_goes_with_it():
    """``flush()`` writes the deferred tasks in the transaction itself (one INSERT, before
    COMMIT, nothing after it); a rollback takes the rows with it; a task deferred after the
    flush still waits for the commit; a rolled-back savepoint's tasks are not flushed."""
    with CaptureQueriesContext(connection) as ctx, transaction.atomic():
        taskqueue.defer(check_case_clocks, 1)
        try:
            with transaction.atomic():
                taskqueue.defer(check_case_clocks, 2)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        taskqueue.flush()
        assert _queued() == [[1]]  # visible to this transaction, not yet to the workers
        taskqueue.defer(check_case_clocks, 3)
    sql = [q["sql"] for q in ctx.captured_queries]
    inserts = [i for i, s in enumerate(sql) if s.startswith("INSERT")]
    commit = max(i for i, s in enumerate(sql) if s.upper().startswith("COMMIT"))
    assert inserts[0] < commit and len(inserts) == 2  # the flush, then task 3 after COMMIT
    assert _queued() == [[1], [3]]

    with pytest.raises(RuntimeError), transaction.atomic():
        taskqueue.defer(check_case_clocks, 4)
        taskqueue.flush()
        raise RuntimeError("rolled back")
    assert _queued() == [[1], [3]]
