"""Visits under frozen clocks, the second round: a release date known ahead owes the visit on
its day; an overdue visit climbs the chain one level a step (and those told of it see it); a
no-answer knock tells the next one at once; a visit's photo is stored and read only in scope;
the monthly coverage of the cared-for (the 100 % target); the pairs list is audited."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from tongxin.core import clock
from tongxin.core.models import AuditEvent, StoredUpload
from tongxin.core.testing import png_upload
from tongxin.inbox.models import Message
from tongxin.visits import services
from tongxin.visits.models import (
    TaskState,
    VisitEscalation,
    VisitRecord,
    VisitTask,
)

from .helpers import at, fresh, head_building, tag

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def tasks_of(person, **kw):
    return VisitTask.objects.filter(person=person, **kw).select_related("rule")


def test_a_release_date_ahead_owes_the_visit_on_release_day(demo):
    (p,) = fresh(demo, skip=20)
    release = dt.date(2026, 9, 15)
    moment = at(2026, 8, 20, 11)
    with time_machine.travel(moment, tick=False):
        tag(p, "released_prisoner", start=release)
        # Known before release: the first visit to the family is owed now; the release-day
        # meeting on the day itself; nothing periodic until the tag begins.
        by_code = {t.rule.code: t for t in tasks_of(p)}
        assert set(by_code) == {"new-tag", "released-day"}
        assert by_code["new-tag"].due_by == moment + dt.timedelta(hours=72)
        day = by_code["released-day"]
        assert day.trigger == "release" and day.period_start == release
        assert day.due_by == clock.start_of_day(release) + dt.timedelta(hours=12)
        assert clock.local(day.due_by).date() == release
        assert day.assignee_id is not None
        assert Message.objects.filter(
            recipient_id=day.assignee_id, topic=f"visit:{day.pk}"
        ).exists()
        services.plan(persons=[p])
        assert not tasks_of(p, rule__code="released-half").exists()
        # Not overdue, not escalated before the day.
        services.escalate_overdue()
        day.refresh_from_db()
        assert day.state == TaskState.OPEN and day.escalated_to_id is None
    with time_machine.travel(at(2026, 9, 15, 8), tick=False):
        services.plan(persons=[p])
        half = tasks_of(p).get(rule__code="released-half")
        assert half.period_start == dt.date(2026, 7, 1)
    # A release today (or past) owes the visit within hours of now, as before.
    (q,) = fresh(demo, skip=21)
    with time_machine.travel(moment, tick=False):
        tag(q, "released_prisoner", start=dt.date(2026, 8, 20))
    now_task = tasks_of(q, trigger="release").get(rule__code="released-day")
    assert now_task.due_by == moment + dt.timedelta(hours=12)


def test_an_overdue_visit_climbs_the_chain_one_level_a_day(demo):
    (p,) = fresh(demo, skip=22)
    with time_machine.travel(at(2026, 5, 10), tick=False):
        tag(p, "living_alone")
        services.plan(persons=[p])
    task = tasks_of(p).get(rule__code="elderly-living_alone")
    chain = services.chain_above(task, dt.date(2026, 6, 1))
    assert len(chain) >= 2, chain  # the grid's and the community's (at least)
    assert task.assignee_id not in {who.pk for who, _ in chain}
    first = task.due_by + dt.timedelta(hours=1)
    with time_machine.travel(first, tick=False):
        assert services.escalate_overdue()["escalated"] >= 1
    with time_machine.travel(first + dt.timedelta(hours=3), tick=False):
        services.escalate_overdue()  # not a day yet: stays at the first level
    task.refresh_from_db()
    assert task.escalation_steps == 1 and task.escalated_to_id == chain[0][0].pk
    with time_machine.travel(first + dt.timedelta(days=1, minutes=1), tick=False):
        services.escalate_overdue()
    task.refresh_from_db()
    assert task.escalation_steps == 2 and task.escalated_to_id == chain[1][0].pk
    steps = list(VisitEscalation.objects.filter(task=task).order_by("step"))
    assert [(e.step, e.person_id) for e in steps] == [(0, chain[0][0].pk), (1, chain[1][0].pk)]
    assert all(e.reason for e in steps)
    assert Message.objects.filter(recipient=chain[1][0], topic=f"visit:{task.pk}").exists()
    # The task page lists every step; the API too.
    body = demo.api("secretary").get(f"/api/v1/visits/{task.pk}").json()
    assert [e["step"] for e in body["escalations"]] == [0, 1]
    # Past the grace: missed, and no further climbing.
    with time_machine.travel(task.late_by + dt.timedelta(minutes=1), tick=False):
        services.escalate_overdue()
    task.refresh_from_db()
    assert task.state == TaskState.MISSED
    assert VisitEscalation.objects.filter(task=task).count() == 2


def test_a_must_attend_visit_climbs_every_four_hours(demo):
    from tongxin.cases.services import case_report

    resident = demo.user("resident")
    moment = at(2026, 6, 2, 9)
    with time_machine.travel(moment, tick=False):
        case_report(
            actor=resident,
            category="family",
            description="家里吵架，需要有人来",
            place_id=resident.person.place_id,
        )
    task = tasks_of(resident.person, rule__code="must-attend", period_start=dt.date(2026, 6, 2))
    task = task.get()
    assert services.escalation_every(task) == dt.timedelta(hours=4)
    with time_machine.travel(task.due_by + dt.timedelta(minutes=5), tick=False):
        services.escalate_overdue()
    with time_machine.travel(task.due_by + dt.timedelta(hours=2), tick=False):
        services.escalate_overdue()
    task.refresh_from_db()
    assert task.escalation_steps == 1
    with time_machine.travel(task.due_by + dt.timedelta(hours=4, minutes=10), tick=False):
        services.escalate_overdue()
    task.refresh_from_db()
    chain = services.chain_above(task, dt.date(2026, 6, 2))
    assert task.escalation_steps == min(2, len(chain))


def test_whoever_is_told_of_an_overdue_visit_sees_it(demo, settings):
    (p,) = fresh(demo, under=head_building(demo), skip=23)
    tag(p, "living_alone")
    services.plan(persons=[p])
    task = tasks_of(p).get(rule__code="elderly-living_alone")
    head = demo.api("building")  # a neighbour post: never sees care, so not this visit …
    assert head.get(f"/api/v1/visits/{task.pk}").status_code == 404
    VisitEscalation.objects.create(
        task=task, step=0, person=demo.user("building").person, reason="test", at=clock.now()
    )
    # … until the chain tells them of it: then they see it, and may make the visit themself.
    assert head.get(f"/api/v1/visits/{task.pk}").status_code == 200
    response = head.post(
        f"/api/v1/visits/{task.pk}/record",
        data=json.dumps({"method": "home", "notes": "楼栋长代为走访"}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert demo.api("grid2").get(f"/api/v1/visits/{task.pk}").status_code == 404


def test_a_photo_is_stored_with_the_record_and_read_only_in_scope(demo, tmp_path, settings):
    settings.TONGXIN_UPLOAD_ROOT = str(tmp_path)
    (p,) = fresh(demo, skip=24)
    tag(p, "living_alone")
    services.plan(persons=[p])
    task = tasks_of(p).get(rule__code="elderly-living_alone")
    grid1 = demo.client("grid1")
    response = grid1.post(
        f"/visits/{task.pk}/",
        {"method": "home", "notes": "家中整洁", "photo": png_upload("现场.png")},
    )
    assert response.status_code == 302, response.content
    record = VisitRecord.objects.get(person=p)
    upload = StoredUpload.objects.get(pk=record.photo)
    assert upload.purpose == "visit_photo" and upload.owner_id == str(record.pk)
    assert grid1.get(f"/files/{upload.pk}/").status_code == 200
    assert demo.client("grid2").get(f"/files/{upload.pk}/").status_code == 404
    assert demo.client("building").get(f"/files/{upload.pk}/").status_code == 404
    page = grid1.get(f"/visits/{task.pk}/").content.decode()
    assert 'id="record-photo"' in page
    # A file that is not an image is refused with a clear message, and nothing is written.
    (q,) = fresh(demo, skip=25)
    tag(q, "living_alone")
    services.plan(persons=[q])
    other = tasks_of(q).get(rule__code="elderly-living_alone")
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")
    response = grid1.post(f"/visits/{other.pk}/", {"method": "home", "photo": bad})
    assert response.status_code == 422 and 'id="photo-error"' in response.content.decode()
    assert not VisitRecord.objects.filter(person=q).exists()
    other.refresh_from_db()
    assert other.state == TaskState.OPEN


def test_the_monthly_coverage_of_the_cared_for(demo):
    a, b = fresh(demo, n=2, skip=26)
    with time_machine.travel(at(2027, 3, 3), tick=False):
        tag(a, "living_alone")
        tag(b, "living_alone")
        tag(b, "disabled")
        services.plan(persons=[a, b])
        task = tasks_of(a).get(rule__code="elderly-living_alone")
        services.visit_record(actor=demo.user("grid1"), task_id=task.pk, method="home")
    body = demo.api("grid1").get("/api/v1/visits/coverage?by=tag&month=2027-03").json()
    rows = {r["key"]: r for r in body["items"]}
    alone = rows["living_alone"]
    assert alone["residents"] >= 2 and alone["contacted"] >= 1 and alone["home"] >= 1
    assert alone["rate"] == round(100 * alone["contacted"] / alone["residents"], 1) < 100
    assert rows["disabled"]["residents"] >= 1
    grid = demo.api("grid1").get("/api/v1/visits/coverage?by=grid&month=2027-03").json()
    assert str(demo.grid(1).pk) in {r["key"] for r in grid["items"]}
    assert str(demo.grid(2).pk) not in {r["key"] for r in grid["items"]}
    other = demo.api("grid2").get("/api/v1/visits/coverage?by=grid&month=2027-03").json()
    assert str(demo.grid(1).pk) not in {r["key"] for r in other["items"]}
    assert demo.api("building").get("/api/v1/visits/coverage").json()["items"] == []
    assert demo.api("grid1").get("/api/v1/visits/coverage?by=moon").status_code == 422
    assert demo.api("grid1").get("/api/v1/visits/coverage?month=2027-13").status_code == 422
    page = demo.client("grid1").get("/visits/board/?month=2027-03").content.decode()
    assert 'id="coverage"' in page and 'data-kind="living_alone"' in page


def test_the_pairs_list_is_audited(demo):
    (p,) = fresh(demo, under=head_building(demo), skip=27)
    services.pair_create(person=p, helpers=[(demo.user("building").person, "building_head")])
    before = AuditEvent.objects.filter(action="visit.pairs").count()
    assert demo.client("building").get("/visits/pairs/").status_code == 200
    assert demo.api("building").get("/api/v1/knocks").status_code == 200
    assert AuditEvent.objects.filter(action="visit.pairs").count() == before + 2


def test_a_reported_hospital_admission_owes_a_visit_in_hospital(demo):
    (p,) = fresh(demo, under=head_building(demo), skip=28)
    tag(p, "widowed_alone")
    moment = at(2026, 11, 3, 16)
    with time_machine.travel(moment, tick=False):
        response = demo.api("grid1").post(
            f"/api/v1/visits/events/{p.pk}",
            data=json.dumps({"trigger": "hospital"}),
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    hospital = next(t for t in body["tasks"] if t["rule"]["code"] == "hospital")
    task = VisitTask.objects.get(pk=hospital["id"])
    assert task.trigger == "hospital" and task.due_by == moment + dt.timedelta(hours=72)
    assert "hospital" in task.rule.methods and task.assignee_id
    assert AuditEvent.objects.filter(action="visit.event", subject_person_id=p.pk).exists()
    # Reported twice: owed once.
    with time_machine.travel(moment, tick=False):
        again = demo.api("secretary").post(
            f"/api/v1/visits/events/{p.pk}",
            data=json.dumps({"trigger": "hospital"}),
            content_type="application/json",
        )
    assert again.status_code == 201 and again.json()["count"] == 0
    # A release date ahead, from the timeline page.
    with time_machine.travel(moment, tick=False):
        page = demo.client("grid1").post(
            f"/visits/person/{p.pk}/event/", {"trigger": "release", "on": "2026-12-01"}
        )
    assert page.status_code == 302
    day = VisitTask.objects.get(person=p, rule__code="released-day", trigger="release")
    assert clock.local(day.due_by).date() == dt.date(2026, 12, 1)
    # Refusals: an unknown event, a date too far, a neighbour post without care, another grid.
    api = demo.api("grid1")
    for data, field in (
        ({"trigger": "new_tag"}, "trigger"),
        ({"trigger": "hospital", "on": "2030-01-01"}, "on"),
    ):
        bad = api.post(
            f"/api/v1/visits/events/{p.pk}", data=json.dumps(data), content_type="application/json"
        )
        assert bad.status_code == 422 and field in {f["field"] for f in bad.json()["fields"]}
    head = demo.api("building").post(
        f"/api/v1/visits/events/{p.pk}",
        data=json.dumps({"trigger": "hospital"}),
        content_type="application/json",
    )
    assert head.status_code == 403
    other = demo.api("grid2").post(
        f"/api/v1/visits/events/{p.pk}",
        data=json.dumps({"trigger": "hospital"}),
        content_type="application/json",
    )
    assert other.status_code == 404


def test_the_care_timeline_shows_cases_raised_on_visits(demo):
    (p,) = fresh(demo, skip=29)
    tag(p, "living_alone")
    services.plan(persons=[p])
    task = tasks_of(p).get(rule__code="elderly-living_alone")
    record = services.visit_record(
        actor=demo.user("grid1"),
        task_id=task.pk,
        method="home",
        notes="家中电线老化，需要维修",
        raise_case="family",
    )
    page = demo.client("grid1").get(f"/visits/person/{p.pk}/").content.decode()
    assert record.case.ref in page and 'data-kind="visit"' in page
    assert 'id="event-form"' in page


def test_the_printed_visit_sheet_lists_my_visits(demo, tmp_path):
    import shutil
    import subprocess

    (p,) = fresh(demo, skip=30)
    tag(p, "living_alone")
    services.plan(persons=[p])
    before = AuditEvent.objects.filter(action="visit.sheet").count()
    response = demo.client("grid1").get("/visits/sheet/", {"q": p.name})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="visit.sheet").count() == before + 1
    empty = demo.client("resident").get("/visits/sheet/")  # owes none: an empty sheet
    assert empty.status_code == 200 and empty.content.startswith(b"%PDF")
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the text was not read")
    (tmp_path / "sheet.pdf").write_bytes(response.content)
    text = subprocess.run(  # noqa: S603 — poppler on the PDF we just wrote
        [pdftotext, str(tmp_path / "sheet.pdf"), "-"], check=True, capture_output=True
    ).stdout.decode()
    text = "".join(text.split())
    assert p.name in text and "走访登记表" in text and "共2项" in text
    (tmp_path / "empty.pdf").write_bytes(empty.content)
    text = subprocess.run(  # noqa: S603
        [pdftotext, str(tmp_path / "empty.pdf"), "-"], check=True, capture_output=True
    ).stdout.decode()
    assert p.name not in "".join(text.split())
