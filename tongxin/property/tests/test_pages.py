"""The pages: the board's rankings, the estate page, the phone form's errors, the company
page's response form, the report, the joint meeting form."""

from __future__ import annotations

import datetime as dt

import pytest

from tongxin.core import clock
from tongxin.meetings.models import Meeting
from tongxin.orgs.models import Organisation
from tongxin.property import services
from tongxin.property.models import ChecklistItem, CreditEvent, Inspection

pytestmark = pytest.mark.django_db


def test_board_ranks_last_month_per_street(prop):
    body = prop.demo.client("secretary").get("/property/").content.decode()
    assert f'data-estate="{prop.home.estate_id}"' in body
    assert prop.home.company.name in body


def test_estate_page_shows_the_live_score_and_panel(prop):
    r = prop.demo.client("grid1").get(f"/property/estates/{prop.home.estate_id}/")
    assert r.status_code == 200
    body = r.content.decode()
    assert 'id="live"' in body and prop.user("resident").person.name in body


def test_phone_form_shows_each_bad_item_and_writes_nothing(prop):
    client = prop.demo.client("resident")
    url = f"/property/estates/{prop.home.estate_id}/inspect/"
    data = {f"item_{c.code}": str(c.max_score) for c in ChecklistItem.objects.all()}
    data["item_lifts"] = "99"
    data["item_fire"] = ""
    r = client.post(url, data)
    assert r.status_code == 200
    body = r.content.decode()
    assert body.count('class="errorbox"') == 2
    assert not Inspection.objects.filter(
        contract=prop.home,
        month=services.month_of(clock.today()),
        panelist=prop.user("resident").person,
    ).exists()
    data["item_lifts"], data["item_fire"] = "10", "15"
    ok = client.post(url, data)
    assert ok.status_code == 302
    assert 'id="done"' in client.get(url).content.decode()


def test_company_page_offers_the_response_form_to_the_company_only(prop):
    event = CreditEvent.objects.filter(company=prop.other.company, state="pending").first()
    assert event is not None  # the demo's lost lawsuit
    page = prop.demo.client("secretary").get(f"/property/companies/{prop.other.company_id}/")
    body = page.content.decode()
    assert f'action="/property/credit/{event.pk}/respond/"' not in body
    assert f'action="/property/credit/{event.pk}/post/"' in body
    assert "鄂0902民初1234号" in body


def test_report_prints_the_month(prop):
    month = services.add_months(services.month_of(clock.today()), -1)
    r = prop.demo.client("secretary").get(f"/property/report/?month={month:%Y-%m}")
    assert r.status_code == 200 and prop.home.estate.name in r.content.decode()


def test_joint_meeting_form_convenes_on_the_meeting_mechanism(prop):
    committee = Organisation.objects.filter(kind="party_committee").order_by("path").first()
    when = clock.local(clock.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    r = prop.demo.client("secretary").post(
        f"/property/contracts/{prop.home.pk}/joint/",
        {"organisation_id": committee.pk, "starts_at": when, "agenda": "充电桩\n电梯维保"},
    )
    assert r.status_code == 302
    meeting = Meeting.objects.order_by("-id").first()
    assert meeting.kind.code == "property_joint" and r["Location"] == f"/meetings/{meeting.pk}/"
