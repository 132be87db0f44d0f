"""End to end in a real Chromium (phone-sized): the resident posts a need on her phone, the
grid worker verifies it, the secretary dispatches it to ``member``'s offer (the suggestion
shows why), ``member`` starts and completes it, the resident rates it, and ``member``'s points
rise on his volunteer home.

Screenshots go to var/screenshots/matching-*.png.
"""

from __future__ import annotations

import re

import pytest

from tongxin.volunteering.tests.test_browser import balance, sign_in
from tongxin.workbench.tests.test_browser import PHONE

pytestmark = pytest.mark.browser


def _phone(browser, base: str, username: str, errors: list[str]):
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, base, username)
    return page


def test_a_need_from_posting_to_rating_pays_the_member(browser, e2e_server, screenshots):
    errors: list[str] = []
    member = _phone(browser, e2e_server, "member", errors)
    name = member.locator(".who-name").inner_text().strip()
    member.goto(f"{e2e_server}/volunteer/")
    before = balance(member)

    resident = _phone(browser, e2e_server, "resident", errors)
    resident.goto(f"{e2e_server}/matching/new/")
    resident.select_option("#need-kind", "repair")
    resident.fill("#need-description", "卫生间灯不亮，家里老人夜里起身不方便")
    resident.select_option("#need-urgency", "urgent")
    resident.screenshot(path=str(screenshots / "matching-post.png"), full_page=True)
    resident.click("#need-submit")
    resident.wait_for_url(re.compile(r"/matching/needs/\d+/$"))
    need_url = resident.url
    assert resident.locator("#need-state").get_attribute("data-state") == "posted"

    grid = _phone(browser, e2e_server, "grid1", errors)
    grid.goto(need_url)
    grid.click("#btn-verify")
    grid.wait_for_url(need_url)
    assert grid.locator("#need-state").get_attribute("data-state") == "verified"

    secretary = _phone(browser, e2e_server, "secretary", errors)
    secretary.goto(need_url)
    option = secretary.locator("#dispatch-resource option", has_text=name).first
    assert "服务类别相符" in option.inner_text()
    secretary.select_option("#dispatch-resource", option.get_attribute("value"))
    secretary.screenshot(path=str(screenshots / "matching-dispatch.png"), full_page=True)
    secretary.click("#btn-dispatch")
    secretary.wait_for_url(need_url)
    assert secretary.locator("#need-state").get_attribute("data-state") == "claimed"

    member.goto(need_url)
    member.click("#btn-start")
    member.wait_for_url(need_url)
    member.fill("#complete-minutes", "90")
    member.click("#btn-complete")
    member.wait_for_url(need_url)
    assert member.locator("#need-state").get_attribute("data-state") == "done"
    earned = int(member.locator("#need-points").inner_text())
    assert earned > 0

    resident.goto(need_url)
    resident.select_option("#rate-rating", "5")
    resident.click("#btn-rate")
    resident.wait_for_url(need_url)
    assert resident.locator("#need-state").get_attribute("data-state") == "rated"
    resident.screenshot(path=str(screenshots / "matching-rated.png"), full_page=True)

    member.goto(f"{e2e_server}/volunteer/")
    assert balance(member) == before + earned
    assert errors == []
