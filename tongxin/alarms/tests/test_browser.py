"""End to end in a real Chromium, phone-sized, against the real server (``manage.py serve``,
which runs the alarm listener) and the real Mosquitto: the simulator presses a demo button in
grid 1 (``manage.py alarm_device --press --demo-grid 1``); grid1's on-call desk shows the alarm
within a few seconds (htmx polling); grid1 acknowledges in one tap, sets off, arrives and
records the outcome.

Screenshots go to var/screenshots/alarms-*.png.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tongxin.meetings.tests.test_browser import phone, sign_in
from tongxin.workbench.tests.e2e import ROOT, SERVER

pytestmark = [
    pytest.mark.browser,
]


def test_a_press_reaches_the_desk_and_is_followed_to_the_end(browser, e2e_server, screenshots):
    base = e2e_server
    errors: list[str] = []
    page = phone(browser, errors)
    sign_in(page, base, "grid1")
    page.goto(f"{base}/alarms/")
    expect(page.locator("h1")).to_have_text("报警值守")

    pressed = subprocess.run(  # noqa: S603 — our own manage.py with fixed arguments
        [sys.executable, str(ROOT / "manage.py"), "alarm_device", "--press", "--demo-grid", "1"],
        env=SERVER["env"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert pressed.returncode == 0, pressed.stderr[-2000:]

    card = page.locator("li.alm-open[data-alarm]").first
    expect(card).to_be_visible(timeout=20_000)  # the listener, then the desk's next poll
    page.screenshot(path=str(screenshots / "alarms-desk.png"), full_page=True)
    card.locator("button", has_text="我来响应").click()
    page.wait_for_url(re.compile(rf"{base}/alarms/\d+/$"))
    expect(page.locator("#alarm-state")).to_have_text("已响应")
    expect(page.locator("#card")).to_contain_text("紧急联系卡")
    page.screenshot(path=str(screenshots / "alarms-card.png"), full_page=True)

    page.click("#btn-depart")
    expect(page.locator("#alarm-state")).to_have_text("正在赶往")
    page.click("#btn-arrive")
    expect(page.locator("#alarm-state")).to_have_text("已到场")
    page.select_option("#outcome", "handled")
    page.click("#btn-resolve")
    expect(page.locator("#alarm-state")).to_have_text("已处置")
    expect(page.locator("#timeline")).to_contain_text("现场处置")
    page.screenshot(path=str(screenshots / "alarms-resolved.png"), full_page=True)
    assert errors == []
