"""The whole case workflow through the JSON API (``/api/v1/``): intake by map point, place and
address, validation in Chinese, worklists and filters, the case with its timeline, every act,
吹哨 to two departments, follow-up, merge, "me too", scoping, measures, photos and the nearby
search. Everything goes over HTTP with bearer tokens, as API clients do."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tongxin.cases.models import Case, CaseEvent, DepartmentCall
from tongxin.core import clock
from tongxin.core.models import AuditEvent
from tongxin.core.testing import png_upload
from tongxin.orgs.models import Organisation, OrgKind, Post
from tongxin.places.models import Place

CJK = re.compile(r"[\u4e00-\u9fff]")


def post(client: Any, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def point(grid: Place) -> dict[str, float]:
    return {"lat": grid.centroid_lat, "lng": grid.centroid_lng}


def report(client: Any, demo: Any, grid: int = 1, **fields: Any) -> dict[str, Any]:
    body = {
        "category": "municipal.manhole",
        "description": "小区门口井盖缺失，晚上很危险",
        **({} if ("place_id" in fields or "address" in fields) else point(demo.grid(grid))),
        **fields,
    }
    response = post(client, "/api/v1/cases", body)
    assert response.status_code == 201, response.content.decode()
    return response.json()


def act(client: Any, case_id: int, action: str, expect: int = 200, **data: Any) -> Any:
    response = post(client, f"/api/v1/cases/{case_id}/actions/{action}", data)
    assert response.status_code == expect, response.content.decode()
    return response.json()


def department(kind: str) -> Organisation:
    return Organisation.objects.get(kind=OrgKind.DEPARTMENT, department_kind=kind)


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return png_upload(name, colour="blue")


def fields_of(response: Any) -> dict[str, str]:
    return {d["field"]: d["reason"] for d in response.json()["fields"]}


# ------------------------------------------------------------------ categories and intake


@pytest.mark.django_db
def test_category_tree_with_codes(demo):
    response = demo.api("resident").get("/api/v1/case-categories")
    assert response.status_code == 200
    roots = {c["code"]: c for c in response.json()}
    assert {"env", "municipal", "dispute", "emergency", "suggestion"} <= set(roots)
    manhole = next(c for c in roots["municipal"]["children"] if c["code"] == "municipal.manhole")
    assert manhole["name"] and manhole["level"] and manhole["level_label"]
    assert set(manhole) >= {"department_kind", "must_attend", "attributes", "children"}
    assert demo.api("resident").get("/api/v1/case-categories").json() == response.json()


@pytest.mark.django_db
def test_report_on_a_map_point_routes_to_the_grid_worker(demo):
    grid1 = demo.user("grid1")
    case = report(demo.api("resident"), demo, description="井盖缺失", priority="urgent")
    assert case["state"] == "reported" and case["state_label"] == "待受理"
    assert case["ref"].startswith("SQ")
    assert case["grid"] == {"id": demo.grid(1).pk, "name": demo.grid(1).name}
    assert case["assignee"]["person"] == grid1.person_id and case["assignee"]["label"]
    assert case["priority"] == "urgent" and case["channel"] == "app"
    assert all(d["id"] != case["id"] for d in case["possible_duplicates"])
    assert case["timeline"][0]["act"] == "report"
    # The same problem reported again nearby: the first one is offered as a duplicate.
    again = report(demo.api("building"), demo, description="门口的井盖没了")
    assert again["possible_duplicates"][0]["id"] == case["id"]
    duplicate = again["possible_duplicates"][0]
    assert duplicate["distance"] < 1 and "description" not in duplicate
    assert "reporter" not in duplicate


@pytest.mark.django_db
def test_report_by_place_and_by_address(demo):
    resident = demo.user("resident")
    home = resident.person.place
    case = report(demo.api("resident"), demo, place_id=home.pk, category="env.garbage")
    assert case["grid"]["id"] == demo.grid(1).pk and case["location_source"] == "place"
    assert case["place"]["id"] == home.pk

    building = (
        Place.objects.filter(kind="building", path__startswith=demo.grid(2).path)
        .order_by("path")
        .first()
    )
    where = building.address or building.name
    case = report(demo.api("grid2"), demo, address=where, channel="patrol")
    assert case["location_source"] == "address" and case["grid"]["id"] is not None
    assert Case.objects.get(pk=case["id"]).resolution["matched"]


@pytest.mark.django_db
def test_bad_reports_answer_422_with_chinese_reasons(demo):
    client = demo.api("resident")
    before = Case.objects.count()
    response = post(
        client,
        "/api/v1/cases",
        {
            "category": "no.such",
            "description": "  ",
            "priority": "asap",
            "channel": "fax",
            "reporter_phone": "12345",
        },
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "VALIDATION_FAILED"
    reasons = fields_of(response)
    assert set(reasons) == {
        "category",
        "description",
        "priority",
        "channel",
        "reporter_phone",
        "location",
    }
    assert all(CJK.search(r) for r in reasons.values()), reasons
    assert "no.such" in reasons["category"]

    # One bad field at a time.
    unknown = post(client, "/api/v1/cases", {"category": "nope", "description": "x", "lat": 1})
    assert unknown.status_code == 422 and set(fields_of(unknown)) >= {"category", "lng"}
    outside = post(
        client,
        "/api/v1/cases",
        {"category": "env.garbage", "description": "垃圾", "lat": 10.0, "lng": 10.0},
    )
    assert outside.status_code == 422
    assert "网格" in fields_of(outside)["lat"]
    half = post(
        client, "/api/v1/cases", {"category": "env.garbage", "description": "垃圾", "lat": 30.9}
    )
    assert half.status_code == 422 and "同时" in fields_of(half)["lng"]
    typed = post(client, "/api/v1/cases", {"category": "env.garbage", "lat": "north"})
    assert typed.status_code == 422 and "数字" in json.dumps(typed.json(), ensure_ascii=False)
    not_mine = post(
        client,
        "/api/v1/cases",
        {"category": "env.garbage", "description": "垃圾", "place_id": demo.grid(3).pk},
    )
    assert not_mine.status_code == 422 and "place_id" in fields_of(not_mine)
    assert Case.objects.count() == before  # nothing half-written

    # Administrators keep the system; they do not report.
    admin = post(demo.api("sysadmin"), "/api/v1/cases", {"category": "env", **point(demo.grid(1))})
    assert admin.status_code == 403 and admin.json()["code"] == "REPORT_FORBIDDEN"


# ------------------------------------------------------------------ lists and the detail


@pytest.mark.django_db
def test_worklists_and_filters(demo):
    resident = demo.api("resident")
    manhole = report(resident, demo, description="测试甲：井盖缺失")
    garbage = report(
        resident, demo, category="env.garbage", priority="urgent", description="测试甲：垃圾"
    )
    elsewhere = report(demo.api("grid2"), demo, grid=2, channel="patrol", description="测试甲")
    grid1 = demo.api("grid1")
    ours = {manhole["id"], garbage["id"]}

    def ids(client: Any, **query: Any) -> set[int]:
        response = client.get("/api/v1/cases", query)
        assert response.status_code == 200, response.content.decode()
        body = response.json()
        assert set(body) == {"items", "count", "count_exact", "page", "page_size", "next_cursor"}
        assert len(body["items"]) == min(body["count"], body["page_size"])
        return {c["id"] for c in body["items"]}

    # The demo community has cases of its own: look at ours through the search.
    mine = {"q": "测试甲"}
    assert ids(grid1, view="mine", **mine) == ours
    assert ids(grid1, view="accept", **mine) == ours
    assert ids(grid1, view="grid", **mine) == ours
    assert ids(grid1, view="overdue", **mine) == set()
    assert ids(grid1, category="env", **mine) == {garbage["id"]}  # sub-categories included
    assert ids(grid1, priority="urgent", **mine) == {garbage["id"]}
    assert ids(grid1, q=manhole["ref"]) == {manhole["id"]}
    assert ids(grid1, state="open", **mine) == ours
    assert ids(grid1, state="reported", **mine) == ours
    assert ids(grid1, state="closed", **mine) == set()
    assert ids(grid1, grid=demo.grid(1).pk, **mine) == ours
    assert ids(resident, view="reported", **mine) == ours
    assert ids(grid1, view="all", **mine) == ours  # not grid 2's
    assert ids(demo.api("secretary"), view="all", **mine) == ours | {elsewhere["id"]}
    assert ids(demo.api("dept"), **mine) == set()
    assert ids(demo.api("auditor")) == set()
    # Every list only holds what the caller may see.
    visible = set(Case.objects.visible_to(demo.user("grid1")).values_list("pk", flat=True))
    assert ids(grid1, view="all") <= visible

    item = grid1.get("/api/v1/cases").json()["items"][0]
    assert item["reporter"]["label"] and item["category"]["full_name"]
    for bad in ({"view": "everything"}, {"state": "lost"}, {"priority": "now"}, {"page": 9}):
        response = grid1.get("/api/v1/cases", bad)
        assert response.status_code == 422, bad
        assert CJK.search(response.json()["fields"][0]["reason"])


@pytest.mark.django_db
def test_detail_timeline_and_the_reporters_privacy(demo):
    phone = "13912345678"
    case = report(demo.api("resident"), demo, reporter_phone=phone)
    url = f"/api/v1/cases/{case['id']}"

    staff = demo.api("grid1").get(url).json()
    assert [e["act"] for e in staff["timeline"]] == ["report", "route"]
    assert "第1网格" in staff["timeline"][1]["note"] and staff["routings"][0]["reason"]
    assert staff["reporter"]["label"].endswith("139****5678")
    assert {a["action"] for a in staff["allowed_actions"]} >= {"accept", "reject", "note"}
    assert staff["clocks"]["accept"]["due"]

    mine = demo.api("resident").get(url).json()
    assert [e["act"] for e in mine["timeline"]] == ["report"]  # no internal routing
    assert mine["routings"] == [] and mine["calls"] == [] and mine["clocks"] == {}
    assert all(e["data"] == {} for e in mine["timeline"])
    assert mine["allowed_actions"] == []

    assert demo.api("grid2").get(url).status_code == 404
    assert demo.api("building").get(url).status_code == 404
    assert demo.api("dept").get(url).status_code == 404
    assert demo.api("grid1").get("/api/v1/cases/999999").status_code == 404

    # The full number only through the audited reveal, by the staff, with a reason.
    reveal = f"{url}/reveal-phone"
    assert post(demo.api("grid1"), reveal, {"reason": ""}).status_code == 422
    answer = post(demo.api("grid1"), reveal, {"reason": "回访核实处理结果"})
    assert answer.status_code == 200 and answer.json() == {"phone": phone}
    assert AuditEvent.objects.filter(action="pii_reveal", object_id=str(case["id"])).exists()
    assert post(demo.api("resident"), reveal, {"reason": "想看"}).status_code == 403
    assert post(demo.api("grid2"), reveal, {"reason": "想看"}).status_code == 404


# ------------------------------------------------------------------ the acts


@pytest.mark.django_db
def test_every_act_through_the_endpoint(demo):
    resident, grid1, secretary = demo.api("resident"), demo.api("grid1"), demo.api("secretary")
    case_id = report(resident, demo)["id"]

    # 403: the reporter may not accept; 422: unknown act or missing field; 404: out of sight.
    refused = act(resident, case_id, "accept", expect=403)
    assert refused["code"] == "ACTION_FORBIDDEN"
    assert act(grid1, case_id, "fly", expect=422)["code"] == "UNKNOWN_ACTION"
    assert "reason" in str(act(grid1, case_id, "reject", expect=422)["fields"])
    act(demo.api("grid2"), case_id, "note", expect=404, note="看看")

    case = act(grid1, case_id, "accept", note="马上处理")
    assert case["state"] == "accepted" and case["accepted_at"]
    case = act(secretary, case_id, "dispatch", person_id=demo.user("grid1").person_id)
    assert case["state"] == "dispatched"
    assert case["routings"][-1]["override"] is True
    case = act(grid1, case_id, "start", note="已到现场")
    assert case["state"] == "in_progress" and case["arrived_at"]
    case = act(grid1, case_id, "suspend", reason="等待配件到货")
    assert case["state"] == "suspended"
    case = act(grid1, case_id, "resume", note="配件已到")
    assert case["state"] == "in_progress"
    case = act(secretary, case_id, "supervise", note="请今天内办结")
    assert case["supervised"] is True
    case = act(grid1, case_id, "note", note="已联系物业", public=True)
    assert case["public_note"] == "已联系物业"
    case = act(grid1, case_id, "resolve", result="已更换井盖")
    assert case["state"] == "resolved" and case["result"] == "已更换井盖"

    # 不满意 reopens; then 满意 closes.
    case = act(resident, case_id, "feedback", rating="unsatisfied", comment="井盖不稳")
    assert case["state"] == "in_progress" and case["reopen_count"] == 1
    act(resident, case_id, "feedback", expect=409, rating="satisfied")
    act(grid1, case_id, "resolve", result="重新固定井盖")
    act(resident, case_id, "feedback", expect=422, rating="great")
    case = act(resident, case_id, "feedback", rating="satisfied")
    assert case["state"] == "closed" and case["feedback_label"] == "满意"
    refused = act(grid1, case_id, "accept", expect=409)
    assert refused["code"] == "TRANSITION_NOT_ALLOWED" and CJK.search(refused["message"])

    acts = [e["act"] for e in demo.api("grid1").get(f"/api/v1/cases/{case_id}").json()["timeline"]]
    assert acts == [
        "report",
        "route",
        "accept",
        "dispatch",
        "start",
        "suspend",
        "resume",
        "supervise",
        "note",
        "resolve",
        "feedback",
        "resolve",
        "feedback",
    ]
    public = [e["act"] for e in resident.get(f"/api/v1/cases/{case_id}").json()["timeline"]]
    assert "supervise" not in public and "route" not in public and "resolve" in public


@pytest.mark.django_db
def test_reject_return_and_close(demo):
    resident, grid1, secretary = demo.api("resident"), demo.api("grid1"), demo.api("secretary")
    rejected = report(resident, demo)["id"]
    case = act(grid1, rejected, "reject", reason="不属于社区受理范围")
    assert case["state"] == "rejected" and case["public_note"] == "不属于社区受理范围"

    # Handed to the secretary, who gives it back (退回) to the owner.
    returned = report(resident, demo)["id"]
    act(grid1, returned, "accept")
    act(grid1, returned, "dispatch", person_id=demo.user("secretary").person_id)
    case = act(secretary, returned, "return", reason="应由网格处理")
    assert case["state"] == "accepted"
    assert case["assignee"]["person"] == demo.user("grid1").person_id

    # Resolved and closed by the dispatcher without a follow-up: a note is required.
    act(grid1, returned, "start")
    act(grid1, returned, "resolve", result="已处理")
    act(secretary, returned, "close", expect=422)
    case = act(secretary, returned, "close", note="电话回访未接通，按时办结")
    assert case["state"] == "closed" and case["closed_at"]


@pytest.mark.django_db
def test_escalation_to_two_departments_resolves_when_both_are_done(demo):
    resident, grid1 = demo.api("resident"), demo.api("grid1")
    city, housing = department("urban_management"), department("housing")
    member = demo.user("member")
    Post.objects.create(
        person=member.person,
        role="department_officer",
        organisation=housing,
        start_date=dt.date(2020, 1, 1),
    )
    case_id = report(resident, demo, category="env.garbage", description="垃圾堆占消防通道")["id"]
    quiet_id = report(resident, demo, description="另一处井盖")["id"]
    act(grid1, case_id, "accept")
    assert demo.api("dept").get(f"/api/v1/cases/{case_id}").status_code == 404

    act(grid1, case_id, "escalate", expect=422, org_ids=[city.pk], note="")
    branch = Organisation.objects.exclude(kind=OrgKind.DEPARTMENT).first()
    act(grid1, case_id, "escalate", expect=422, org_ids=[branch.pk], note="协助")
    case = act(grid1, case_id, "escalate", org_ids=[city.pk, housing.pk], note="请协助拆除")
    assert case["state"] == "escalated"
    assert {c["organisation"]["id"] for c in case["calls"]} == {city.pk, housing.pk}

    dept, housing_officer = demo.api("dept"), demo.api("member")
    listed = dept.get("/api/v1/cases", {"view": "escalated"}).json()
    assert case_id in {c["id"] for c in listed["items"]}
    reached = set(
        DepartmentCall.objects.filter(organisation=city).values_list("case_id", flat=True)
    )
    reached |= set(Case.objects.filter(assignee_org=city).values_list("pk", flat=True))
    everything = dept.get("/api/v1/cases", {"view": "all"}).json()
    assert {c["id"] for c in everything["items"]} <= reached  # only what was sent or called
    detail = dept.get(f"/api/v1/cases/{case_id}").json()
    assert {a["action"] for a in detail["allowed_actions"]} >= {"report_in", "note"}
    assert dept.get(f"/api/v1/cases/{quiet_id}").status_code == 404  # only what was called

    act(dept, case_id, "report_in", note="已到场")
    act(dept, case_id, "report_in", expect=422, done=True)  # done needs a result
    case = act(dept, case_id, "report_in", done=True, result="已拆除违建")
    assert case["state"] == "escalated"
    act(dept, case_id, "report_in", expect=403, note="再报一次")  # its part is done
    case = act(housing_officer, case_id, "report_in", done=True, result="房屋结构安全")
    assert case["state"] == "resolved"
    assert "已拆除违建" in case["result"] and "房屋结构安全" in case["result"]
    assert case["timeline"][-1]["act"] == "parts_done"
    assert all(c["status"] == "done" for c in case["calls"])
    assert DepartmentCall.objects.filter(case_id=case_id, late=False).count() == 2

    case = act(resident, case_id, "feedback", rating="basic")
    assert case["state"] == "closed"


@pytest.mark.django_db
def test_merge_and_me_too(demo):
    first = report(demo.api("resident"), demo)
    second = report(demo.api("building"), demo, description="门口井盖又没了")
    secretary = demo.api("secretary")
    act(secretary, second["id"], "merge", expect=422, into=second["id"])
    case = act(secretary, second["id"], "merge", into=first["id"])
    assert case["state"] == "merged" and case["merged_into"] == first["ref"]
    target = Case.objects.get(pk=first["id"])
    assert target.support_count == 1  # the second reporter now supports the first case

    # A neighbour who cannot see the case says "me too", once.
    member = demo.api("member")
    assert member.get(f"/api/v1/cases/{first['id']}").status_code == 404
    case = act(member, first["id"], "support")
    assert case["support_count"] == 2
    assert case["reporter"] is None and case["routings"] == [] and case["owner"] is None
    assert [e["actor"] for e in case["timeline"] if e["act"] == "report"] == ["群众"]
    assert act(member, first["id"], "support", expect=422)["code"] == "ALREADY_SUPPORTED"
    act(demo.api("resident"), first["id"], "support", expect=403)  # not for the reporter
    act(demo.api("sysadmin"), first["id"], "support", expect=404)
    staff_view = demo.api("grid1").get(f"/api/v1/cases/{first['id']}").json()
    assert [e["act"] for e in staff_view["timeline"]][-1] == "support"
    assert CaseEvent.objects.filter(case_id=first["id"], act="support").count() == 1


# ------------------------------------------------------------------ measures, photos, nearby


@pytest.mark.django_db
def test_measures(demo):
    resident, grid1, secretary = demo.api("resident"), demo.api("grid1"), demo.api("secretary")
    today = clock.today().isoformat()

    def figures(client: Any, **query: Any) -> list[dict[str, Any]]:
        response = client.get("/api/v1/cases/measures", query)
        assert response.status_code == 200, response.content.decode()
        return response.json()["items"]

    before = figures(secretary)[0]
    grid_before = {r["key"]: r for r in figures(secretary, by="grid", since=today, until=today)}
    done = report(resident, demo)["id"]
    report(resident, demo, category="env.garbage", description="垃圾")
    act(grid1, done, "accept")
    act(grid1, done, "start")
    act(grid1, done, "resolve", result="已处理")
    act(resident, done, "feedback", rating="satisfied")

    total = figures(secretary)[0]
    assert total["label"] == "合计"
    change = {k: total[k] - before[k] for k in ("received", "accepted", "resolved")}
    assert change == {"received": 2, "accepted": 1, "resolved": 1}
    assert total["resolved_on_time"] - before["resolved_on_time"] == 1
    for rate in ("on_time_rate", "follow_up_rate", "resolution_rate", "satisfaction_rate"):
        assert 0 <= total[rate] <= 100

    rows = {r["key"]: r for r in figures(secretary, by="grid", since=today, until=today)}
    grid_id = demo.grid(1).pk
    assert rows[grid_id]["label"] == demo.grid(1).name
    assert rows[grid_id]["received"] - grid_before.get(grid_id, {"received": 0})["received"] == 2
    future = (clock.today() + dt.timedelta(days=3)).isoformat()
    assert figures(secretary, since=future)[0]["received"] == 0
    for by in ("community", "category", "department"):
        assert figures(secretary, by=by)
    assert grid_id not in {r["key"] for r in figures(demo.api("grid2"), by="grid")}
    assert figures(demo.api("auditor"))[0]["received"] == 0
    bad = secretary.get("/api/v1/cases/measures", {"by": "weather"})
    assert bad.status_code == 422
    backwards = secretary.get(
        "/api/v1/cases/measures", {"since": "2026-02-01", "until": "2026-01-01"}
    )
    assert backwards.status_code == 422


@pytest.mark.django_db
def test_photos_uploaded_then_reported_then_served_in_scope(demo):
    resident = demo.api("resident")
    response = resident.post("/api/v1/uploads", {"file": [png("a.png"), png("b.png")]})
    assert response.status_code == 201, response.content.decode()
    ids = response.json()["ids"]
    assert len(ids) == 2 and response.json()["items"][0]["kind"] == "png"

    # Refused: no file, a non-image, an administrator, someone else's photo.
    assert resident.post("/api/v1/uploads", {}).status_code == 422
    fake = SimpleUploadedFile("x.png", b"<html>not an image</html>", content_type="image/png")
    assert resident.post("/api/v1/uploads", {"file": fake}).status_code == 422
    pdf = SimpleUploadedFile("x.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    assert resident.post("/api/v1/uploads", {"file": pdf}).status_code == 422
    assert demo.api("sysadmin").post("/api/v1/uploads", {"file": png()}).status_code == 403
    theirs = demo.api("building").post("/api/v1/uploads", {"file": png()}).json()["ids"]
    stolen = post(
        resident,
        "/api/v1/cases",
        {"category": "env.garbage", "description": "垃圾", "photos": theirs, **point(demo.grid(1))},
    )
    assert stolen.status_code == 422 and "photos" in fields_of(stolen)

    case = report(resident, demo, photos=ids)
    assert case["photos"] == [f"/files/{i}/" for i in ids] or sorted(case["photos"]) == sorted(
        f"/files/{i}/" for i in ids
    )
    assert sorted(case["timeline"][0]["photos"]) == sorted(f"/files/{i}/" for i in ids)
    url = case["photos"][0]
    assert demo.client("resident").get(url).status_code == 200
    assert demo.client("grid1").get(url).status_code == 200
    assert demo.client("grid2").get(url).status_code == 404
    assert demo.client("building").get(url).status_code == 404


@pytest.mark.django_db
def test_nearby_open_cases_before_reporting(demo):
    case = report(demo.api("resident"), demo, category="env.garbage", description="垃圾")
    where = point(demo.grid(1))
    query = {"category": "env.garbage", **where}
    response = demo.api("member").get("/api/v1/cases/nearby", query)
    assert response.status_code == 200
    items = response.json()["items"]
    assert items[0]["id"] == case["id"]  # nearest first
    assert set(items[0]) == {
        "id",
        "ref",
        "category",
        "state",
        "state_label",
        "distance",
        "created_at",
        "support_count",
    }
    assert items[0]["distance"] < 1
    other = demo.api("member").get("/api/v1/cases/nearby", {**query, "category": "env.pests"})
    assert case["id"] not in {i["id"] for i in other.json()["items"]}
    assert demo.api("dept").get("/api/v1/cases/nearby", query).json()["items"] == []
    assert demo.api("sysadmin").get("/api/v1/cases/nearby", query).json()["items"] == []
    unknown = demo.api("member").get("/api/v1/cases/nearby", {**query, "category": "zzz"})
    assert unknown.status_code == 422 and "zzz" in unknown.json()["fields"][0]["reason"]
    assert demo.api("member").get("/api/v1/cases/nearby", {"category": "env"}).status_code == 422


@pytest.mark.django_db
def test_a_retried_report_with_its_idempotency_key_files_one_case(demo):
    """A client whose answer was lost (a timeout, a 503 after the commit) sends the report
    again with the same ``Idempotency-Key``: it gets the first case back, marked as a
    replay, and nothing is written twice; the key reused for another report is refused; the
    same key from another account is that account's own."""
    client = demo.api("resident")
    body = {
        "category": "municipal.manhole",
        "description": "小区门口井盖缺失，晚上很危险",
        **point(demo.grid(1)),
    }
    key = {"HTTP_IDEMPOTENCY_KEY": "report-7f3a"}
    before = (Case.objects.count(), CaseEvent.objects.count(), AuditEvent.objects.count())
    first = client.post("/api/v1/cases", json.dumps(body), "application/json", **key)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    again = client.post("/api/v1/cases", json.dumps(body), "application/json", **key)
    assert again.status_code == 201, again.content.decode()
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["ref"] == first.json()["ref"]
    counts = (Case.objects.count(), CaseEvent.objects.count(), AuditEvent.objects.count())
    assert counts == (before[0] + 1, before[1] + 2, before[2] + 1)

    other = {**body, "description": "另一处路灯不亮"}
    reused = client.post("/api/v1/cases", json.dumps(other), "application/json", **key)
    assert reused.status_code == 400 and reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert Case.objects.count() == before[0] + 1

    mine = demo.api("grid1").post("/api/v1/cases", json.dumps(body), "application/json", **key)
    assert mine.status_code == 201 and mine.json()["id"] != first.json()["id"]

    long_key = {"HTTP_IDEMPOTENCY_KEY": "k" * 81}
    too_long = client.post("/api/v1/cases", json.dumps(body), "application/json", **long_key)
    assert too_long.status_code == 422
    assert too_long.json()["fields"][0]["field"] == "header.Idempotency-Key"
    # Without a key, two reports are two cases, as before.
    assert report(client, demo)["id"] != report(client, demo)["id"]
