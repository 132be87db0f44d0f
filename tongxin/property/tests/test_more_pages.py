"""The pages added for the street and the community: contracts (list, record, end), the
panel's rotation, manual credit records, the orders list; the report as Excel and PDF; the
demo's surveys."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tongxin.core import clock
from tongxin.people.models import Person
from tongxin.property import services
from tongxin.property.models import (
    CreditEvent,
    MonthlyScore,
    PanelMember,
    ServiceContract,
    SurveyAnswer,
    SurveySample,
)

pytestmark = pytest.mark.django_db


def last_month() -> dt.date:
    return services.add_months(services.month_of(clock.today()), -1)


def test_contracts_list_record_and_end(prop):
    sec = prop.demo.client("secretary")
    page = sec.get("/property/contracts/").content.decode()
    assert f'data-contract="{prop.home.pk}"' in page and 'id="contract-new"' in page
    assert (
        'id="contract-new"'
        not in prop.demo.client("grid1").get("/property/contracts/").content.decode()
    )
    assert prop.demo.client("grid1").get("/property/contracts/new/").status_code == 403
    estate = prop.free_estate()
    today = clock.today()
    r = sec.post(
        "/property/contracts/new/",
        {
            "estate_id": estate.pk,
            "company_id": prop.home.company_id,
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=700)).isoformat(),
            "fee_standard": "1.10",
        },
    )
    assert r.status_code == 302
    contract = ServiceContract.objects.get(estate=estate)
    # A bad end date is refused with its reason; a good one ends the contract.
    r = sec.post(
        f"/property/contracts/{contract.pk}/end/",
        {"ends_on": (today - dt.timedelta(days=3)).isoformat(), "reason": "业主大会解聘"},
        follow=True,
    )
    assert "不能早于合同开始日期" in r.content.decode()
    r = sec.post(
        f"/property/contracts/{contract.pk}/end/",
        {"ends_on": today.isoformat(), "reason": "业主大会解聘"},
    )
    assert r.status_code == 302
    contract.refresh_from_db()
    assert contract.ends_on == today and "业主大会解聘" in contract.note
    assert (
        prop.demo.client("grid1").get(f"/property/contracts/{contract.pk}/end/").status_code == 403
    )


def test_the_panel_page_rotates_by_the_rule(prop):
    sec = prop.demo.client("secretary")
    estate = prop.home.estate
    page = sec.get(f"/property/estates/{estate.pk}/panel/").content.decode()
    assert 'id="rotate-form"' in page and "panel-member" in page
    assert (
        'id="rotate-form"'
        not in prop.demo.client("grid1")
        .get(f"/property/estates/{estate.pk}/panel/")
        .content.decode()
    )
    current = {m.person_id for m in PanelMember.objects.filter(estate=estate)}
    today = clock.today()
    term_now = PanelMember.objects.filter(
        estate=estate, term_start__lte=today, term_end__gte=today
    ).first()
    start = services.add_months(term_now.term_end, 1)
    # The current members may not serve the next term running.
    r = sec.post(
        f"/property/estates/{estate.pk}/panel/",
        {"term_start": f"{start:%Y-%m}", "person_ids": list(current)[:3]},
        follow=True,
    )
    assert "本任期应轮换" in r.content.decode() or "应有" in r.content.decode()
    fresh = list(
        Person.objects.filter(place_path__startswith=estate.path)
        .exclude(pk__in=current)
        .values_list("pk", flat=True)[:3]
    )
    r = sec.post(
        f"/property/estates/{estate.pk}/panel/",
        {"term_start": f"{start:%Y-%m}", "person_ids": fresh},
    )
    assert r.status_code == 302
    assert set(
        PanelMember.objects.filter(estate=estate, term_start=start).values_list(
            "person_id", flat=True
        )
    ) == set(fresh)


def test_a_manual_credit_record_names_its_evidence(prop):
    sec = prop.demo.client("secretary")
    url = f"/property/contracts/{prop.other.pk}/credit/"
    page = sec.get(url).content.decode()
    assert 'value="lawsuit_lost"' in page and 'value="case_overdue"' not in page
    r = sec.post(
        url,
        {"rule": "lawsuit_lost", "evidence_text": "", "occurred_on": clock.today().isoformat()},
        follow=True,
    )
    assert "请写明证据" in r.content.decode()
    r = sec.post(
        url,
        {
            "rule": "lawsuit_lost",
            "evidence_text": "(2026)鄂0902民初77号",
            "occurred_on": clock.today().isoformat(),
        },
    )
    assert r.status_code == 302
    event = CreditEvent.objects.get(evidence_text="(2026)鄂0902民初77号")
    assert event.state == "pending" and event.company_id == prop.other.company_id
    assert prop.demo.client("grid1").get(url).status_code == 403


def test_the_orders_list_is_scoped(prop):
    rect = prop.home.rectifications.order_by("id").first()
    assert (
        f'data-rect="{rect.pk}"'
        in prop.demo.client("grid1").get("/property/rectifications/").content.decode()
    )
    assert (
        f'data-rect="{rect.pk}"'
        in prop.demo.client("property1")
        .get("/property/rectifications/?state=open")
        .content.decode()
    )
    assert (
        f'data-rect="{rect.pk}"'
        not in prop.demo.client("grid2").get("/property/rectifications/").content.decode()
    )


def test_the_report_as_excel(prop):
    from openpyxl import load_workbook

    month = last_month()
    r = prop.demo.client("secretary").get(f"/property/report.xlsx?month={month:%Y-%m}")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    ranking = wb.worksheets[0]
    rows = list(ranking.iter_rows(values_only=True))
    published = MonthlyScore.objects.filter(month=month, state="published").count()
    assert len(rows) == 1 + published
    assert "居民代表检查" in rows[0] and "得分" in rows[0]
    estates = {row[2] for row in rows[1:]}
    assert prop.home.estate.name in estates
    assert next(row[1] for row in rows[1:] if row[0] == rows[1][0]) == 1
    assert wb.worksheets[1].max_row >= 3  # the two companies' credit


def out_dir(tmp_path: Path) -> Path:
    return Path(os.environ.get("TONGXIN_PRINT_OUT", tmp_path))


def test_the_report_prints(prop, tmp_path):
    month = last_month()
    r = prop.demo.client("secretary").get(f"/property/report.pdf?month={month:%Y-%m}")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: the PDF was not rendered")
    out = out_dir(tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    (out / "property-report.pdf").write_bytes(r.content)
    subprocess.run(  # noqa: S603 — poppler on the PDF we just wrote
        [pdftoppm, "-png", "-r", "60", str(out / "property-report.pdf"), str(out / "property")],
        check=True,
    )
    pages = sorted(out.glob("property-*.png"))
    assert len(pages) >= 1 and pages[0].stat().st_size > 5000


def test_the_demo_has_surveys_in_its_months(prop):
    month = last_month()
    sample = SurveySample.objects.get(contract=prop.home, month=month)
    answered = SurveyAnswer.objects.filter(sample=sample, level__isnull=False)
    assert sample.size >= 1 and answered.exists()
    assert answered.count() < sample.size or sample.size < 4
    score = MonthlyScore.objects.get(contract=prop.home, month=month)
    assert any(i["rule"] == "satisfaction" for i in score.result["items"])
    assert SurveySample.objects.filter(month=services.month_of(clock.today())).count() == (
        ServiceContract.objects.count()
    )
