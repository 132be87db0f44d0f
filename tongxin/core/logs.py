"""Structured logs: one JSON object per line, carrying the request id into background tasks.

Every record gets ``request_id`` (the ``X-Request-ID`` of the request being answered) and, in
the task worker, ``task_id`` and ``task``: a task enqueued while answering a request is stamped
with that request's id (an extra key in the queued row's arguments, which the worker ignores
when calling), and while the worker runs it, its log lines carry the same id. One search for a
request id finds the request, what it enqueued and what that task logged.

``TONGXIN_LOG_FORMAT=json`` (production and the demo) selects :class:`JsonFormatter`; the
development server keeps plain text.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
from typing import Any

from .middleware import current_request

tasks_log = logging.getLogger("tongxin.tasks")
task_context: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "tongxin_task_context", default=None
)

# Attributes every LogRecord has; anything else on a record was passed as ``extra=``.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}


def request_id() -> str:
    request = current_request.get()
    if request is not None:
        return str(getattr(request, "request_id", ""))
    task = task_context.get()
    return task.get("request_id", "") if task else ""


class ContextFilter(logging.Filter):
    """Adds ``request_id`` (and in a task ``task_id`` and ``task``) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is not None:
            return True  # already stamped (a second handler)
        record.request_id = request_id()
        task = task_context.get()
        if task:
            record.task_id = task.get("task_id", "")
            record.task = task.get("task", "")
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or request_id(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info:
            entry["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else ""
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


# ------------------------------------------------------------------ carrying the id into tasks


def _stamp(sender: Any, instance: Any, **kwargs: Any) -> None:
    """``pre_save`` of a queued task: remember the request that enqueued it."""
    if instance._state.adding and isinstance(instance.args_kwargs, dict):
        rid = request_id()
        if rid:
            instance.args_kwargs = {**instance.args_kwargs, "request_id": rid}


def _started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    row = DBTaskResult.objects.filter(pk=task_result.id).values_list("args_kwargs", flat=True)
    args = row.first() or {}
    task_context.set(
        {
            "task_id": str(task_result.id),
            "task": str(getattr(task_result.task, "name", "")),
            "request_id": str(args.get("request_id", "")) if isinstance(args, dict) else "",
        }
    )
    tasks_log.info("task started")


def _finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    status = str(getattr(task_result.status, "value", task_result.status))
    (tasks_log.info if status == "SUCCESSFUL" else tasks_log.warning)("task ended: %s", status)
    task_context.set(None)


def connect() -> None:
    """From ``CoreConfig.ready``."""
    from django.db.models.signals import pre_save
    from django_tasks.signals import task_finished, task_started
    from django_tasks_db.models import DBTaskResult

    pre_save.connect(_stamp, sender=DBTaskResult, dispatch_uid="tongxin_stamp_request_id")
    task_started.connect(_started, dispatch_uid="tongxin_task_log_context")
    task_finished.connect(_finished, dispatch_uid="tongxin_task_log_context_end")
