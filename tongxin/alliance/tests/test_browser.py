"""End to end in a real Chromium (phone-sized) on the demo: the secretary opens the alliance
board (units, 六个一, projects) and a unit's scorecard down to its evidence; the unit's liaison
opens their unit's page and the printable agreement, and cannot open another unit.

Screenshots go to var/screenshots/alliance-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tongxin.notices.tests.test_browser import sign_in
from tongxin.workbench.tests.test_browser import PHONE

pytestmark = pytest.mark.browser


def test_board_scorecard_and_the_liaisons_unit_on_a_phone(browser, e2e_server, screenshots):
    errors: list[str] = []
    base = e2e_server
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, base, "secretary")
    page.goto(f"{base}/alliance/")
    assert page.locator("#units [data-unit]").count() >= 6
    assert page.locator('#six-ones [data-one="meetings"]').count() == 1
    page.screenshot(path=str(screenshots / "alliance-board.png"), full_page=True)
    page.click("text=成绩单 ›")
    page.locator("#cards [data-unit] a").last.click()
    page.locator("#items details").first.click()
    assert page.locator("#total .score").inner_text()
    page.screenshot(path=str(screenshots / "alliance-scorecard.png"), full_page=True)

    liaison = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2).new_page()
    liaison.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(liaison, base, "liaison")
    liaison.goto(f"{base}/alliance/")
    assert "/alliance/units/" in liaison.url  # their own unit's page
    assert liaison.locator("#commitments [data-commitment]").count() == 5
    liaison.screenshot(path=str(screenshots / "alliance-liaison-unit.png"), full_page=True)
    liaison.click("#commitments a:has-text('协议书')")
    # The click returns before the next page has loaded: wait on it, never read a half-loaded page.
    liaison.wait_for_url("**/alliance/agreements/*/")
    expect(liaison).to_have_title(re.compile("共建承诺协议书"))
    liaison.screenshot(path=str(screenshots / "alliance-agreement.png"), full_page=True)
    assert errors == []
