"""The residents' satisfaction survey (five levels) and the photos of inspection items."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tongxin.core import clock
from tongxin.core.errors import Forbidden, NotFound, ValidationFailed
from tongxin.core.models import StoredUpload
from tongxin.people.models import Household, Person
from tongxin.property import selectors, services
from tongxin.property.errors import AlreadyAnswered
from tongxin.property.models import (
    ChecklistItem,
    InspectionScore,
    Scheme,
    SurveyAnswer,
    SurveySample,
)
from tongxin.property.services import survey

pytestmark = pytest.mark.django_db


def this_month():
    return services.month_of(clock.today())


def home_sample(prop):
    return survey.draw(prop.home, this_month())


def resident_row(prop):
    resident = prop.user("resident").person
    sample = home_sample(prop)
    return SurveyAnswer.objects.get_or_create(sample=sample, household_id=resident.household_id)[0]


# ------------------------------------------------------------------ the draw


def test_the_sample_is_deterministic_and_sized_by_configuration(prop):
    contract = prop.new_contract()
    households = Household.objects.filter(place_path__startswith=contract.estate_path).count()
    assert households >= 2
    Scheme.objects.update(survey_size=2)
    first = survey.sample_households(contract, this_month(), 2)
    assert first == survey.sample_households(contract, this_month(), 2)  # reproducible
    assert len(first) == 2
    sample = survey.draw(contract, this_month())
    assert sample.size == 2 and sample.population == households
    assert sorted(sample.answers.values_list("household_id", flat=True)) == sorted(first)
    # Drawn once: a second draw (the job again, a page) returns the stored sample.
    Scheme.objects.update(survey_size=5)
    assert survey.draw(contract, this_month()).pk == sample.pk
    assert sample.answers.count() == 2
    # The order is the published hash of contract, month and household: anyone can check it.
    ranked = sorted(
        Household.objects.filter(place_path__startswith=contract.estate_path).values_list(
            "pk", flat=True
        ),
        key=lambda pk: survey.rank_key(sample.seed, pk),
    )
    assert ranked[:2] == first


def test_the_daily_job_draws_every_estate_once(prop):
    from tongxin.property import tasks

    prop.new_contract()  # the demo drew its estates' samples; this one has none yet
    assert tasks.survey_draw() == "drawn 1"
    count = SurveySample.objects.filter(month=this_month()).count()
    assert count >= 1
    assert tasks.survey_draw() == "drawn 0"
    assert SurveySample.objects.filter(month=this_month()).count() == count


# ------------------------------------------------------------------ answering once


def test_a_sampled_resident_answers_once(prop):
    row = resident_row(prop)
    api = prop.demo.api("resident")
    mine = api.get("/api/v1/property/surveys/mine").json()
    assert [m["id"] for m in mine] == [row.pk] and mine[0]["level"] is None
    r = api.post(
        f"/api/v1/property/surveys/{row.pk}",
        json.dumps({"level": 4, "comment": "保洁不错"}),
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["level"] == 4 and r.json()["level_label"] == "满意"
    again = api.post(
        f"/api/v1/property/surveys/{row.pk}",
        json.dumps({"level": 1}),
        content_type="application/json",
    )
    assert again.status_code == 409
    assert again.json()["code"] == "SURVEY_ALREADY_ANSWERED"
    assert "只能评价一次" in again.json()["message"]
    row.refresh_from_db()
    assert row.level == 4 and row.answered_by_id == prop.user("resident").person_id


def test_the_phone_page_answers_and_then_thanks(prop):
    row = resident_row(prop)
    client = prop.demo.client("resident")
    page = client.get("/property/survey/").content.decode()
    assert f'id="survey-{row.pk}"' in page and 'name="level"' in page
    r = client.post("/property/survey/", {"answer_id": row.pk, "level": 5}, follow=True)
    body = r.content.decode()
    assert 'data-answered="yes"' in body and "非常满意" in body
    r = client.post("/property/survey/", {"answer_id": row.pk, "level": 1}, follow=True)
    assert "只能评价一次" in r.content.decode()
    row.refresh_from_db()
    assert row.level == 5


def test_a_bad_level_is_refused_and_others_may_not_answer(prop):
    row = resident_row(prop)
    with pytest.raises(ValidationFailed):
        survey.answer(actor=prop.user("resident"), answer_id=row.pk, level=6)
    # Staff over the estate see the row but do not answer for a household.
    with pytest.raises(Forbidden):
        survey.answer(actor=prop.user("secretary"), answer_id=row.pk, level=3)
    # Another household's resident elsewhere does not even see it.
    with pytest.raises(NotFound):
        survey.answer(actor=prop.user("grid2"), answer_id=row.pk, level=3)
    # The company never reads the answers.
    assert not SurveyAnswer.objects.visible_to(prop.user("property1")).exists()
    r = prop.demo.client("property1").get(f"/property/estates/{prop.home.estate_id}/survey/")
    assert r.status_code == 404


def test_a_panelist_records_a_doorstep_answer(prop):
    resident = prop.user("resident")
    sample = home_sample(prop)
    other = (
        Household.objects.filter(place_path__startswith=prop.home.estate_path)
        .exclude(pk=resident.person.household_id)
        .first()
    )
    row, _new = SurveyAnswer.objects.get_or_create(sample=sample, household=other)
    client = prop.demo.client("resident")
    page = client.get(f"/property/estates/{prop.home.estate_id}/survey/").content.decode()
    assert f'id="answer-{row.pk}"' in page
    client.post(
        f"/property/estates/{prop.home.estate_id}/survey/", {"answer_id": row.pk, "level": 2}
    )
    row.refresh_from_db()
    assert row.level == 2 and row.answered_by_id is None and row.recorded_by_id == resident.pk
    with pytest.raises(AlreadyAnswered):
        survey.answer(actor=resident, answer_id=row.pk, level=5)


# ------------------------------------------------------------------ the arithmetic


def test_answers_weigh_a_fifth_of_the_month(prop):
    contract = prop.new_contract()
    month = this_month()
    person = Person.objects.order_by("id").first()
    prop.inspect(contract, month, person, {})  # the checklist at full marks
    sample = SurveySample.objects.create(
        contract=contract, month=month, size=3, population=3, seed="t"
    )
    households = list(Household.objects.order_by("id")[:3])
    SurveyAnswer.objects.create(sample=sample, household=households[0], level=5)
    SurveyAnswer.objects.create(sample=sample, household=households[1], level=3)
    SurveyAnswer.objects.create(sample=sample, household=households[2])  # not answered
    result = selectors.month_result(contract, month)
    # checklist 100 × 0.6 = 60; no repair rating 100 × 0.2 = 20; survey (4 + 2) / 8 = 75 %
    # × 0.2 = 15
    assert result.total == Decimal("95.00")
    item = next(i for i in result.items if i.rule == "satisfaction")
    assert item.note == "6/8" and len(item.evidence) == 2
    assert not any(i.rule == "no_answers" for i in result.items)
    # Everyone 非常不满意: the survey part is 0 → 80.
    SurveyAnswer.objects.filter(sample=sample).update(level=1)
    assert selectors.month_result(contract, month).total == Decimal("80.00")


# ------------------------------------------------------------------ photos


def png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def test_item_photos_are_checked_and_read_only_by_the_inspections_viewers(prop):
    client = prop.demo.client("resident")
    estate = prop.home.estate_id
    data = {f"item_{c.code}": c.max_score for c in ChecklistItem.objects.filter(is_active=True)}
    data["item_cleaning"] = 2  # low: raises an order
    # A good photo on one item and a bad one on another: refused whole, no file written.
    bad = dict(
        data,
        photo_cleaning=SimpleUploadedFile("p.png", png()),
        photo_lifts=SimpleUploadedFile("x.png", b"not an image"),
    )
    from tongxin.core import uploads

    on_disk = sum(1 for p in uploads.upload_root().rglob("*") if p.is_file())
    r = client.post(f"/property/estates/{estate}/inspect/", bad)
    assert r.status_code == 200 and "x.png" in r.content.decode()
    assert sum(1 for p in uploads.upload_root().rglob("*") if p.is_file()) == on_disk
    assert not prop.home.inspections.filter(month=this_month()).exists()
    assert not StoredUpload.objects.filter(purpose="property_inspection_photo").exists()

    good = dict(data, photo_cleaning=SimpleUploadedFile("p.png", png()))
    client.post(f"/property/estates/{estate}/inspect/", good)
    score = InspectionScore.objects.get(
        inspection__contract=prop.home, inspection__month=this_month(), item__code="cleaning"
    )
    (pk,) = score.photos
    upload = StoredUpload.objects.get(pk=pk)
    assert upload.owner_id == str(score.pk) and upload.kind == "png"
    assert client.get(f"/files/{pk}/").status_code == 200
    assert prop.demo.client("grid1").get(f"/files/{pk}/").status_code == 200
    assert prop.demo.client("property1").get(f"/files/{pk}/").status_code == 200
    assert prop.demo.client("grid2").get(f"/files/{pk}/").status_code == 404
    # The order the low item raised shows the photo to those who see it.
    rect = selectors.rectifications_of(score.inspection).get(item__code="cleaning")
    page = prop.demo.client("grid1").get(f"/property/rectifications/{rect.pk}/").content.decode()
    assert 'id="rect-photos"' in page and f"/files/{pk}/" in page
