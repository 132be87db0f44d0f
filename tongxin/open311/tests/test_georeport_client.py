"""A third-party GeoReport v2 client (the ``georeport`` package from PyPI) against a real
server holding the demo (partner key ``demo-open311-key``), over HTTP, in JSON and XML; and
the round trip: a request filed through Open311 reaches the grid worker's worklist, routed like
any other case, and its status changes show through ``GET requests/{id}``."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from georeport import GeoReport

from tongxin.demo.open311 import DEMO_JURISDICTION, DEMO_KEY
from tongxin.workbench.tests.e2e import api_token

pytestmark = pytest.mark.e2e

# A point inside the demo's 第1网格 (seed 7): the centroid of its first grid, read once.
FORMATS = ("json", "xml")


@pytest.fixture(scope="module")
def grid1_point(e2e_server: str) -> tuple[float, float]:
    token = api_token(e2e_server, "grid1")
    places = requests.get(
        f"{e2e_server}/api/v1/places",
        params={"kind": "grid"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()["items"]
    first = next(p for p in places if p["name"] == "第1网格")
    return first["centroid"]["lat"], first["centroid"]["lng"]


def client(base: str, fmt: str) -> GeoReport:
    return GeoReport(
        f"{base}/open311/v2", jurisdiction=DEMO_JURISDICTION, api_key=DEMO_KEY, output_format=fmt
    )


def file_request(base: str, point: tuple[float, float], fmt: str = "json") -> str:
    """georeport has no call for POST requests: a partner posts the form itself."""
    response = requests.post(
        f"{base}/open311/v2/requests.{fmt}",
        data={
            "api_key": DEMO_KEY,
            "jurisdiction_id": DEMO_JURISDICTION,
            "service_code": "municipal.manhole",
            "attribute[manhole_state]": "broken",
            "lat": point[0],
            "long": point[1],
            "description": "人行道上的井盖裂了",
            "first_name": "明",
            "last_name": "李",
        },
        timeout=30,
    )
    assert response.status_code == 201, response.text
    if fmt == "json":
        return str(response.json()[0]["service_request_id"])
    import xmltodict

    return str(
        xmltodict.parse(response.content)["service_requests"]["request"]["service_request_id"]
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_georeport_call(e2e_server: str, grid1_point: Any, fmt: str) -> None:
    gr = client(e2e_server, fmt)
    services = gr.get_service_list()
    codes = [s["service_code"] for s in services]
    assert "municipal.manhole" in codes and "env.garbage" in codes
    definition = gr.get_service_definition("municipal.manhole")
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = attributes["attribute"]
        attributes = attributes if isinstance(attributes, list) else [attributes]
    assert attributes[0]["code"] == "manhole_state"

    ref = file_request(e2e_server, grid1_point, fmt)
    one = gr.get_service_request(ref)
    assert one["service_request_id"] == ref and one["status"] == "open"
    assert one["service_code"] == "municipal.manhole"
    many = gr.get_service_requests(service_request_id=ref)
    many = many if isinstance(many, list) else [many]
    assert [r["service_request_id"] for r in many] == [ref]
    listed = gr.get_service_requests(service_code="municipal.manhole", status="open")
    listed = listed if isinstance(listed, list) else [listed]
    assert ref in {r["service_request_id"] for r in listed}
    for r in listed:  # no reporter data, whatever the format
        assert "李 明" not in str(r)


def test_round_trip_to_the_grid_worker_and_back(e2e_server: str, grid1_point: Any) -> None:
    ref = file_request(e2e_server, grid1_point)
    token = api_token(e2e_server, "grid1")
    headers = {"Authorization": f"Bearer {token}"}
    mine = requests.get(
        f"{e2e_server}/api/v1/cases",
        # By its reference: the end-to-end database keeps earlier runs' open cases, which can
        # push a new one past the first page of the worklist.
        params={"view": "mine", "q": ref},
        headers=headers,
        timeout=30,
    ).json()
    case = next(c for c in mine["items"] if c["ref"] == ref)
    assert case["state"] == "reported" and case["channel"] == "open311"

    gr = client(e2e_server, "json")
    for action, body in (
        ("accept", {}),
        ("start", {"note": "已到现场"}),
        ("resolve", {"result": "已更换井盖"}),
    ):
        response = requests.post(
            f"{e2e_server}/api/v1/cases/{case['id']}/actions/{action}",
            json=body,
            headers=headers,
            timeout=30,
        )
        assert response.status_code == 200, response.text
        seen = gr.get_service_request(ref)
        if action == "accept":
            assert seen["status"] == "open" and seen["status_notes"] == "已立案"
    assert seen["status"] == "closed" and seen["status_notes"] == "已更换井盖"
    assert client(e2e_server, "xml").get_service_request(ref)["status"] == "closed"
