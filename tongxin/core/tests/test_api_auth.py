"""The API's front door: tokens, sessions, anonymous callers, admins without scope, the error
body, pagination and the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from tongxin.core import clock

API = "/api/v1"

# One URL per endpoint; ids that exist in the demo are filled in where it matters.
LIST_URLS = [
    "/persons",
    "/households",
    "/places?kind=grid",
    "/places",
    "/organisations",
    "/posts",
]


def detail_urls(demo) -> list[str]:  # type: ignore[no-untyped-def]
    from tongxin.orgs.models import Organisation
    from tongxin.people.models import Household, Person

    grid = demo.grid(1)
    person = Person.objects.filter(grid=grid).order_by("pk").first()
    household = Household.objects.filter(place_path__startswith=grid.path).order_by("pk").first()
    org = Organisation.objects.filter(kind="branch").order_by("path").first()
    return [
        f"/persons/{person.pk}",
        f"/households/{household.pk}",
        f"/places/{grid.pk}",
        f"/places/{grid.pk}/children",
        f"/places/{grid.pk}/responsible",
        f"/organisations/{org.pk}",
    ]


def assert_error(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields", "context"}
    assert body["code"] == code
    assert body["message"]
    return body


# ------------------------------------------------------------------ tokens


def test_token_is_issued_and_opens_the_api(demo):
    anon = Client()
    r = anon.post(
        f"{API}/auth/token",
        {"username": "grid1", "password": "Tongxin-2026"},
        content_type="application/json",
    )
    assert r.status_code == 200
    token = r.json()["token"]
    assert len(token) >= 32
    assert dt.datetime.fromisoformat(r.json()["expires_at"]) > clock.now()
    authed = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert authed.get(f"{API}/persons").status_code == 200


@pytest.mark.parametrize(
    ("username", "password"),
    [("grid1", "wrong-password"), ("nobody", "Tongxin-2026"), ("grid1", "")],
)
def test_bad_credentials_answer_401_invalid_credentials(demo, username, password):
    r = Client().post(
        f"{API}/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
    )
    body = assert_error(r, 401, "INVALID_CREDENTIALS")
    assert body["message"] == "用户名或密码错误"
    assert "token" not in body


def test_token_request_with_a_field_missing_is_422(demo):
    r = Client().post(f"{API}/auth/token", {"username": "grid1"}, content_type="application/json")
    body = assert_error(r, 422, "VALIDATION_FAILED")
    assert body["fields"] == [{"field": "body.payload.password", "reason": "缺少必填项"}]


def test_token_request_that_is_not_json_is_400(demo):
    r = Client().post(f"{API}/auth/token", "not json", content_type="application/json")
    assert_error(r, 400, "MALFORMED_BODY")  # core.input_guard


def test_bad_token_is_401(demo):
    c = Client(HTTP_AUTHORIZATION="Bearer not-a-real-token")
    assert_error(c.get(f"{API}/persons"), 401, "UNAUTHENTICATED")


def test_expired_token_is_401(demo):
    from tongxin.accounts.models import ApiToken

    token, raw = ApiToken.issue(demo.user("grid1"), name="test")
    c = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert c.get(f"{API}/persons").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=clock.now() - dt.timedelta(seconds=1))
    assert_error(c.get(f"{API}/persons"), 401, "UNAUTHENTICATED")


def test_token_of_deactivated_user_is_401(demo):
    c = demo.api("grid1")
    user = demo.user("grid1")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert_error(c.get(f"{API}/persons"), 401, "UNAUTHENTICATED")


def test_session_authentication_works(demo):
    r = demo.client("grid1").get(f"{API}/places?kind=grid")
    assert r.status_code == 200
    assert r.json()["count"] >= 1


@pytest.mark.parametrize("url", LIST_URLS)
def test_anonymous_list_is_401(demo, url):
    body = assert_error(Client().get(API + url), 401, "UNAUTHENTICATED")
    assert body["message"] == "请先登录或提供有效令牌"


def test_anonymous_details_are_401(demo):
    for url in detail_urls(demo):
        assert_error(Client().get(API + url), 401, "UNAUTHENTICATED")


# ------------------------------------------------------------------ admins have no scope


@pytest.mark.parametrize("username", ["sysadmin", "secadmin", "auditor"])
def test_admin_accounts_see_empty_lists_and_no_details(demo, username):
    c = demo.api(username)
    for url in LIST_URLS:
        r = c.get(API + url)
        assert r.status_code == 200, url
        assert r.json()["items"] == [], url
        assert r.json()["count"] == 0, url
    for url in detail_urls(demo):
        assert_error(c.get(API + url), 404, "NOT_FOUND")


# ------------------------------------------------------------------ errors and pagination


def test_unknown_id_is_404_not_found(demo):
    body = assert_error(demo.api("secretary").get(f"{API}/persons/999999999"), 404, "NOT_FOUND")
    assert body["message"] == "未找到该对象"


@pytest.mark.parametrize("page", ["0", "-1"])
def test_page_below_one_is_422_in_chinese(demo, page):
    body = assert_error(
        demo.api("secretary").get(f"{API}/persons?page={page}"), 422, "VALIDATION_FAILED"
    )
    assert body["message"] == "页码应为从 1 开始的整数"
    assert body["fields"] == [{"field": "query.page", "reason": "页码应为从 1 开始的整数"}]


def test_page_that_is_not_a_number_is_422_in_chinese(demo):
    body = assert_error(
        demo.api("secretary").get(f"{API}/persons?page=abc"), 422, "VALIDATION_FAILED"
    )
    assert body["message"] == "请求参数不正确"
    assert body["fields"] == [{"field": "query.page", "reason": "应为整数"}]


def test_page_past_the_end_is_422(demo):
    c = demo.api("secretary")
    count = c.get(f"{API}/places?kind=grid").json()["count"]
    assert count == 6
    body = assert_error(c.get(f"{API}/places?kind=grid&page=2"), 422, "VALIDATION_FAILED")
    assert body["message"] == "页码超出范围：共 1 页"


def test_first_page_of_nothing_is_empty_not_an_error(demo):
    r = demo.api("grid1").get(f"{API}/persons?search=" + "无此人名字")
    assert r.status_code == 200
    assert r.json() == {
        "items": [],
        "count": 0,
        "count_exact": True,
        "page": 1,
        "page_size": 20,
        "next_cursor": None,
    }


def test_pages_follow_the_page_size_setting(demo, settings):
    c = demo.api("secretary")
    first = c.get(f"{API}/persons").json()
    assert first["page_size"] == settings.TONGXIN_PAGE_SIZE == 20
    assert len(first["items"]) == 20
    second = c.get(f"{API}/persons?page=2").json()
    assert {p["id"] for p in first["items"]}.isdisjoint({p["id"] for p in second["items"]})
    assert second["count"] == first["count"]

    settings.TONGXIN_PAGE_SIZE = 7
    small = c.get(f"{API}/persons?page=3").json()
    assert small["page_size"] == 7
    assert len(small["items"]) == 7


def test_invalid_enum_parameter_is_422_with_chinese_reason(demo):
    body = assert_error(
        demo.api("secretary").get(f"{API}/places?kind=castle"), 422, "VALIDATION_FAILED"
    )
    assert body["fields"][0]["field"] == "query.kind"
    assert body["fields"][0]["reason"].startswith("取值应为以下之一")


# ------------------------------------------------------------------ OpenAPI


def test_openapi_document_is_served_as_valid_json(demo):
    r = Client().get(f"{API}/openapi.json")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/json")
    doc = json.loads(r.content)
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] == "同心 Tongxin API"
    paths = doc["paths"]
    for path in (
        "/api/v1/auth/token",
        "/api/v1/persons",
        "/api/v1/persons/{person_id}",
        "/api/v1/households",
        "/api/v1/households/{household_id}",
        "/api/v1/places",
        "/api/v1/places/{place_id}",
        "/api/v1/places/{place_id}/children",
        "/api/v1/places/{place_id}/responsible",
        "/api/v1/organisations",
        "/api/v1/organisations/{org_id}",
        "/api/v1/posts",
    ):
        assert path in paths, path
    # Every $ref points at a schema that exists.
    schemas = doc["components"]["schemas"]
    refs = {
        ref.rsplit("/", 1)[1] for ref in _walk_refs(doc) if ref.startswith("#/components/schemas/")
    }
    assert refs <= set(schemas)
    person = schemas["PersonOut"]["properties"]
    assert {"id", "name", "id_number", "phone", "grid"} <= set(person)
    assert not any("care" in name for name in schemas)
    # The listing endpoints take ``page``; every endpoint except the token one needs auth.
    params = {p["name"] for p in paths["/api/v1/persons"]["get"]["parameters"]}
    assert {"search", "page"} <= params
    assert paths["/api/v1/persons"]["get"]["security"]


def _walk_refs(node):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _walk_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_refs(item)
