"""End to end in a real Chromium against the real server: the secretary's dashboard on a
phone (a number followed to its records) and the big screen at 1920×1080, filled by the
demo's rollups, fitting the screen without scrolling.

Screenshots go to var/screenshots/datacentre-*.png.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tongxin.meetings.tests.test_browser import phone, sign_in
from tongxin.workbench.tests.e2e import ROOT, SERVER

pytestmark = [pytest.mark.browser]


def test_the_dashboard_on_a_phone_and_the_big_screen(browser, e2e_server, screenshots):
    base = e2e_server
    # The rollups follow the records every 15 minutes (the job `rollup_cases`); the browser
    # tests before this one filed cases on the same server since the demo built them, so they
    # are brought up to date first, as the job would, for a figure to equal its records.
    rebuilt = subprocess.run(  # noqa: S603 — our own manage.py with fixed arguments
        [sys.executable, str(ROOT / "manage.py"), "rollup_rebuild"],
        env=SERVER["env"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rebuilt.returncode == 0, rebuilt.stderr[-2000:]
    errors: list[str] = []
    page = phone(browser, errors)
    sign_in(page, base, "secretary")
    page.click(".nav-toggle")  # the menu is folded on a phone
    page.click("#mainnav a:has-text('数据中心')")
    page.wait_for_url(f"{base}/datacentre/")
    expect(page.locator("h1")).to_have_text("数据中心")
    received = page.locator("#dc-funnel a.stat").first
    shown = received.locator(".stat-num").inner_text().strip()
    assert int(shown) > 0
    page.screenshot(path=str(screenshots / "datacentre-dashboard-phone.png"), full_page=True)
    received.click()
    page.wait_for_url(re.compile(rf"{base}/datacentre/records/\?.*"))
    expect(page.locator(".dc-count")).to_have_text(f"共 {shown} 件")

    ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    wall = ctx.new_page()
    wall.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(wall, base, "secretary")
    wall.goto(f"{base}/datacentre/screen/")
    expect(wall.locator(".dc-big-num").first).to_be_visible()
    height = wall.evaluate("document.documentElement.scrollHeight")
    width = wall.evaluate("document.documentElement.scrollWidth")
    wall.screenshot(path=str(screenshots / "datacentre-screen.png"))
    assert width <= 1920 and height <= 1080, (width, height)
    # Every figure is readable from across the room: at least 60 px high.
    size = wall.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.dc-big-num')).fontSize)"
    )
    assert size >= 60
    assert errors == []
