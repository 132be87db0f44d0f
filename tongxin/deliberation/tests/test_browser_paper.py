"""End to end in a real Chromium, phone-sized: on the demo's owners' vote (half its heads have
voted on paper) the secretary opens the printable ballot sheets, finds a unit that has not voted
on the paper-entry page, enters its returned ballot, gets the receipt code for the stub, and the
unit is no longer waiting; the result downloads as CSV without a name.

Screenshots go to var/screenshots/deliberation-paper-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .test_browser import signed_in

pytestmark = pytest.mark.browser


def test_the_council_prints_sheets_and_enters_a_paper_ballot_on_a_phone(
    browser, e2e_server, screenshots
):
    base = e2e_server
    errors: list[str] = []
    sec = signed_in(browser, base, "secretary", errors)
    sec.goto(f"{base}/deliberation/votes/")
    # The demo's open owners' vote: other browser tests share this server and may have added
    # (and closed) votes of their own above it.
    sec.locator("li[data-vote]").filter(has=sec.locator(".dlb-state-open")).filter(
        has_not_text="小区增设电动车充电棚"
    ).locator("a").first.click()
    sec.wait_for_url(re.compile(rf"{base}/deliberation/votes/\d+/$"))
    vote_url = sec.url
    before = int(sec.locator('#meter [data-k="participating_heads"]').inner_text())

    sec.locator("#paper-links a", has_text="打印纸质表决票").click()
    sec.wait_for_url(re.compile(r".*/sheets/$"))
    expect(sec.locator("section[data-sheet]").first).to_be_visible()
    assert re.search(r"\d+栋\d+单元\d+室", sec.locator("section[data-sheet]").first.inner_text())
    sec.screenshot(path=str(screenshots / "deliberation-paper-sheets.png"), full_page=True)

    sec.goto(vote_url + "paper/")
    first = sec.locator("#paper-list li[data-elector]").first
    expect(first).to_be_visible()
    elector = first.get_attribute("data-elector")
    unit = first.locator("strong").inner_text().strip()
    first.locator("button", has_text="同意").click()
    expect(sec.locator("#paper-code")).to_have_text(re.compile(r"^\S{16}$"))
    expect(sec.locator("#paper-receipt")).to_contain_text(unit)
    expect(sec.locator(f'#paper-list li[data-elector="{elector}"]')).to_have_count(0)
    sec.screenshot(path=str(screenshots / "deliberation-paper-entered.png"), full_page=True)

    sec.goto(vote_url)
    expect(sec.locator('#meter [data-k="participating_heads"]')).to_have_text(str(before + 1))
    csv = sec.request.get(vote_url + "result.csv")
    assert csv.status == 200 and unit.split("、")[0] in csv.text()
    assert errors == []
