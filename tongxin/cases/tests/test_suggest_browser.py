"""End to end in Chromium on a phone: a hotline desk worker types the caller's words and the
category suggests itself (the confident first one preselected, the others a tap away)."""

from __future__ import annotations

import pytest

from tongxin.cases.tests.test_browser import PASSWORD, PHONE

pytestmark = pytest.mark.browser


def test_the_category_suggests_itself_as_the_text_is_typed(browser, e2e_server, screenshots):
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
    page = ctx.new_page()
    page.goto(f"{e2e_server}/login/")
    page.fill("#id_username", "grid1")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{e2e_server}/")
    page.goto(f"{e2e_server}/cases/new/")
    assert page.input_value("#id_category") == ""
    page.type("#id_description", "楼下垃圾桶满了，两天都没人来收", delay=20)
    page.wait_for_selector("#suggest .suggest-pick")
    assert page.locator("#suggest .suggest-pick").count() == 3
    page.wait_for_function("document.getElementById('id_category').value === 'env.garbage'")
    page.screenshot(path=str(screenshots / "case-suggest-phone.png"), full_page=True)
    # The worker chooses another one; new suggestions no longer overwrite the choice.
    second = page.locator("#suggest .suggest-pick").nth(1)
    code = second.get_attribute("data-code")
    second.click()
    assert page.input_value("#id_category") == code
    page.type("#id_description", "，味道很大", delay=20)
    page.wait_for_timeout(1200)
    assert page.input_value("#id_category") == code
    ctx.close()
