"""End to end in a real Chromium, phone-sized: grid1 opens today's visits on the phone, records
a home visit whose finding raises a case (a 家庭纠纷, a grid-level category), and the case
appears routed in grid1's worklist.

Screenshots go to var/screenshots/visits-*.png.
"""

from __future__ import annotations

import re

import pytest

from tongxin.meetings.tests.test_browser import phone, sign_in

pytestmark = pytest.mark.browser


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (640, 480), "teal").save(buf, format="PNG")
    return buf.getvalue()


def test_grid_worker_records_a_visit_that_raises_a_routed_case(browser, e2e_server, screenshots):
    base = e2e_server
    errors: list[str] = []
    page = phone(browser, errors)
    sign_in(page, base, "grid1")

    page.goto(f"{base}/visits/")
    today = page.locator("#group-today li[data-task]")
    assert today.count() >= 1  # the demo gives grid1 visits due today
    assert page.locator("#group-overdue li.vis-overdue").count() >= 1  # and some overdue
    page.screenshot(path=str(screenshots / "visits-due.png"), full_page=True)
    name = today.first.locator(".vis-name").inner_text().strip()
    today.first.locator("a").click()
    page.wait_for_url(re.compile(rf"{base}/visits/\d+/$"))
    task_url = page.url

    page.check('input[name="method"][value="home"]')
    page.fill('input[name="met"]', "本人及儿子")
    page.select_option('select[name="check_mood"]', "concern")
    page.select_option('select[name="check_living"]', "urgent")
    page.fill('textarea[name="notes"]', "母子因赡养问题争吵，老人情绪低落，需要调解")
    page.select_option("#raise-case", "family")
    page.set_input_files(
        'input[name="photo"]',
        files=[{"name": "现场.png", "mimeType": "image/png", "buffer": _png()}],
    )
    page.screenshot(path=str(screenshots / "visits-record.png"), full_page=True)
    page.click("#btn-record")
    page.wait_for_url(f"{base}/visits/")
    assert page.locator(f'li[data-task="{task_url.rstrip("/").rsplit("/", 1)[1]}"]').count() == 0

    page.goto(task_url)
    link = page.locator('#record a[href^="/cases/"]')
    ref = link.inner_text().strip()
    assert ref
    assert page.locator("#record-photo").is_visible()  # the photo went with the record
    page.screenshot(path=str(screenshots / "visits-recorded.png"), full_page=True)

    # The case is routed to grid1 (a grid-level category in grid 1): it is on the worklist
    # (found by its reference: the shared server holds the other browser tests' cases too).
    page.goto(f"{base}/cases/?q={ref}")
    assert ref in page.locator("main").inner_text()
    page.screenshot(path=str(screenshots / "visits-case-worklist.png"), full_page=True)
    page.locator("main a", has_text=ref).first.click()
    page.wait_for_url(re.compile(rf"{base}/cases/\d+/$"))
    assert "赡养" in page.locator("main").inner_text()
    assert name
    assert errors == []
