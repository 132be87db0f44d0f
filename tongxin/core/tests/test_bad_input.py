"""Bad input never answers 5xx (``core.input_guard``): characters the database cannot store
(NUL, a lone surrogate) answer 422 naming the field, on SQLite as on PostgreSQL, and nothing
is written; bodies that are not UTF-8 JSON or nest too deeply answer 400; bodies over the
limit answer 413; in the envelope for the API, Open311's own shape, and the error page."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tongxin.cases.models import Case
from tongxin.people.models import Person


def report(demo: Any, **fields: Any) -> dict[str, Any]:
    grid = demo.grid(1)
    return {
        "category": "municipal.manhole",
        "description": "小区门口井盖缺失",
        "lat": grid.centroid_lat,
        "lng": grid.centroid_lng,
        **fields,
    }


def post(client: Any, body: Any, **extra: Any) -> Any:
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post("/api/v1/cases", data=data, content_type="application/json", **extra)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "blamed"),
    [
        ({"description": "井盖\x00缺失"}, "description"),
        ({"description": "\ud800"}, "description"),
        ({"answers": {"a\x00": "x"}}, "answers"),
        ({"answers": {"floor": ["3", "4\x00"]}}, "answers.floor.1"),
    ],
    ids=["nul", "surrogate", "nul-in-key", "nul-in-list"],
)
def test_unstorable_characters_answer_422_naming_the_field(demo, fields, blamed):
    before = Case.objects.count()
    response = post(demo.api("grid1"), json.dumps(report(demo, **fields)))
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "VALIDATION_FAILED"
    assert [f["field"] for f in body["fields"]] == [blamed]
    assert "无法保存的字符" in body["fields"][0]["reason"]
    assert Case.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw",
    [
        '{"category": ',
        b'{"description": "\xff\xfe"}',
        "[" * 100_000 + "]" * 100_000,
        '{"answers": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}",
    ],
    ids=["truncated", "not-utf8", "deep-array", "deep-object"],
)
def test_unreadable_bodies_answer_400_in_the_users_language(demo, raw):
    client = demo.api("grid1")
    response = post(client, raw)
    assert response.status_code == 400
    assert response.json()["code"] == "MALFORMED_BODY"
    assert "请求体" in response.json()["message"]
    english = post(client, raw, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400 and "body" in english.json()["message"].lower()


@pytest.mark.django_db
def test_bodies_over_the_limit_answer_413(demo, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    before = Case.objects.count()
    response = post(demo.api("grid1"), report(demo, description="井" * 2_000))
    assert response.status_code == 413
    assert response.json()["code"] == "PAYLOAD_TOO_LARGE"
    # A form over the limit, on a page.
    page = demo.client("grid1").post("/cases/new/", {"description": "井" * 2_000})
    assert page.status_code == 413 and "请求内容过大" in page.content.decode()
    assert Case.objects.count() == before


@pytest.mark.django_db
def test_query_strings_and_forms_are_guarded_everywhere(demo):
    api = demo.api("grid1").get("/api/v1/persons", {"q": "王\x00"})
    assert api.status_code == 422
    assert api.json()["fields"][0]["field"] == "query.q"
    page = demo.client("grid1").get("/people/", {"q": "王\x00"})
    assert page.status_code == 422 and "query.q" in page.content.decode()
    form = demo.client("secretary").post("/people/new/", {"name": "张\x00三"})
    assert form.status_code == 422 and "form.name" in form.content.decode()
    assert not Person.objects.filter(name__startswith="张").filter(name__contains="三").exists()


@pytest.mark.django_db
def test_open311_gets_refusals_in_its_own_shape(demo):
    response = demo.client("resident").get("/open311/v2/services.json", {"jurisdiction_id": "\x00"})
    assert response.status_code == 422
    assert response.json()[0]["code"] == 422 and response.json()[0]["description"]
    xml = demo.client("resident").get("/open311/v2/services.xml", {"jurisdiction_id": "\x00"})
    assert xml.status_code == 422 and xml.content.startswith(b"<?xml")
