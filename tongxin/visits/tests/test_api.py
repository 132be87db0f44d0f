"""The visits API: the due list, recording with a case raised in the same step, measures, the
knock; scoping (a building head sees only their pairs, records never leave the care scope) and
the audit of every view."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from tongxin.core.models import AuditEvent
from tongxin.visits import selectors, services
from tongxin.visits.models import Knock, PairHelper, TaskState, VisitRecord, VisitTask

from .helpers import at, fresh, head_building, tag

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


@pytest.fixture
def subject(demo):
    person, other = fresh(demo, under=head_building(demo), n=2, skip=11)
    tag(person, "living_alone")
    services.plan(persons=[person])
    task = VisitTask.objects.get(person=person, rule__code="elderly-living_alone")
    return {"person": person, "task": task, "other": other}


def all_due(client):
    """Every page of the caller's due list."""
    items, page = [], 1
    while True:
        body = client.get(f"/api/v1/visits/due?mine=1&page={page}").json()
        items += body["items"]
        if page * body["page_size"] >= body["count"]:
            assert len(items) == body["count"]
            return items
        page += 1


def test_the_due_list_has_the_visit_for_its_visitor_only(demo, subject):
    task = subject["task"]
    items = all_due(demo.api("grid1"))
    assert len(items) >= 1
    mine = next(i for i in items if i["id"] == task.pk)
    assert mine["person"]["id"] == subject["person"].pk
    assert mine["rule"]["code"] == "elderly-living_alone"
    assert mine["overdue"] is False and mine["due_by"]
    overdue = [i["overdue"] for i in items]
    assert overdue == sorted(overdue, reverse=True)  # overdue first
    for role in ("grid2", "building", "secretary", "resident"):
        ids = [i["id"] for i in all_due(demo.api(role))]
        assert task.pk not in ids, role


