"""Structured logs: one JSON object per line with the request id, and that id carried into the
background tasks a request enqueues, whose log lines then carry it too."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client, RequestFactory

from tongxin.core import logs
from tongxin.core.middleware import current_request


def _formatted(record: logging.LogRecord) -> dict:
    logs.ContextFilter().filter(record)
    return json.loads(logs.JsonFormatter().format(record))


def test_a_log_line_is_one_json_object_with_the_request_id():
    request = RequestFactory().get("/")
    request.request_id = "req-123"
    token = current_request.set(request)
    try:
        record = logging.makeLogRecord(
            {"name": "tongxin.x", "levelname": "WARNING", "msg": "居民 %s 来电", "args": ("甲",)}
        )
        record.case_ref = "C-1"  # extra= fields come along
        line = _formatted(record)
    finally:
        current_request.reset(token)
    assert line["message"] == "居民 甲 来电" and line["level"] == "WARNING"
    assert line["request_id"] == "req-123" and line["case_ref"] == "C-1"
    assert line["ts"].endswith("+00:00")


def test_an_exception_is_logged_with_its_type_and_traceback():
    try:
        raise ValueError("bad")
    except ValueError:
        import sys

        record = logging.makeLogRecord(
            {"name": "t", "levelname": "ERROR", "msg": "boom", "exc_info": sys.exc_info()}
        )
    line = _formatted(record)
    assert line["exc_type"] == "ValueError" and "Traceback" in line["exc"]
    assert line["request_id"] == ""


def test_every_response_names_its_request_id():
    response = Client().get("/healthz")
    assert len(response["X-Request-ID"]) >= 16


@pytest.mark.django_db
def test_the_request_id_is_carried_into_the_task_it_enqueues(caplog):
    from django_tasks_db.models import DBTaskResult

    from tongxin.conftest import run_queued_tasks
    from tongxin.core.tasks import chain_audit_log

    request = RequestFactory().post("/cases/")
    request.request_id = "req-carried-into-a-task"
    token = current_request.set(request)
    try:
        chain_audit_log.enqueue()
    finally:
        current_request.reset(token)
    chain_audit_log.enqueue()  # outside any request: nothing to carry
    queued = list(
        DBTaskResult.objects.order_by("enqueued_at").values_list("args_kwargs", flat=True)
    )
    assert queued[0]["request_id"] == "req-carried-into-a-task"
    assert "request_id" not in queued[1]
    with caplog.at_level(logging.INFO, logger="tongxin.tasks"):
        assert run_queued_tasks() == 2
    lines = [r for r in caplog.records if r.name == "tongxin.tasks"]
    assert [r.getMessage() for r in lines] == ["task started", "task ended: SUCCESSFUL"] * 2
    first = [_formatted(r) for r in lines[:2]]
    assert {line["request_id"] for line in first} == {"req-carried-into-a-task"}
    assert first[0]["task"] == "chain_audit_log" and first[0]["task_id"]
    assert {_formatted(r)["request_id"] for r in lines[2:]} == {""}
