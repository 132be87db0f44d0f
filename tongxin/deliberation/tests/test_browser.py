"""End to end in a real Chromium, phone-sized: the secretary opens an owners' vote on the demo
resident's estate, the resident and two owners (``owner1``, ``owner2``, accounts the demo makes)
vote on their phones and get receipts, the secretary's live meter moves without a reload, the
vote closes, and the public result lists units and areas only — no owner's name. The resident
checks their receipt.

Screenshots go to var/screenshots/deliberation-*.png.
"""

from __future__ import annotations

import re

import pytest

from tongxin.workbench.tests.test_browser import PASSWORD

pytestmark = pytest.mark.browser

PHONE_375 = {"width": 375, "height": 812}


def signed_in(browser, base: str, username: str, errors: list[str]):
    ctx = browser.new_context(viewport=PHONE_375, locale="zh-CN", device_scale_factor=2)
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def test_owners_vote_on_phones_with_a_live_meter_and_a_public_result_without_names(
    browser, e2e_server, screenshots
):
    base = e2e_server
    errors: list[str] = []
    resident = signed_in(browser, base, "resident", errors)
    # The resident's estate: where the demo's vote runs.
    resident.goto(f"{base}/deliberation/votes/")
    estate_id = resident.locator("li[data-vote]").first.get_attribute("data-place")

    sec = signed_in(browser, base, "secretary", errors)
    sec.goto(f"{base}/deliberation/votes/new/")
    sec.fill('input[name="title"]', "小区增设电动车充电棚")
    sec.select_option('select[name="place_id"]', estate_id)
    sec.select_option('select[name="electorate"]', "owners")
    sec.select_option('select[name="rule"]', "art278_ordinary")
    sec.fill('input[name="days"]', "3")
    sec.screenshot(path=str(screenshots / "deliberation-vote-new.png"), full_page=True)
    sec.click("#vote-new button[type=submit]")
    sec.wait_for_url(re.compile(rf"{base}/deliberation/votes/\d+/$"))
    vote_url = sec.url
    assert sec.locator('#meter [data-k="participating_heads"]').inner_text() == "0"

    receipts = {}
    owners = {}
    for name, label in (("resident", "同意"), ("owner1", "同意"), ("owner2", "反对")):
        page = resident if name == "resident" else signed_in(browser, base, name, errors)
        owners[name] = page
        page.goto(vote_url)
        page.locator("#ballot button", has_text=label).click()
        page.wait_for_selector("#receipt-code")
        receipts[name] = page.locator("#receipt-code").inner_text().strip()
        assert len(receipts[name]) == 16
        page.screenshot(path=str(screenshots / f"deliberation-{name}-receipt.png"), full_page=True)
        # Voting twice is not offered.
        page.goto(vote_url)
        assert page.locator("#ballot").count() == 0 and page.locator("#voted").count() == 1

    # The secretary's meter moved without a reload.
    # (A locator assertion: a string predicate would be eval, which the page's CSP refuses.)
    from playwright.sync_api import expect

    expect(sec.locator('#meter [data-k="participating_heads"]')).to_have_text("3", timeout=15000)
    assert sec.locator('#meter [data-k="yes_heads"]').inner_text() == "2"
    sec.screenshot(path=str(screenshots / "deliberation-meter.png"), full_page=True)

    # The resident checks the receipt.
    resident.goto(vote_url)
    resident.fill('#check input[name="receipt"]', receipts["resident"])
    resident.click("#check button[type=submit]")
    resident.wait_for_selector("text=回执有效")

    # Close, and the public result: units and areas, no names.
    sec.click("#close-vote button")
    sec.wait_for_url(re.compile(rf"{base}/deliberation/votes/\d+/result/$"))
    assert sec.locator("#outcome").count() == 1
    rows = sec.locator("#units tr[data-unit]")
    assert rows.count() > 3
    assert re.search(r"\d+栋\d+单元\d+室", rows.first.inner_text())
    voted = sec.locator("#units tr[data-unit]", has_text="✓")
    assert voted.count() >= 3
    sec.screenshot(path=str(screenshots / "deliberation-result.png"), full_page=True)
    text = sec.locator("#units").inner_text()
    for page in owners.values():
        name = page.locator(".who-name").first.inner_text().strip()
        assert name and name not in text
    assert "同意" not in text and "反对" not in text  # a secret ballot: no choice by unit
    assert errors == []