def test_record_a_home_visit_that_raises_a_case(demo, subject):
    task = subject["task"]
    response = post(
        demo.api("grid1"),
        f"/api/v1/visits/{task.pk}/record",
        {
            "method": "home",
            "met": "本人",
            "checklist": {"health": "concern", "safety": "urgent"},
            "notes": "家中燃气灶漏气，老人不会处理",
            "raise_case": "family",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["case"]["id"] and body["case"]["state"]
    assert task.pk in body["tasks"]
    record = VisitRecord.objects.get(pk=body["id"])
    assert record.case_id == body["case"]["id"] and record.case.channel == "visit"
    assert record.case.grid == demo.grid(1) and record.case.assignee_person_id
    task.refresh_from_db()
    assert task.state == TaskState.DONE and task.record_id == record.pk
    # The cadre's own field case does not schedule a 三必到 visit for the cadre.
    assert not VisitTask.objects.filter(
        person=demo.user("grid1").person, rule__code="must-attend"
    ).exists()


def test_bad_input_is_refused_in_the_users_language_and_nothing_is_written(demo, subject):
    task = subject["task"]
    client = demo.api("grid1")
    for data, field in (
        ({"method": "telepathy"}, "method"),
        ({"method": "home", "checklist": {"mood": "sad"}}, "checklist.mood"),
        ({"method": "home", "raise_case": "no.such"}, "category"),
    ):
        response = post(client, f"/api/v1/visits/{task.pk}/record", data)
        assert response.status_code == 422, (data, response.content)
        assert field in {f["field"] for f in response.json()["fields"]}
    assert not VisitRecord.objects.filter(person=subject["person"]).exists()
    task.refresh_from_db()
    assert task.state == TaskState.OPEN


def test_visits_never_leave_the_care_scope_and_every_view_is_audited(demo, subject):
    task = subject["task"]
    services.visit_record(actor=demo.user("grid1"), task_id=task.pk, method="home", notes="良好")
    for role in ("grid2", "building", "resident", "dept", "sysadmin", "auditor"):
        assert demo.api(role).get(f"/api/v1/visits/{task.pk}").status_code == 404, role
        assert not VisitRecord.objects.visible_to(demo.user(role)).filter(
            person=subject["person"]
        ), role
    before = AuditEvent.objects.filter(action="visit.view").count()
    body = demo.api("secretary").get(f"/api/v1/visits/{task.pk}").json()
    assert body["record"]["notes"] == "良好"
    assert AuditEvent.objects.filter(action="visit.view").count() == before + 1
    event = AuditEvent.objects.filter(action="visit.view").latest("seq")
    assert event.subject_person_id == subject["person"].pk
    assert demo.client("grid1").get(f"/visits/{task.pk}/").status_code == 200
    assert AuditEvent.objects.filter(action="visit.view").count() == before + 2


def test_a_building_head_sees_only_their_own_pairs(demo, subject):
    head = demo.user("building")
    theirs = services.pair_create(
        person=subject["person"], helpers=[(head.person, "building_head")]
    )
    not_theirs = services.pair_create(person=subject["other"], helpers=[])
    body = demo.api("building").get("/api/v1/knocks").json()
    ids = {i["id"] for i in body["items"]}
    assert theirs.pk in ids and not_theirs.pk not in ids
    helped = set(PairHelper.objects.filter(person=head.person).values_list("pair_id", flat=True))
    assert ids == helped
    assert (
        post(
            demo.api("building"), f"/api/v1/knocks/{not_theirs.pk}", {"answered": True}
        ).status_code
        == 404
    )
    response = post(demo.api("building"), f"/api/v1/knocks/{theirs.pk}", {"answered": False})
    assert response.status_code == 201 and response.json()["answered"] is False
    assert Knock.objects.filter(pair=theirs, answered=False).count() == 1
    # The grid worker over them sees both (care scope); grid2 sees neither.
    staff = {i["id"] for i in demo.api("grid1").get("/api/v1/knocks").json()["items"]}
    assert {theirs.pk, not_theirs.pk} <= staff
    other = {i["id"] for i in demo.api("grid2").get("/api/v1/knocks").json()["items"]}
    assert not {theirs.pk, not_theirs.pk} & other


def test_measures_by_grid_and_rule(demo):
    (p,) = fresh(demo, skip=13)
    with time_machine.travel(at(2026, 3, 3), tick=False):
        tag(p, "living_alone")
        services.plan(persons=[p])
        task = VisitTask.objects.get(person=p, rule__code="elderly-living_alone")
        services.visit_record(actor=demo.user("grid1"), task_id=task.pk, method="home")
    body = demo.api("grid1").get("/api/v1/visits/measures?by=rule&month=2026-03").json()
    row = next(r for r in body["items"] if r["label"] == task.rule.name)
    assert row["due"] >= 1 and row["on_time"] >= 1 and 0 < row["rate"] <= 100
    grid = demo.api("grid1").get("/api/v1/visits/measures?by=grid&month=2026-03").json()
    assert {r["key"] for r in grid["items"]} == {str(demo.grid(1).pk)}
    outside = demo.api("grid2").get("/api/v1/visits/measures?by=grid&month=2026-03").json()
    assert str(demo.grid(1).pk) not in {r["key"] for r in outside["items"]}
    bad = demo.api("grid1").get("/api/v1/visits/measures?by=moon&month=2026-13")
    assert bad.status_code == 422


def test_the_board_and_export_are_for_care_staff(demo, subject):
    grid1 = demo.client("grid1")
    page = grid1.get("/visits/board/", {"q": subject["person"].name})
    assert page.status_code == 200 and f'data-task="{subject["task"].pk}"' in page.content.decode()
    export = grid1.get("/visits/board/export/")
    assert export.status_code == 200 and export["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    assert demo.client("building").get("/visits/board/").status_code == 403
    assert demo.client("resident").get("/visits/board/export/").status_code == 403


def test_dates_of_the_due_list_follow_the_clock(demo):
    (p,) = fresh(demo, skip=15)
    with time_machine.travel(at(2026, 12, 31, 23, 0), tick=False):
        tag(p, "living_alone")
        services.plan(persons=[p])
        task = VisitTask.objects.get(person=p, rule__code="elderly-living_alone")
        assert task.period_start == dt.date(2026, 12, 1)
    with time_machine.travel(at(2027, 1, 1, 0, 30), tick=False):
        api = demo.api("grid1")
        # The visit itself (the due list's first page holds the most urgent, and a demo seeded
        # months earlier under make test-dates owes grid 1 many overdue ones by now) …
        assert api.get(f"/api/v1/visits/{task.pk}").json()["overdue"] is True
        # … and, when it is on the first page, it is overdue there too.
        items = api.get("/api/v1/visits/due").json()["items"]
        assert all(i["overdue"] for i in items if i["id"] == task.pk)
        assert services.plan(persons=[p]) == 1  # January's visit


def test_the_workbench_shows_what_i_owe_and_the_visit_rate(demo, subject):
    page = demo.client("grid1").get("/").content.decode()
    assert 'id="visit-desk"' in page and "/visits/board/" in page
    desk = selectors.desk_for(demo.user("grid1"))
    assert desk is not None and desk.today + desk.later + desk.overdue >= 1
    assert desk.month is not None  # care staff see their area's rate
    resident = demo.client("resident").get("/").content.decode()
    assert 'id="visit-desk"' not in resident


def test_a_major_change_raises_the_tier_and_owes_a_visit_within_a_day(demo, subject):
    person = subject["person"]
    moment = at(2026, 7, 6, 15)
    with time_machine.travel(moment, tick=False):
        response = post(
            demo.api("grid1"),
            f"/api/v1/visits/schedules/{person.pk}",
            {"risk_tier": "high", "major_change": True},
        )
    assert response.status_code == 200, response.content
    assert response.json()["risk_tier"] == "high"
    codes = {
        t.rule.code: t
        for t in VisitTask.objects.filter(person=person, period_start__gte=dt.date(2026, 7, 6))
    }
    assert codes["tier-high-change"].due_by == moment + dt.timedelta(hours=24)
    assert "tier-high" in codes  # this week's visit of the high tier
    assert AuditEvent.objects.filter(action="visit.tier", subject_person_id=person.pk).exists()
    bad = post(demo.api("grid1"), f"/api/v1/visits/schedules/{person.pk}", {"risk_tier": "red"})
    assert bad.status_code == 422
    head = post(demo.api("building"), f"/api/v1/visits/schedules/{person.pk}", {"risk_tier": ""})
    assert head.status_code == 403  # sees the neighbour, never their care
    other = post(demo.api("grid2"), f"/api/v1/visits/schedules/{person.pk}", {"risk_tier": ""})
    assert other.status_code == 404
