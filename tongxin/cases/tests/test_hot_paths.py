"""What the hot paths' CPU savings (issue 13) must not change: the worklists' answer is still
exactly their schema's, an intake's statements do not grow with the open cases nearby, and
the duplicates check's text similarity is the same number with its meanings kept."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tongxin.cases.schemas import CaseOut, CasePage
from tongxin.cases.suggest import shipped, similar
from tongxin.cases.suggest.model import hashed
from tongxin.core.api_support import Utf8JSONRenderer

REPORT = {"category": "municipal.manhole", "description": "小区门口井盖缺失，晚上很危险"}


def _report(client: Any, demo: Any, **fields: Any) -> Any:
    grid = demo.grid(1)
    body = {**REPORT, "lat": grid.centroid_lat, "lng": grid.centroid_lng, **fields}
    return client.post("/api/v1/cases", data=json.dumps(body), content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "view"),
    [("grid1", "mine"), ("grid1", "grid"), ("secretary", "all"), ("resident", "reported")],
)
def test_list_answer_is_its_schema(demo, who, view):
    """The worklists are rendered without the response schema's validation: their answer
    must be what that validation would have given, byte for byte, field order included."""
    assert _report(demo.api("resident"), demo).status_code == 201
    response = demo.api(who).get(f"/api/v1/cases?view={view}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(response.content)
    assert body["items"], f"{who} sees no case in {view}"
    assert list(body) == list(CasePage.model_fields)
    for item in body["items"]:
        assert list(item) == list(CaseOut.model_fields)
    validated = CasePage.model_validate(body).model_dump()
    again = Utf8JSONRenderer().render(None, validated, response_status=200)  # type: ignore[arg-type]
    assert response.content.decode() == again


def _statements_of_a_report(demo: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = _report(demo.api("resident"), demo)
    assert response.status_code == 201, response.content[:300]
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_an_intake_reads_the_nearby_cases_at_once(demo):
    """A resident sees the open cases nearby that others reported only through the
    duplicates check: deciding which they may see reads no field of theirs one by one."""
    grid1 = demo.api("grid1")
    assert _report(grid1, demo).status_code == 201
    _statements_of_a_report(demo)  # the resident's first: warm the process caches
    one = _statements_of_a_report(demo)
    for _ in range(3):
        assert _report(grid1, demo).status_code == 201
    response = _report(demo.api("resident"), demo)
    assert len(response.json()["possible_duplicates"]) == 5  # its own two, the worker's four
    assert _statements_of_a_report(demo) == one


def _reference_similarity(a: str, b: str) -> float:
    """The similarity as it was computed before its meanings were kept (issue 13)."""
    model = shipped.load()
    wa, wb = hashed(a), hashed(b)
    small, large = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    lexical = sum(v * large.get(h, 0.0) for h, v in small.items())
    topical = float(np.sqrt(model.proba(a) * model.proba(b)).sum())
    return round((lexical + topical) / 2, 4)


def test_similarity_is_unchanged_with_its_meanings_kept():
    texts = [
        "楼下垃圾桶满了，两天没人收",
        "垃圾两天没人收，味道很大",
        "小区门口井盖缺失，晚上很危险",
        "楼道灯不亮，晚上看不见",
        "邻居装修噪音太大，晚上十点还在施工",
        "路灯坏了",
    ]
    for a in texts:
        for b in texts:
            assert similar.text_similarity(a, b) == _reference_similarity(a, b), (a, b)
    assert similar.meaning(texts[0]) is similar.meaning(texts[0])  # kept, not recomputed
