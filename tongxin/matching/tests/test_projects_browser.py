"""End to end in a real Chromium (phone-sized): the secretary opens the project board of the
demo community, opens the running project, records an expense from her phone and completes a
milestone; a resident then reads the project's public face (no books, no needs).

Screenshots go to var/screenshots/projects-*.png.
"""

from __future__ import annotations

import pytest

from tongxin.notices.tests.test_browser import sign_in
from tongxin.workbench.tests.test_browser import PHONE

pytestmark = pytest.mark.browser


def test_project_board_and_page_on_a_phone(browser, e2e_server, screenshots):
    errors: list[str] = []
    base = e2e_server
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, base, "secretary")
    page.goto(f"{base}/matching/projects/")
    cards = page.locator("#projects li[data-project]")
    assert cards.count() == 3
    page.screenshot(path=str(screenshots / "projects-board.png"), full_page=True)
    page.click("#project-new")
    page.wait_for_selector("#project-form")
    page.screenshot(path=str(screenshots / "projects-new.png"), full_page=True)
    page.goto(f"{base}/matching/projects/")

    page.click('#projects li:has-text("三无小区车棚改造") a.vol-title')
    page.wait_for_selector("#project-state")
    assert page.locator("#project-state").get_attribute("data-state") == "running"
    assert page.locator("#project-balance").inner_text() == "26,400.00"
    page.select_option("#money-kind", "spend")
    page.fill("#money-amount", "400")
    page.fill('#money-form input[name="purpose"]', "充电桩线缆")
    page.fill('#money-form input[name="receipt_no"]', "FP-2026-040")
    page.click("#money-submit")
    page.wait_for_selector("#project-balance")
    assert page.locator("#project-balance").inner_text() == "26,000.00"
    # More than the balance: refused with a message, nothing booked.
    page.select_option("#money-kind", "spend")
    page.fill("#money-amount", "99999")
    page.fill('#money-form input[name="purpose"]', "超支")
    page.fill('#money-form input[name="receipt_no"]', "X")
    page.click("#money-submit")
    page.wait_for_selector("#project-balance")
    assert "项目资金不足" in page.content()
    assert page.locator("#project-balance").inner_text() == "26,000.00"
    open_one = page.locator("#milestones li:has(form)").first
    open_one.locator('input[name="evidence"]').fill("施工日志第 3 页")
    open_one.locator("button").click()
    page.wait_for_selector("#milestones")
    assert "施工日志第 3 页" in page.locator("#milestones").inner_text()
    page.screenshot(path=str(screenshots / "projects-page-secretary.png"), full_page=True)
    project_url = page.url

    resident = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
    rpage = resident.new_page()
    rpage.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(rpage, base, "resident")
    rpage.goto(project_url)
    assert rpage.locator("#project-balance").inner_text() == "26,000.00"
    assert rpage.locator("#project-ledger").count() == 0
    assert rpage.locator("#project-needs").count() == 0
    assert "存在火灾隐患" not in rpage.content()
    assert rpage.locator("#money-form").count() == 0
    rpage.screenshot(path=str(screenshots / "projects-page-resident.png"), full_page=True)
    assert errors == []
