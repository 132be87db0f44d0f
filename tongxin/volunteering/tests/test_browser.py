"""End to end in a real Chromium (phone-sized): the resident, a volunteer, signs up to an
activity; the secretary checks her in and out on the roster and confirms the time; she sees
the points on her volunteer home and redeems a lunch voucher for them.

Screenshots go to var/screenshots/volunteer-*.png.
"""

from __future__ import annotations

import re

import pytest

from tongxin.workbench.tests.test_browser import PASSWORD, PHONE

pytestmark = pytest.mark.browser


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def balance(page) -> int:
    return int(page.locator("#my-balance").inner_text().strip())


def test_volunteer_signs_up_is_checked_in_and_out_sees_points_and_redeems(
    browser, e2e_server, screenshots
):
    errors: list[str] = []
    vol_ctx = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
    vol = vol_ctx.new_page()
    vol.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(vol, e2e_server, "resident")
    name = vol.locator(".who-name").inner_text().strip()

    vol.goto(f"{e2e_server}/volunteer/")
    start_balance = balance(vol)
    vol.screenshot(path=str(screenshots / "volunteer-home-before.png"), full_page=True)

    vol.goto(f"{e2e_server}/volunteer/activities/")
    vol.click("#activities >> text=家电义务维修")
    vol.wait_for_url(re.compile(r"/volunteer/activities/\d+/$"))
    activity_url = vol.url
    vol.click("#signup-btn")
    vol.wait_for_url(activity_url)
    assert "已报名" in vol.locator("#my-signup").inner_text()
    vol.screenshot(path=str(screenshots / "volunteer-activity-signed-up.png"), full_page=True)

    # The organiser (the community secretary) keeps the roster.
    org_ctx = browser.new_context(viewport=PHONE, locale="zh-CN")
    org = org_ctx.new_page()
    org.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(org, e2e_server, "secretary")
    org.goto(activity_url + "roster/")
    assert org.locator(".vol-qr img").evaluate("img => img.naturalWidth") > 0
    row = org.locator("#roster tbody tr", has_text=name)
    row.locator("button", has_text="签到").click()
    org.wait_for_load_state()
    row = org.locator("#roster tbody tr", has_text=name)
    assert "已签到" in row.inner_text()
    row.locator("button", has_text="签退").click()
    org.wait_for_load_state()
    row = org.locator("#roster tbody tr", has_text=name)
    row.locator("input[name=minutes]").fill("120")
    row.locator("button", has_text="确认并记分").click()
    org.wait_for_load_state()
    row = org.locator("#roster tbody tr", has_text=name)
    assert "时长已确认" in row.inner_text() and "120 分钟" in row.inner_text()
    org.screenshot(path=str(screenshots / "volunteer-roster.png"), full_page=True)

    # The volunteer sees the points: 120 minutes × 10 per hour × 200 % (困难) = 40.
    vol.goto(f"{e2e_server}/volunteer/")
    earned = balance(vol) - start_balance
    assert earned == 40
    assert "家电义务维修" in vol.locator("#my-entries").inner_text()
    vol.screenshot(path=str(screenshots / "volunteer-home-after.png"), full_page=True)

    # …and redeems a lunch voucher (20 points).
    vol.goto(f"{e2e_server}/volunteer/rewards/")
    vol.screenshot(path=str(screenshots / "volunteer-rewards.png"), full_page=True)
    card = vol.locator("#rewards li", has_text="爱心食堂午餐券")
    card.locator("button", has_text="兑换").click()
    vol.wait_for_url(f"{e2e_server}/volunteer/")
    assert "兑换成功" in vol.locator(".messages").inner_text()
    assert balance(vol) == start_balance + earned - 20
    assert "爱心食堂午餐券" in vol.locator("#my-orders").inner_text()
    vol.screenshot(path=str(screenshots / "volunteer-home-redeemed.png"), full_page=True)

    org_ctx.close()
    vol_ctx.close()
    assert errors == []
