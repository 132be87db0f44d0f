"""End to end in a real Chromium, phone-sized: the secretary convenes a quarterly 联席会 with
two co-building units on her phone, the units' liaisons (``liaison1``, ``liaison2``: persons
holding posts in two co-building unit organisations, made by the demo loader) sign in on
their phones through the QR code's link, the secretary holds the meeting and records a
resolution owned by liaison1, which appears on liaison1's workbench; liaison1 closes it.

Screenshots go to var/screenshots/meetings-*.png.
"""

from __future__ import annotations

import re

import pytest

from tongxin.workbench.tests.test_browser import PASSWORD

pytestmark = pytest.mark.browser

PHONE_375 = {"width": 375, "height": 812}


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def phone(browser, errors):
    ctx = browser.new_context(viewport=PHONE_375, locale="zh-CN", device_scale_factor=2)
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page


def test_joint_meeting_sign_in_on_phones_and_a_resolution_closed_by_a_liaison(
    browser, e2e_server, screenshots
):
    base = e2e_server
    errors: list[str] = []
    sec = phone(browser, errors)
    sign_in(sec, base, "secretary")

    # The secretary convenes the quarterly 联席会, inviting the two units with liaisons.
    sec.goto(f"{base}/meetings/new/")
    sec.select_option("#f-kind", "joint")
    sec.fill("#f-agenda", "通报本季度共建项目\n研究停车难问题")
    # The liaisons' units (the demo gives two co-building units a liaison with an account).
    l1 = sign_in_context(browser, base, "liaison1", errors)
    l2 = sign_in_context(browser, base, "liaison2", errors)
    for page in (l1, l2):
        unit_name = own_unit(page, base)
        sec.locator("label", has_text=unit_name).locator('input[name="units"]').check()
    sec.screenshot(path=str(screenshots / "meetings-convene.png"), full_page=True)
    sec.click("#btn-convene")
    sec.wait_for_url(re.compile(rf"{base}/meetings/\d+/$"))
    meeting_url = sec.url
    assert sec.locator("#signin-qr img").count() == 1
    link = sec.locator("#signin-link").get_attribute("href")
    assert "/sign-in/?t=" in link
    sec.screenshot(path=str(screenshots / "meetings-secretary-qr.png"), full_page=True)
    sec.goto(f"{meeting_url}qr/")
    assert sec.locator(".mtg-qr-screen img").count() == 1
    sec.screenshot(path=str(screenshots / "meetings-qr-screen.png"), full_page=True)
    sec.goto(f"{base}/meetings/")
    assert sec.locator(f'#meetings a[href="{meeting_url.removeprefix(base)}"]').count() == 1
    sec.screenshot(path=str(screenshots / "meetings-list.png"), full_page=True)

    # Both liaisons sign in on their phones through the QR code's link.
    for page, name in ((l1, "liaison1"), (l2, "liaison2")):
        page.goto(link)
        page.screenshot(path=str(screenshots / f"meetings-{name}-signin.png"), full_page=True)
        page.click("#btn-signin")
        page.wait_for_selector("#signin-done")
    l1.screenshot(path=str(screenshots / "meetings-signed-in.png"), full_page=True)

    # The secretary sees both seats present and the quorum met, holds it, records a resolution.
    sec.goto(meeting_url)
    assert sec.locator('.mtg-seats li[data-status="present"]').count() == 2
    assert sec.locator(".mtg-quorum-met").count() == 1
    sec.click("#btn-hold")
    sec.wait_for_selector('#meeting-state[data-state="held"]')
    sec.fill('#resolution-form input[name="text"]', "协调单位停车场夜间向居民开放")
    liaison1_option = sec.locator("#resolution-owner option", has_text=person_name(l1))
    sec.select_option("#resolution-owner", liaison1_option.first.get_attribute("value"))
    sec.click("#btn-resolution")
    sec.wait_for_selector("#resolutions li[data-item]")
    sec.screenshot(path=str(screenshots / "meetings-secretary-meeting.png"), full_page=True)

    # It is on liaison1's workbench; liaison1 closes it from their action items.
    l1.goto(f"{base}/")
    desk = l1.locator("#meeting-desk")
    assert "协调单位停车场夜间向居民开放" in desk.inner_text()
    l1.screenshot(path=str(screenshots / "meetings-liaison-workbench.png"), full_page=True)
    l1.goto(f"{base}/meetings/actions/")
    item = l1.locator("#my-items li", has_text="协调单位停车场夜间向居民开放")
    item.locator('input[name="note"]').fill("已与物业签订错峰停车协议")
    l1.screenshot(path=str(screenshots / "meetings-liaison-actions.png"), full_page=True)
    item.locator("button").click()
    l1.wait_for_load_state()
    l1.goto(f"{base}/meetings/actions/?state=done")
    assert l1.locator("#my-items li", has_text="协调单位停车场夜间向居民开放").count() == 1
    sec.goto(meeting_url)
    assert sec.locator('#resolutions li[data-state="done"]').count() == 1
    sec.screenshot(path=str(screenshots / "meetings-secretary-done.png"), full_page=True)
    assert errors == []


def sign_in_context(browser, base, username, errors):
    page = phone(browser, errors)
    sign_in(page, base, username)
    return page


def own_unit(page, base) -> str:
    """The unit organisation the liaison holds a post in: "我的职务" on their workbench."""
    page.goto(f"{base}/")
    section = page.locator("section.card", has_text="我的职务")
    return section.locator('a[href^="/orgs/"]').first.inner_text().strip()


def person_name(page) -> str:
    return page.locator(".who-name").first.inner_text().strip()
