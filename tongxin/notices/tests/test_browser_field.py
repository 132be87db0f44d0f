"""End to end in a real Chromium at phone size (375×812): grid1 records a daily-log entry on
the phone form, finds it in the list by a word, opens it; the secretary looks at a studio's
day list. Screenshots go to var/screenshots/log-*.png and booking-*.png."""

from __future__ import annotations

import pytest

from tongxin.notices.tests.test_browser import sign_in

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 375, "height": 812}


def test_grid_worker_records_and_finds_a_log_entry_on_a_phone(browser, e2e_server, screenshots):
    errors: list[str] = []
    base = e2e_server
    ctx = browser.new_context(viewport=SMALL_PHONE, locale="zh-CN", device_scale_factor=2)
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, base, "grid1")
    page.goto(f"{base}/log/")
    page.screenshot(path=str(screenshots / "log-list.png"), full_page=True)
    page.goto(f"{base}/log/new/?source=visit&met=王阿姨")
    assert page.input_value("#id_occurred_at")  # now, by the clock
    page.screenshot(path=str(screenshots / "log-form.png"), full_page=True)
    page.fill("#id_raised", "端到端：电梯停运三天，老人下不了楼")
    page.fill("#id_done", "已联系物业")
    page.fill("#id_tags", "电梯")
    page.click("#log-form button[type=submit]")
    page.wait_for_url(f"{base}/log/*/")
    assert "端到端：电梯停运三天" in page.content()
    page.screenshot(path=str(screenshots / "log-entry.png"), full_page=True)
    page.goto(f"{base}/log/?q=端到端")
    assert page.locator("#log-entries li").count() == 1
    page.screenshot(path=str(screenshots / "log-search.png"), full_page=True)
    page.goto(f"{base}/log/?q=不存在的词xyz")
    assert page.locator("#log-empty").count() == 1
    page.screenshot(path=str(screenshots / "log-empty.png"), full_page=True)

    sec = browser.new_context(viewport=SMALL_PHONE, locale="zh-CN", device_scale_factor=2)
    spage = sec.new_page()
    spage.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(spage, base, "secretary")
    spage.goto(f"{base}/studios/")
    spage.click('#studios li[data-kind="secretary"] a.vol-title')
    spage.wait_for_url(f"{base}/studios/*/")
    spage.click("text=当日预约名单 ›")
    spage.wait_for_url(f"{base}/studios/*/day/")
    assert spage.locator("#no-show-rate").count() == 1
    spage.screenshot(path=str(screenshots / "booking-day.png"), full_page=True)
    assert errors == []
