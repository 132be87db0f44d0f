"""Tasks queued when the transaction commits, all of a transaction's in one statement.

``defer(task, *args, run_after=…)`` is ``task.using(run_after=…).enqueue(*args)`` once the
current transaction commits (at once outside one). A write that queues several tasks (an
intake queues a clock check per deadline moment and the audit chaining) costs one
``INSERT`` of them all, not one each. ``flush()`` inserts them inside the transaction
instead, sparing a hot write the commit's second transaction.

How: each ``defer`` registers a marker through ``on_commit``, so that a rolled-back savepoint
drops its task as Django drops its callbacks, and puts one flush after it (with no savepoint,
so never dropped but with the whole transaction). At commit the surviving markers gather
their tasks in order, and the last flush registered inserts them all; earlier flushes find
they are not the last and do nothing. (Django runs the callbacks one by one in the order they
were registered; the test helper that runs captured callbacks does the same.) With the
database backend (``django_tasks_db``) the rows are written by ``bulk_create`` exactly as its
``enqueue`` writes one (same id function, fields, the backend's "as soon as possible" time and
``task_enqueued`` signal, and the request id ``core.logs`` stamps); any other backend gets one
``enqueue`` each.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

Item = tuple[Any, tuple[Any, ...]]


class _Batch:
    """The tasks of one connection's transaction whose markers have run at commit."""

    def __init__(self) -> None:
        self.alive: list[Item] = []
        self.last: _Flush | None = None


class _Mark:
    __slots__ = ("batch", "item")

    def __init__(self, batch: _Batch, item: Item) -> None:
        self.batch, self.item = batch, item

    def __call__(self) -> None:
        self.batch.alive.append(self.item)


class _Flush:
    __slots__ = ("batch",)

    def __init__(self, batch: _Batch) -> None:
        self.batch = batch

    def __call__(self) -> None:
        if self.batch.last is not self:
            return
        items, self.batch.alive, self.batch.last = self.batch.alive, [], None
        enqueue_many(items)


def defer(task: Any, *args: Any, run_after: dt.datetime | None = None) -> None:
    """Queue ``task(*args)`` (at ``run_after`` or as soon as a worker is free) when the
    current transaction commits; at once when there is none."""
    if run_after is not None:
        task = task.using(run_after=run_after)
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        enqueue_many([(task, args)])
        return
    batch = getattr(connection, "_tongxin_task_batch", None)
    if batch is None:
        batch = connection._tongxin_task_batch = _Batch()  # type: ignore[attr-defined]
    transaction.on_commit(_Mark(batch, (task, args)))
    batch.last = _Flush(batch)
    connection.run_on_commit.append((set(), batch.last, False))


def flush() -> None:
    """Insert the tasks the current transaction has deferred so far now, inside it, instead of
    at its commit: the rows become visible to the workers when the transaction commits, with
    the write that queued them, and the commit needs no second transaction of its own. For a
    hot write's last step (intake). Tasks deferred later in the transaction still wait for
    its commit; tasks of a savepoint that rolls back after this go with it, their rows too.
    Only on the database backend: any other backend runs or sends a task when it is
    enqueued, which must wait for the commit."""
    connection = transaction.get_connection()
    batch = getattr(connection, "_tongxin_task_batch", None)
    if not connection.in_atomic_block or batch is None:
        return
    from django_tasks_db.backend import DatabaseBackend

    items, keep = [], []
    for entry in connection.run_on_commit:
        func = entry[1]
        if isinstance(func, _Mark) and func.batch is batch:
            items.append(func.item)
        elif not (isinstance(func, _Flush) and func.batch is batch):
            keep.append(entry)
    if not items or not all(isinstance(t.get_backend(), DatabaseBackend) for t, _a in items):
        return
    connection.run_on_commit[:] = keep
    batch.last = None
    enqueue_many(items)


def enqueue_many(items: list[tuple[Any, tuple[Any, ...]]]) -> None:
    """Queue every ``(task, args)`` now: one ``INSERT`` on the database backend."""
    if not items:
        return
    backend = items[0][0].get_backend()
    from django_tasks_db.backend import DatabaseBackend

    if not isinstance(backend, DatabaseBackend) or any(
        t.get_backend() is not backend for t, _a in items
    ):
        for task, args in items:
            task.enqueue(*args)
        return
    from django_tasks_db.compat import normalize_json, task_enqueued
    from django_tasks_db.models import DBTaskResult, get_date_max

    from .logs import request_id

    rid = request_id()
    rows: list[Any] = []
    for task, args in items:
        backend.validate_task(task)
        args_kwargs: dict[str, Any] = normalize_json({"args": list(args), "kwargs": {}})
        if rid:
            args_kwargs["request_id"] = rid
        fields: dict[str, Any] = {
            "id": backend._get_id(),
            "args_kwargs": args_kwargs,
            "priority": task.priority,
            "task_path": task.module_path,
            "queue_name": task.queue_name,
            "backend_name": backend.alias,
        }
        # No time: the backend's "as soon as possible" (its pre_save sets it for one row).
        fields["run_after"] = task.run_after or get_date_max()
        rows.append(DBTaskResult(**fields))
    DBTaskResult.objects.bulk_create(rows)
    for row in rows:
        task_enqueued.send(type(backend), task_result=row.task_result)
