"""Schemathesis over the whole OpenAPI document of ``/api/v1/``: every operation, with
examples generated from its schema — fitting it and not fitting it — bounded and the same on
every run, each called as an anonymous client and as five roles. No answer may be a server
error, and every JSON refusal is the error envelope. It runs in process (WSGI) inside the
test's transaction, so what the examples write is rolled back. The operations are dealt into
``SHARDS`` tests so that ``make test`` spreads them over the cores."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode

from config.wsgi import application

ROLES = ("anonymous", "resident", "grid1", "secretary", "dept", "sysadmin")
EXAMPLES = 6  # per operation, per mode; each is called as every role
SHARDS = 8


@pytest.fixture
def connection_kept() -> Any:
    """Calls through the WSGI app end with Django's ``request_finished``, which closes the
    database connection (and so the test's transaction); keep it open, as the test client
    does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_operation_answers_a_server_error(demo: Any, connection_kept: Any, shard: int) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    tokens = {role: "" if role == "anonymous" else demo.token(role) for role in ROLES}
    problems: list[str] = []
    statuses: Counter[int] = Counter()
    every = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(every) >= 30
    # Dealt by position in the document (the same on every run), each shard a fair share.
    operations = [op for i, op in enumerate(every) if i % SHARDS == shard]
    assert operations

    def call(case: Any) -> None:
        for role, token in tokens.items():
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = case.call(headers=headers)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                problems.append(f"{role}: {case.as_curl_command()} -> {response.status_code}")
            elif response.status_code >= 400 and "json" in response.headers.get("Content-Type", ""):
                body = response.json()
                if not (isinstance(body, dict) and {"code", "message"} <= set(body)):
                    problems.append(f"{role}: {case.as_curl_command()} -> not the envelope")

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run = settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )(given(case=operation.as_strategy(generation_mode=mode))(call))
            run()
    print(f"{len(operations)} operations, {sum(statuses.values())} calls: {dict(statuses)}")
    assert problems == [], "\n".join(problems[:20])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("starts_at", "reason"),
    [("2027-01-05T09:00:00-23:34", "时区偏移"), ("0277-10-21T09:00:00+08:00", "年份")],
)
def test_an_implausible_moment_is_422_not_500(demo: Any, starts_at: str, reason: str) -> None:
    """Found by the fuzzing above on PostgreSQL, which cannot store an offset beyond ±16 h."""
    import json

    client = demo.api("secretary")
    response = client.post(
        "/api/v1/activities",
        json.dumps(
            {
                "title": "义诊",
                "starts_at": starts_at,
                "ends_at": "2027-01-05T11:00:00+08:00",
                "slots": 5,
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 422, response.content.decode()
    fields = {f["field"]: f["reason"] for f in response.json()["fields"]}
    assert reason in fields["body.payload.starts_at"], fields
