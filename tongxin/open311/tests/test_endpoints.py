"""The GeoReport v2 endpoints in-process: JSON answers validated against the Open311 JSON
Schemas (open311/schema-validation, in ../shared/open311/schemas/), XML answers checked
against the shapes of the specification, errors, keys, limits, and privacy."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from tongxin.cases import services as case_services
from tongxin.cases.models import Case, Channel
from tongxin.core import clock
from tongxin.demo.open311 import DEMO_JURISDICTION, DEMO_KEY
from tongxin.open311.models import Open311Request, Partner

# ../shared/open311/schemas next to the checkout, or wherever TONGXIN_OPEN311_SCHEMAS says.
SCHEMAS = Path(
    os.environ.get("TONGXIN_OPEN311_SCHEMAS")
    or Path(__file__).resolve().parents[4] / "shared" / "open311" / "schemas"
)
BASE = "/open311/v2"


def schema_validator(name: str) -> Any:
    """A validator for one of the Open311 schemas, resolving their relative ``$ref``s."""
    if not SCHEMAS.is_dir():
        pytest.skip(f"the Open311 schemas folder {SCHEMAS} is absent: schema checks skipped")
    import jsonschema
    from referencing import Registry, Resource

    resources = {
        p.name: Resource.from_contents(json.loads(p.read_text()), default_specification=_draft())
        for p in SCHEMAS.glob("*.json")
    }
    registry = Registry().with_resources(resources.items())
    schema = json.loads((SCHEMAS / name).read_text())
    return jsonschema.Draft7Validator(
        schema, registry=registry, format_checker=jsonschema.FormatChecker()
    )


def _draft() -> Any:
    from referencing.jsonschema import DRAFT7

    return DRAFT7


def valid(name: str, data: Any) -> None:
    errors = sorted(schema_validator(name).iter_errors(data), key=str)
    assert not errors, [e.message for e in errors[:5]]


def point(demo: Any, n: int = 1) -> dict[str, Any]:
    grid = demo.grid(n)
    return {"lat": grid.centroid_lat, "long": grid.centroid_lng}


def post(client: Client, fmt: str = "json", **fields: Any) -> Any:
    data = {"api_key": DEMO_KEY, "jurisdiction_id": DEMO_JURISDICTION, **fields}
    return client.post(f"{BASE}/requests.{fmt}", data)


def manhole(demo: Any, **extra: Any) -> dict[str, Any]:
    return {
        "service_code": "municipal.manhole",
        "description": "路口井盖缺失，夜里有人差点踩空",
        "attribute[manhole_state]": "missing",
        **point(demo),
        **extra,
    }


@pytest.fixture
def client(open311: Partner) -> Client:
    return Client()


def xml(response: Any) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)  # noqa: S314 — our own server's answer


# ------------------------------------------------------------------------------ discovery


def test_discovery_in_both_formats(client):
    body = client.get(f"{BASE}/discovery.json").json()
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert body["endpoints"][0]["url"].endswith("/open311/v2")
    assert {"changeset", "contact"} <= set(body)
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    endpoint = root.find("endpoints/endpoint")
    assert endpoint is not None and endpoint.findtext("specification")
    assert [f.text for f in endpoint.findall("formats/format")] == [
        "application/json",
        "text/xml",
    ]


# ------------------------------------------------------------------------------ services


def test_services_are_our_categories_and_match_the_schema(client):
    body = client.get(f"{BASE}/services.json", {"jurisdiction_id": DEMO_JURISDICTION}).json()
    valid("services.json", body)
    codes = {s["service_code"]: s for s in body}
    assert codes["municipal.manhole"]["metadata"] is True
    assert codes["municipal.manhole"]["group"] == "市政设施"
    assert codes["env.garbage"]["metadata"] is False
    root = xml(client.get(f"{BASE}/services.xml", {"jurisdiction_id": DEMO_JURISDICTION}))
    assert root.tag == "services"
    first = root.find("service")
    assert first is not None
    for child in ("service_code", "service_name", "description", "metadata", "type", "group"):
        assert first.find(child) is not None, child
    assert len(root.findall("service")) == len(body)


def test_service_definition_with_attributes(client):
    body = client.get(f"{BASE}/services/municipal.manhole.json").json()
    valid("service-definition.json", body)
    attr = body["attributes"][0]
    assert attr["code"] == "manhole_state" and attr["datatype"] == "singlevaluelist"
    assert {v["key"] for v in attr["values"]} == {"missing", "broken", "loose"}
    root = xml(client.get(f"{BASE}/services/municipal.manhole.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "municipal.manhole"
    value = root.find("attributes/attribute/values/value")
    assert value is not None and value.findtext("key") and value.findtext("name")


def test_unknown_service_and_jurisdiction_are_spec_errors(client):
    response = client.get(f"{BASE}/services/no.such.json")
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404
    response = client.get(f"{BASE}/services.xml", {"jurisdiction_id": "nowhere"})
    assert response.status_code == 404
    root = xml(response)
    assert root.tag == "errors" and root.find("error/code").text == "404"
    assert client.get(f"{BASE}/services.csv").status_code == 404


# ------------------------------------------------------------------------------ POST


def test_post_files_a_case_through_the_intake(demo, client):
    response = post(client, **manhole(demo), first_name="三", last_name="张", email="zs@ex.cn")
    assert response.status_code == 201
    body = response.json()
    assert body[0]["service_request_id"].startswith("SQ") and body[0]["service_notice"]
    case = Case.objects.get(ref=body[0]["service_request_id"])
    assert case.channel == Channel.OPEN311
    assert case.grid == demo.grid(1)
    assert case.assignee_person_id == demo.user("grid1").person_id  # routed like any case
    assert case.answers == {"manhole_state": "missing"}
    assert case.reporter_name == "张 三"
    filed = Open311Request.objects.get(case=case)
    assert filed.email_masked == "z***@ex.cn" and "zs@ex.cn" not in filed.email_cipher
    assert case.events.filter(act="route").exists()


def test_post_in_xml_and_multivalue_attributes(demo, client, settings):
    from tongxin.cases.models import CaseCategory

    cat = CaseCategory.objects.get(code="noise")
    cat.attributes = [
        {
            "code": "when",
            "datatype": "multivaluelist",
            "required": True,
            "description": "时段",
            "values": [{"key": "day", "name": "白天"}, {"key": "night", "name": "夜间"}],
        }
    ]
    cat.save()
    data = {"service_code": "noise", "description": "装修噪音", **point(demo)}
    data["attribute[when][]"] = ["day", "night"]
    response = post(client, "xml", **data)
    assert response.status_code == 201
    root = xml(response)
    ref = root.findtext("request/service_request_id")
    assert Case.objects.get(ref=ref).answers == {"when": ["day", "night"]}


@pytest.mark.parametrize(
    "change, status, words",
    [
        ({"api_key": "wrong"}, 403, "api_key"),
        ({"service_code": "", "description": ""}, 400, "service_code"),
        ({"service_code": "nope"}, 404, "service_code"),
        ({"lat": "north"}, 400, "lat"),
        ({"lat": "", "long": ""}, 400, "location"),
        ({"description": "长" * 4001}, 400, "4000"),
        ({"attribute[manhole_state]": "gone"}, 400, "manhole_state"),
        ({"attribute[manhole_state]": ""}, 400, "required"),
        ({"attribute[colour]": "red"}, 400, "colour"),
        ({"media_url": "ftp://x"}, 400, "media_url"),
        ({"email": "not-an-email"}, 400, "email"),
        ({"phone": "12"}, 400, "phone"),
        ({"lat": "10.0", "long": "10.0"}, 400, "lat"),
    ],
)
def test_bad_posts_are_refused_and_nothing_is_written(demo, client, change, status, words):
    before = Case.objects.count()
    data = manhole(demo)
    data.update(change)
    if change.get("lat") == "":
        data.pop("lat")
        data.pop("long")
    api_key = data.pop("api_key", DEMO_KEY)
    response = client.post(
        f"{BASE}/requests.json", {"api_key": api_key, "jurisdiction_id": DEMO_JURISDICTION, **data}
    )
    assert response.status_code == status, response.content
    error = response.json()[0]
    assert error["code"] == status and words in error["description"]
    assert Case.objects.count() == before


def test_a_partner_key_files_only_into_its_jurisdictions(demo, client):
    from tongxin.open311.models import Jurisdiction

    other = Jurisdiction.objects.create(
        jurisdiction_id="other.city", name="别处", place=demo.grid(2)
    )
    partner = Partner(name="别处的合作方")
    raw = partner.set_key()
    partner.save()
    partner.jurisdictions.add(other)
    response = client.post(
        f"{BASE}/requests.json",
        {"api_key": raw, "jurisdiction_id": DEMO_JURISDICTION, **manhole(demo)},
    )
    assert response.status_code == 403
    # …and a point outside its area is refused too.
    response = client.post(
        f"{BASE}/requests.json", {"api_key": raw, "jurisdiction_id": "other.city", **manhole(demo)}
    )
    assert response.status_code == 400 and "outside" in response.json()[0]["description"]


def test_posts_are_rate_limited_per_partner(demo, client, settings):
    settings.TONGXIN_RATE_LIMITS = {**settings.TONGXIN_RATE_LIMITS, "open311_post": "2/h"}
    assert post(client, **manhole(demo)).status_code == 201
    assert post(client, **manhole(demo)).status_code == 201
    response = post(client, **manhole(demo))
    assert response.status_code == 429 and response["Retry-After"]
    assert response.json()[0]["code"] == 429


# ------------------------------------------------------------------------------ GET requests


def test_tokens_answer_the_request_id(demo, client):
    body = post(client, **manhole(demo)).json()[0]
    answer = client.get(f"{BASE}/tokens/{body['token']}.json").json()
    assert answer == [{"service_request_id": body["service_request_id"], "token": body["token"]}]
    root = xml(client.get(f"{BASE}/tokens/{body['token']}.xml"))
    assert root.findtext("request/service_request_id") == body["service_request_id"]
    assert client.get(f"{BASE}/tokens/nope.json").status_code == 404


def test_requests_match_the_schema_and_carry_no_personal_data(demo, client):
    body = post(
        client,
        **manhole(demo),
        first_name="三",
        last_name="张",
        phone="13912345678",
        email="zs@ex.cn",
        media_url="https://img.example.org/1.jpg",
    ).json()[0]
    resident = demo.user("resident")
    case_services.case_report(
        actor=resident,
        category="family",
        description="家里吵架（家事）",
        lat=point(demo)["lat"],
        lng=point(demo)["long"],
    )
    listing = client.get(f"{BASE}/requests.json", {"jurisdiction_id": DEMO_JURISDICTION})
    data = listing.json()
    valid("requests.json", data)
    text = listing.content.decode()
    for secret in ("张 三", "13912345678", "zs@ex.cn", resident.person.name):
        assert secret not in text
    family = next(r for r in data if r["service_code"] == "family")
    assert family["description"] is None  # not filed through Open311: status only
    assert family["address"] is None
    assert family["lat"] == round(family["lat"], 3)  # located to about 100 m
    resident_case = Case.objects.get(ref=family["service_request_id"])
    assert abs(family["lat"] - resident_case.lat) < 0.001
    one = client.get(f"{BASE}/requests/{body['service_request_id']}.json").json()
    valid("requests.json", one)
    assert one[0]["media_url"] == "https://img.example.org/1.jpg"
    assert one[0]["status"] == "open" and one[0]["requested_datetime"].endswith("+08:00")
    root = xml(client.get(f"{BASE}/requests/{body['service_request_id']}.xml"))
    assert root.tag == "service_requests"
    request = root.find("request")
    for child in (
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "lat",
        "long",
        "media_url",
    ):
        assert request.find(child) is not None, child


def test_request_filters_and_window(demo, client):
    first = post(client, **manhole(demo)).json()[0]["service_request_id"]
    second = post(
        client, service_code="env.garbage", description="垃圾没人清", **point(demo, 2)
    ).json()[0]["service_request_id"]
    ids = client.get(f"{BASE}/requests.json", {"service_request_id": f"{first},{second}"}).json()
    assert {r["service_request_id"] for r in ids} == {first, second}
    garbage = client.get(f"{BASE}/requests.json", {"service_code": "env.garbage"}).json()
    assert {r["service_code"] for r in garbage} == {"env.garbage"}
    assert client.get(f"{BASE}/requests.json", {"status": "closed"}).json() == [] or all(
        r["status"] == "closed"
        for r in client.get(f"{BASE}/requests.json", {"status": "closed"}).json()
    )
    now = clock.now()
    too_long = {
        "start_date": (now - dt.timedelta(days=120)).isoformat(),
        "end_date": now.isoformat(),
    }
    response = client.get(f"{BASE}/requests.json", too_long)
    assert response.status_code == 400 and "90" in response.json()[0]["description"]
    old = {"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-02-01T00:00:00Z"}
    assert client.get(f"{BASE}/requests.json", old).json() == []
    assert client.get(f"{BASE}/requests.json", {"status": "pending"}).status_code == 400
    assert client.get(f"{BASE}/requests.json", {"start_date": "yesterday"}).status_code == 400
    assert client.get(f"{BASE}/requests/SQ0.json").status_code == 404


def test_status_follows_the_case(demo, client):
    ref = post(client, **manhole(demo)).json()[0]["service_request_id"]
    case = Case.objects.get(ref=ref)
    grid1 = demo.user("grid1")
    case_services.case_act(actor=grid1, case_id=case.pk, act="accept")
    case_services.case_act(actor=grid1, case_id=case.pk, act="start")
    case_services.case_act(
        actor=grid1, case_id=case.pk, act="resolve", data={"result": "已补装新井盖"}
    )
    one = client.get(f"{BASE}/requests/{ref}.json").json()[0]
    assert one["status"] == "closed"
    assert one["status_notes"] == "已补装新井盖"
    assert one["expected_datetime"] is None


def test_a_request_without_a_service_code_is_filed_under_the_suggested_category(demo, client):
    data = {"description": "小区门口垃圾桶满了，好几天没人清运", **point(demo)}
    response = post(client, "json", **data)
    assert response.status_code == 201, response.content
    ref = response.json()[0]["service_request_id"]
    assert Case.objects.get(ref=ref).category.code == "env.garbage"
