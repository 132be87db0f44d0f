"""End to end in a real Chromium, phone-sized: the demo resident, on their estate's panel,
inspects the estate on a phone and scores fire safety low; the order it raises reaches the
company (``property1``), who reports the rectification; the secretary re-inspects and closes
it; the company's credit page shows its records with their evidence.

Screenshots go to var/screenshots/property-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tongxin.meetings.tests.test_browser import phone, sign_in

pytestmark = pytest.mark.browser


def test_panelist_inspects_on_a_phone_and_the_order_is_rectified(browser, e2e_server, screenshots):
    base = e2e_server
    errors: list[str] = []
    page = phone(browser, errors)
    sign_in(page, base, "resident")

    page.goto(f"{base}/property/")
    page.locator('#my-panels a[href$="/inspect/"]').first.click()
    page.wait_for_url(re.compile(rf"{base}/property/estates/\d+/inspect/$"))
    inspect_url = page.url
    items = page.locator("#inspect-form [data-item]")
    assert items.count() >= 8
    for i in range(items.count()):
        box = items.nth(i).locator("input[type=number]")
        code = items.nth(i).get_attribute("data-item")
        top = box.get_attribute("max")
        box.fill("3" if code == "fire" else str(top))
    page.screenshot(path=str(screenshots / "property-inspect.png"), full_page=True)
    page.click('#inspect-form button[type="submit"]')
    page.wait_for_url(inspect_url)
    expect(page.locator(".messages")).to_contain_text("整改通知")
    expect(page.locator("#done")).to_be_visible()
    page.screenshot(path=str(screenshots / "property-inspected.png"), full_page=True)

    company = phone(browser, errors)
    sign_in(company, base, "property1")
    company.goto(f"{base}/property/")
    company.locator('#contracts a[href^="/property/companies/"]').first.click()
    company.wait_for_url(re.compile(rf"{base}/property/companies/\d+/$"))
    company_url = company.url
    order = company.locator("#company-rects li", has_text="消防安全").first
    expect(order).to_be_visible()
    order.locator("a").click()
    company.wait_for_url(re.compile(rf"{base}/property/rectifications/\d+/$"))
    order_url = company.url
    company.fill('#rect-respond textarea[name="text"]', "已清理消防通道，补充灭火器 6 具")
    company.click('#rect-respond button[type="submit"]')
    company.wait_for_url(order_url)
    expect(company.locator("#rect")).to_have_attribute("data-state", "responded")

    sec = phone(browser, errors)
    sign_in(sec, base, "secretary")
    sec.goto(order_url)
    sec.fill('#rect-reinspect textarea[name="text"]', "复查：通道畅通，器材齐全")
    sec.click('#rect-reinspect button[value="pass"]')
    sec.wait_for_url(order_url)
    expect(sec.locator("#rect")).to_have_attribute("data-state", "closed")
    sec.screenshot(path=str(screenshots / "property-closed.png"), full_page=True)

    sec.goto(company_url)
    expect(sec.locator("#credit-grade")).not_to_be_empty()
    event = sec.locator("#events [data-event]", has_text="公共收益").first
    expect(event.locator(".evidence")).to_contain_text("检查记录")
    sec.screenshot(path=str(screenshots / "property-credit.png"), full_page=True)
    assert errors == []
