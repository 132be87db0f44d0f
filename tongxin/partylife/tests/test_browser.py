"""End to end in a real Chromium, phone-sized: the first grid branch's secretary (``branch1``)
records a 主题党日 with its attendance on her phone — one member away with a reason — and
the member ``party1``'s scorecard changes, the new meeting linked as its evidence.

Screenshots go to var/screenshots/partylife-*.png.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tongxin.meetings.tests.test_browser import phone, sign_in

pytestmark = pytest.mark.browser


def my_card(page, base):
    page.goto(f"{base}/party/me/")
    total = page.locator("#my-card .score").inner_text().strip()
    attended = page.locator('#my-card li[data-rule="life_attended"] summary strong')
    return Decimal(total), Decimal(attended.inner_text().strip()) if attended.count() else None


def test_branch_secretary_records_a_theme_day_and_the_member_card_changes(
    browser, e2e_server, screenshots
):
    base = e2e_server
    errors: list[str] = []
    member = phone(browser, errors)
    sign_in(member, base, "party1")
    before_total, before_attended = my_card(member, base)
    member.screenshot(path=str(screenshots / "partylife-member-before.png"), full_page=True)

    sec = phone(browser, errors)
    sign_in(sec, base, "branch1")
    sec.goto(f"{base}/party/")
    sec.wait_for_url(re.compile(rf"{base}/party/organisations/\d+/$"))
    board = sec.url
    sec.screenshot(path=str(screenshots / "partylife-board.png"), full_page=True)
    sec.click("#record-link")
    sec.select_option("#kind", "theme_day")
    sec.fill("#topic", "浏览器测试主题党日：学习新党章")
    attendees = sec.locator("#attendance .attendee")
    assert attendees.count() > 2
    away = attendees.last
    away.locator('input[value="absent"]').check()
    away.locator('input[name^="r"]').fill("外出务工")
    sec.screenshot(path=str(screenshots / "partylife-record.png"), full_page=True)
    sec.click("#record-submit")
    sec.wait_for_url(board)
    row = sec.locator("#meetings li", has_text="浏览器测试主题党日").first
    assert "外出务工" in row.inner_text()
    sec.screenshot(path=str(screenshots / "partylife-board-after.png"), full_page=True)

    after_total, after_attended = my_card(member, base)
    assert after_attended is not None
    assert after_attended == (before_attended or Decimal(0)) + Decimal("0.70")
    assert after_total == before_total + Decimal("0.70")
    member.locator('#my-card li[data-rule="life_attended"] summary').click()
    link = member.locator('#my-card li[data-rule="life_attended"] a', has_text="浏览器测试主题党日")
    assert link.count() == 1
    member.screenshot(path=str(screenshots / "partylife-member-after.png"), full_page=True)
    link.click()
    member.wait_for_url(re.compile(rf"{base}/meetings/\d+/$"))
    assert "浏览器测试主题党日" in member.content()
    assert errors == []


def test_branch_secretary_fixes_the_theme_day_and_links_a_member_on_a_phone(
    browser, e2e_server, screenshots
):
    """The secretary moves her 主题党日 to the 18th from the board, then adds a member to a
    centre household's 1+10+N list; both show on the page that follows."""
    base = e2e_server
    errors: list[str] = []
    sec = phone(browser, errors)
    sign_in(sec, base, "branch1")
    sec.goto(f"{base}/party/")
    sec.wait_for_url(re.compile(rf"{base}/party/organisations/\d+/$"))
    board = sec.url
    sec.fill("#day-theme_day", "18")
    sec.click("#fixed-day-theme_day button")
    sec.wait_for_url(board)
    expect(sec.locator('#cadence tr[data-kind="theme_day"] .fixed-day')).to_contain_text("18")
    sec.click("#centres-link")
    sec.wait_for_url(re.compile(rf"{base}/party/organisations/\d+/centres/$"))
    centre = sec.locator("section.centre").first
    before = centre.locator(".links li").count()
    select = centre.locator('select[name="person"]')
    options = select.locator("option")
    linked = {t.strip() for t in centre.locator(".links li").all_inner_texts()}
    choice = next(
        (
            (options.nth(i).get_attribute("value"), options.nth(i).inner_text().strip())
            for i in range(1, options.count())
            if not any(options.nth(i).inner_text().strip() in t for t in linked)
        ),
        None,
    )
    assert choice is not None
    select.select_option(choice[0])
    centre.locator('button[type="submit"]', has_text="加入联系名单").click()
    sec.wait_for_url(re.compile(rf"{base}/party/organisations/\d+/centres/$"))
    centre = sec.locator("section.centre").first
    expect(centre.locator(".links li")).to_have_count(before + 1)
    expect(centre.locator(".links")).to_contain_text(choice[1])
    sec.screenshot(path=str(screenshots / "partylife-centres.png"), full_page=True)
    assert errors == []
