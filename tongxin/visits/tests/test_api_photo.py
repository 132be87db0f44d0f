"""A visit's photo through the API: ``POST /api/v1/visits/{id}/record`` as multipart/form-data
with the record's fields and one ``photo``; the photo stored through ``core.uploads`` with the
record, in one transaction (a refused photo leaves nothing written); its URL answered only to
those who may read it."""

from __future__ import annotations

import io
import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tongxin.core.models import AuditEvent, StoredUpload
from tongxin.core.testing import png_upload
from tongxin.visits import services
from tongxin.visits.api import photo_url
from tongxin.visits.models import CareSchedule, TaskState, VisitRecord, VisitTask

from .helpers import at, fresh, head_building, tag

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.fixture
def uploads_dir(tmp_path, settings):
    settings.TONGXIN_UPLOAD_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def visit(demo):
    with time_machine.travel(at(2026, 12, 7, 9), tick=False):
        (p,) = fresh(demo, under=head_building(demo), skip=52)
        tag(p, "living_alone")
        services.plan(persons=[p])
    return VisitTask.objects.get(person=p, rule__code="elderly-living_alone")


def stored_files(root):
    return [f for f in root.rglob("*") if f.is_file()]


def test_a_record_with_a_photo_stores_it_with_the_record(demo, visit, uploads_dir):
    # Signed in and acting at one moment: the token would have expired between the
    # session's clock (make test-dates) and the visit's day.
    with time_machine.travel(at(2026, 12, 7, 10), tick=False):
        grid1 = demo.api("grid1")
        response = grid1.post(
            f"/api/v1/visits/{visit.pk}/record",
            {
                "method": "home",
                "met": "本人",
                "checklist": json.dumps({"health": "ok", "living": "concern"}),
                "notes": "屋顶漏水",
                "photo": png_upload("现场.png"),
            },
        )
        assert response.status_code == 201, response.content
        body = response.json()
        record = VisitRecord.objects.get(pk=body["id"])
        assert body["checklist"] == {"health": "ok", "living": "concern"}
        upload = StoredUpload.objects.get(pk=record.photo)
        assert upload.purpose == "visit_photo" and upload.owner_id == str(record.pk)
        assert body["photo"] == f"/files/{upload.pk}/"
        visit.refresh_from_db()
        assert visit.state == TaskState.DONE and visit.record_id == record.pk
        # The visit's own view carries it, and the file is served to the record's readers only.
        assert grid1.get(f"/api/v1/visits/{visit.pk}").json()["record"]["photo"] == body["photo"]
        assert demo.client("grid1").get(body["photo"]).status_code == 200
        for role in ("grid2", "building", "resident"):
            assert demo.client(role).get(body["photo"]).status_code == 404, role
            assert photo_url(record, demo.user(role)) is None, role
        assert AuditEvent.objects.filter(
            action="visit.record", object_id=str(record.pk), detail__photo=str(upload.pk)
        ).exists()


