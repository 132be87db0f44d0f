"""End to end in a real Chromium (phone-sized): the secretary publishes a notice to grid A
on her phone, through the publishing page (with an attachment), the resident reads it on her
phone, grid1 sees who has not read it yet; the resident opens her contact card and books a
slot of the secretary's studio on the booking page (/studios/).

Screenshots go to var/screenshots/notices-*.png.
"""

from __future__ import annotations

import re

import pytest
import requests

from tongxin.core.testing import png_upload
from tongxin.workbench.tests.e2e import api_token
from tongxin.workbench.tests.test_browser import PASSWORD, PHONE

pytestmark = pytest.mark.browser


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def api(base: str, username: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {api_token(base, username)}"
    return session


def test_notice_read_on_a_phone_followed_up_then_card_and_booking(browser, e2e_server, screenshots):
    errors: list[str] = []
    base = e2e_server
    secretary = api(base, "secretary")
    grids = secretary.get(f"{base}/api/v1/places", params={"kind": "grid"}, timeout=30).json()
    grid_a = sorted(grids["items"], key=lambda g: g["id"])[0]["id"]
    pub = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2).new_page()
    pub.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(pub, base, "secretary")
    pub.goto(f"{base}/notices/")
    pub.click("#publish-notice")
    pub.wait_for_url(f"{base}/notices/new/")
    pub.select_option("#id_audience_place", str(grid_a))
    pub.fill("#id_title", "端到端测试：周六停水")
    pub.fill("#id_body", "9 点至 12 点停水")
    photo = png_upload("停水范围.png", size=(40, 30))
    pub.set_input_files(
        "#id_attachments",
        files=[{"name": "停水范围.png", "mimeType": "image/png", "buffer": photo.read()}],
    )
    pub.screenshot(path=str(screenshots / "notices-secretary-publishes.png"), full_page=True)
    pub.click("#notice-form button[type=submit]")
    pub.wait_for_url(re.compile(rf"{re.escape(base)}/notices/\d+/$"))
    notice_id = int(pub.url.rstrip("/").rsplit("/", 1)[1])
    assert "停水范围.png" in pub.locator("#attachments").inner_text()
    listed = secretary.get(f"{base}/api/v1/notices", timeout=30).json()["items"]
    notice = next(n for n in listed if n["id"] == notice_id)
    assert notice["audience_place"] == grid_a and notice["recipient_count"] > 1

    ctx = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, base, "resident")
    page.goto(f"{base}/notices/")
    page.click(f'#my-notices [data-notice="{notice["id"]}"] a')
    page.wait_for_url(f"{base}/notices/{notice['id']}/")
    assert "9 点至 12 点停水" in page.content()
    page.screenshot(path=str(screenshots / "notices-resident-reads.png"), full_page=True)
    resident_person = api(base, "resident").get(f"{base}/api/v1/contact-card", timeout=30)
    assert resident_person.status_code == 200

    grid = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    grid.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(grid, base, "grid1")
    grid.goto(f"{base}/notices/{notice['id']}/receipts/")
    counts = grid.locator("#receipt-counts").inner_text()
    assert "已读 1 人" in counts
    # A whole grid: its stairwells with their counts first, then every name on demand.
    assert grid.locator("#unread-groups li").count() > 1
    grid.screenshot(path=str(screenshots / "notices-grid-unread-groups.png"), full_page=True)
    grid.click("text=显示全部名单")
    grid.wait_for_url("**all=1*")
    grid.wait_for_selector("#unread-people li")
    assert grid.locator("#unread-people li").count() == notice["recipient_count"] - 1

    page.goto(f"{base}/contact-card/")
    assert page.locator('#contact-card [data-role="grid_worker"]').count() >= 1
    page.screenshot(path=str(screenshots / "notices-contact-card.png"), full_page=True)

    # The resident books a slot of the secretary's studio through the booking page.
    page.goto(f"{base}/studios/")
    page.screenshot(path=str(screenshots / "notices-studios.png"), full_page=True)
    page.click('#studios li[data-kind="secretary"] a.vol-title')
    page.wait_for_url(f"{base}/studios/*/")
    page.fill("#booking-topic", "咨询居住证明")
    slot = page.locator("#slots button.slot:not([disabled])").first
    starts_at = slot.get_attribute("data-slot")
    page.screenshot(path=str(screenshots / "notices-studio-slots.png"), full_page=True)
    slot.click()
    page.wait_for_url(f"{base}/bookings/")
    assert page.locator("#coming-bookings li[data-booking]").count() >= 1
    assert "预约成功" in page.content()
    page.screenshot(path=str(screenshots / "notices-my-bookings.png"), full_page=True)
    assert starts_at
    assert errors == []
