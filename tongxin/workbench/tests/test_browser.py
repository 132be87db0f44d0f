"""End to end in a real Chromium: a grid worker signs in, finds a resident by the pinyin
initials of their name, and opens the person and the household pages (phone-sized screen).

Screenshots go to var/screenshots/ for people to look at.
"""

from __future__ import annotations

import re

import pytest

from tongxin.people.pinyin import name_pinyin

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "Tongxin-2026"  # the demo accounts' documented password


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def test_grid_worker_finds_a_resident_by_initials_and_opens_the_household(
    browser, e2e_server, screenshots
):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{e2e_server}/login/")
    assert page.locator("h1").inner_text() == "同心"
    page.screenshot(path=str(screenshots / "login-phone.png"), full_page=True)
    sign_in(page, e2e_server, "grid1")
    assert "我的网格" in page.content()

    # Pick someone on the first page of the resident list who lives in a household.
    page.goto(f"{e2e_server}/people/")
    row = page.locator("tbody tr", has=page.locator("td[data-label='住址'] a")).first
    name = row.locator("td[data-label='姓名'] a").inner_text().strip()
    _full, initials = name_pinyin(name)

    # Search as a grid worker would: the initials in the search box.
    page.fill("#people-q", initials)
    page.press("#people-q", "Enter")
    page.wait_for_url(re.compile(rf"/people/\?q={initials}"))
    results = page.locator("tbody td[data-label='姓名'] a")
    assert name in results.all_inner_texts()
    page.screenshot(path=str(screenshots / "search-phone.png"))

    # Open the person, then their household.
    results.filter(has_text=re.compile(rf"^{re.escape(name)}$")).first.click()
    page.wait_for_url(re.compile(r"/people/\d+/$"))
    assert page.locator("h1").inner_text().strip() == name
    page.click("text=查看本户")
    page.wait_for_url(re.compile(r"/households/\d+/$"))

    members = page.locator("#members tbody tr")
    assert members.count() >= 1
    member_names = page.locator("#members td[data-label='姓名'] a").all_inner_texts()
    assert name in member_names
    relations = page.locator("#members td[data-label='关系']").all_inner_texts()
    assert "户主" in relations
    ids = page.locator("#members td[data-label='身份证号']").all_inner_texts()
    assert ids and all(re.fullmatch(r"\*{14}[\dX]{4}", i.strip()) for i in ids)
    phones = [p.strip() for p in page.locator("#members td[data-label='手机号']").all_inner_texts()]
    assert all(p == "—" or re.fullmatch(r"\d{3}\*{4}\d{4}", p) for p in phones)
    text = page.inner_text("body")
    assert not re.search(r"\d{17}[\dX]|\b1\d{10}\b", text), "a clear ID or phone number leaked"
    page.screenshot(path=str(screenshots / "household-phone.png"), full_page=True)

    # The same pages on a desktop screen.
    desk = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    desk_page = desk.new_page()
    sign_in(desk_page, e2e_server, "grid1")
    desk_page.goto(f"{e2e_server}/people/?q={initials}")
    desk_page.screenshot(path=str(screenshots / "search-desktop.png"), full_page=True)
    desk_page.goto(page.url)
    desk_page.screenshot(path=str(screenshots / "household-desktop.png"), full_page=True)
    desk.close()
    context.close()
    assert errors == []


def test_place_tree_expands_lazily_and_the_menu_folds_on_a_phone(browser, e2e_server, screenshots):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    sign_in(page, e2e_server, "grid1")

    nav = page.locator("#mainnav")
    assert not nav.is_visible()
    page.click(".nav-toggle")
    assert nav.is_visible()
    page.click("#mainnav >> text=地点")
    page.wait_for_url(f"{e2e_server}/places/")

    first = page.locator(".tree > li > details").first
    first.locator("summary").click(position={"x": 4, "y": 10})
    children = first.locator(":scope > ul > li > details, :scope > ul > li.leaf")
    children.first.wait_for()
    assert children.count() > 0
    assert "正在加载" not in first.inner_text()
    page.screenshot(path=str(screenshots / "places-tree-phone.png"))
    context.close()


def test_the_secretary_is_told_next_years_holidays_are_unconfirmed(
    browser, e2e_server, screenshots
):
    """From 1 November the workbench says when next year's holiday arrangement (调休) has not
    been confirmed; chinese-calendar knows no year after 2026, so on any date from now on the
    demo (where nobody confirmed anything) shows it."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
    page = context.new_page()
    sign_in(page, e2e_server, "secretary")
    warning = page.locator("#calendar-warning")
    assert warning.is_visible()
    assert "节假日和调休安排尚未在后台确认" in warning.inner_text()
    warning.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "workbench-calendar-warning-phone.png"))
    context.close()


def test_a_grid_worker_switches_to_english_in_the_account_menu(browser, e2e_server, screenshots):
    """The language switch on a phone: the pages and the scripts' catalogue turn English."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, e2e_server, "grid1")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("#lang-select + button").is_hidden()  # the select submits by itself
    page.click(".nav-toggle")
    page.select_option("#lang-select", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.url == f"{e2e_server}/"
    assert "Workbench" in page.locator("#mainnav").inner_text()
    page.screenshot(path=str(screenshots / "home-english-phone.png"), full_page=True)
    page.goto(f"{e2e_server}/map/")
    assert page.evaluate("gettext('户数')") == "Households"
    page.wait_for_timeout(500)
    page.screenshot(path=str(screenshots / "map-english-phone.png"))
    page.goto(f"{e2e_server}/cases/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert errors == []
    context.close()