def test_the_form_takes_the_checklist_item_by_item_and_json_needs_no_photo(demo, visit):
    with time_machine.travel(at(2026, 12, 7, 10), tick=False):
        response = demo.api("grid1").post(
            f"/api/v1/visits/{visit.pk}/record",
            {"method": "home", "checklist.mood": "urgent", "checklist.health": "ok"},
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["checklist"] == {"mood": "urgent", "health": "ok"} and body["photo"] is None


def refused(demo, visit, data, field, uploads_dir):
    with time_machine.travel(at(2026, 12, 7, 10), tick=False):
        response = demo.api("grid1").post(f"/api/v1/visits/{visit.pk}/record", data)
    assert response.status_code == 422, (field, response.content)
    body = response.json()
    assert body["message"] and field in {f["field"] for f in body["fields"]}, body
    # Nothing half-written: no record, no stored file, no upload row, the visit still open.
    assert not VisitRecord.objects.filter(person=visit.person).exists()
    assert not StoredUpload.objects.filter(purpose="visit_photo").exists()
    assert stored_files(uploads_dir) == []
    visit.refresh_from_db()
    assert visit.state == TaskState.OPEN and visit.record_id is None
    assert CareSchedule.objects.get(person=visit.person).last_contact_at is None
    return body


def test_a_bad_photo_refuses_the_record_and_nothing_is_written(demo, visit, uploads_dir, settings):
    from tongxin.cases.models import Case

    cases = Case.objects.count()
    not_an_image = SimpleUploadedFile("x.png", b"<html>not an image</html>", "image/png")
    body = refused(
        demo,
        visit,
        {"method": "home", "photo": not_an_image, "raise_case": "family"},
        "photo",
        uploads_dir,
    )
    assert "x.png" in body["message"]
    assert Case.objects.count() == cases  # the case the finding raised went with the record
    pdf = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    refused(demo, visit, {"method": "home", "photo": pdf}, "photo", uploads_dir)
    # Too large: the limit of core.uploads, said in the message.
    settings.TONGXIN_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    buf = io.BytesIO()
    Image.effect_noise((1400, 1400), 90).convert("RGB").save(buf, format="PNG")
    assert buf.tell() > 2 * 1024 * 1024
    big = SimpleUploadedFile("big.png", buf.getvalue(), "image/png")
    body = refused(demo, visit, {"method": "home", "photo": big}, "photo", uploads_dir)
    assert "2 MB" in body["message"]
    # Two photos, or a file under another name.
    two = [png_upload("a.png"), png_upload("b.png")]
    refused(demo, visit, {"method": "home", "photo": two}, "photo", uploads_dir)
    refused(demo, visit, {"method": "home", "file": png_upload()}, "file", uploads_dir)
    # The record's own fields are checked as in JSON, with the photo present.
    refused(demo, visit, {"method": "telepathy", "photo": png_upload()}, "method", uploads_dir)
    refused(
        demo,
        visit,
        {"method": "home", "checklist": "{not json", "photo": png_upload()},
        "checklist",
        uploads_dir,
    )
    refused(
        demo,
        visit,
        {"method": "home", "checklist.mood": "sad", "photo": png_upload()},
        "checklist.mood",
        uploads_dir,
    )
    refused(demo, visit, {"method": "x" * 40, "photo": png_upload()}, "form.method", uploads_dir)
    for text in ("[1]", "7", "[" * 5000):
        refused(demo, visit, {"method": "home", "checklist": text}, "checklist", uploads_dir)
    empty = SimpleUploadedFile("empty.png", b"", "image/png")
    refused(demo, visit, {"method": "home", "photo": empty}, "photo", uploads_dir)
    # A photo of a record the caller may not make: 404 out of scope, nothing stored either.
    with time_machine.travel(at(2026, 12, 7, 10), tick=False):
        response = demo.api("grid2").post(
            f"/api/v1/visits/{visit.pk}/record", {"method": "home", "photo": png_upload()}
        )
    assert response.status_code == 404
    assert stored_files(uploads_dir) == []


def test_a_bad_photo_on_the_web_form_keeps_what_the_visitor_typed(demo, visit, uploads_dir):
    from tongxin.cases.models import Case

    cases = Case.objects.count()
    not_an_image = SimpleUploadedFile("门口.png", b"<html>not an image</html>", "image/png")
    with time_machine.travel(at(2026, 12, 7, 10), tick=False):
        response = demo.client("grid1").post(
            f"/visits/{visit.pk}/",
            {
                "method": "home",
                "met": "老伴",
                "check_health": "concern",
                "check_mood": "urgent",
                "notes": "屋顶漏水，床铺潮湿",
                "raise_case": "family",
                "raise_need": "",
                "photo": not_an_image,
            },
        )
    assert response.status_code == 422
    page = response.content.decode()
    # A clear error, beside the photo, saying to choose it again …
    assert 'id="record-error"' in page and 'id="photo-error"' in page and "门口.png" in page
    # … and the form as typed: the method, who was met, the checklist, the notes, the case.
    assert 'name="method" value="home" checked' in page
    assert 'value="老伴"' in page
    assert '<option value="concern" selected>' in page
    assert '<option value="urgent" selected>' in page
    assert "屋顶漏水，床铺潮湿</textarea>" in page
    assert '<option value="family" selected>' in page
    # Nothing written.
    assert not VisitRecord.objects.filter(person=visit.person).exists()
    assert Case.objects.count() == cases and stored_files(uploads_dir) == []
    visit.refresh_from_db()
    assert visit.state == TaskState.OPEN
    # The form as first shown has nothing typed and no error.
    with time_machine.travel(at(2026, 12, 7, 10), tick=False):
        fresh_page = demo.client("grid1").get(f"/visits/{visit.pk}/").content.decode()
    assert 'id="record-error"' not in fresh_page and "selected>" not in fresh_page.split(
        'id="record-form"'
    )[1].replace('<option value="">', "")
