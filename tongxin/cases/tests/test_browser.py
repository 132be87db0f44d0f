"""End to end in a real Chromium on phone-sized screens: a resident reports a problem with a
photo on a map point; the grid worker of that grid accepts, goes on site and resolves it with a
photo; the resident answers 满意 and the case closes.

Screenshots go to var/screenshots/ for people to look at.
"""

from __future__ import annotations

import re

import pytest
from PIL import Image

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PASSWORD = "Tongxin-2026"  # the demo accounts' documented password

# The screen position of the middle of a named grid on the report map.
GRID_POINT_JS = """(name) => {
  const el = document.getElementById('case-map');
  const data = JSON.parse(document.getElementById('grids-data').textContent);
  const f = data.features.find(x => x.properties.name === name);
  const g = f.geometry;
  const ring = g.type === 'Polygon' ? g.coordinates[0] : g.coordinates[0][0];
  const lngs = ring.map(c => c[0]), lats = ring.map(c => c[1]);
  const lat = Math.min(...lats) + 0.3 * (Math.max(...lats) - Math.min(...lats));
  const lng = (Math.min(...lngs) + Math.max(...lngs)) / 2;
  const p = el._tongxinMap.latLngToContainerPoint([lat, lng]);
  return {x: p.x, y: p.y};
}"""


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def photo(path, colour):
    Image.new("RGB", (320, 240), colour).save(path, format="JPEG")
    return str(path)


def do_act(page, label: str, fill=None) -> None:
    """Open the act's fold on the case page, fill it, confirm, and wait for the new page."""
    act = page.locator(
        "details.act", has=page.locator("summary", has_text=re.compile(f"^{label}$"))
    )
    act.locator("summary").click()
    if fill:
        fill(act)
    with page.expect_navigation():
        act.locator("button[type=submit]").click()
    assert page.locator(".msg-success").count() == 1, page.inner_text("main")[:500]


def test_resident_reports_grid_worker_resolves_resident_is_satisfied(
    browser, e2e_server, screenshots, tmp_path
):
    errors: list[str] = []

    # The resident reports, on their phone.
    resident_ctx = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
    resident = resident_ctx.new_page()
    resident.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(resident, e2e_server, "resident")
    resident.goto(f"{e2e_server}/cases/new/")
    resident.select_option("#id_category", "env.garbage")
    resident.fill("#id_description", "3栋楼下的垃圾桶满了好几天，没人清运，气味很大")
    resident.wait_for_function("document.getElementById('case-map')._tongxinMap !== undefined")
    point = resident.evaluate(GRID_POINT_JS, "第1网格")
    resident.locator("#case-map").click(position=point)
    assert resident.input_value("#id_lat") and resident.input_value("#id_lng")
    assert resident.locator("#point-readout").is_visible()
    resident.set_input_files("#id_photos", photo(tmp_path / "garbage.jpg", "olive"))
    resident.locator("#photo-preview img").first.wait_for()
    resident.screenshot(path=str(screenshots / "case-report-phone.png"), full_page=True)
    with resident.expect_navigation():
        resident.click("button[type=submit]:has-text('提交')")
    assert re.search(r"/cases/\d+/$", resident.url)
    case_url = resident.url
    ref = resident.locator(".case-head .case-ref").inner_text().strip()
    assert "已提交" in resident.inner_text(".messages")
    assert resident.locator(".thumb img").count() == 1
    assert resident.locator(".state").first.inner_text() == "待受理"
    resident.screenshot(path=str(screenshots / "case-reported-phone.png"), full_page=True)

    # The grid worker finds it in their worklist and handles it, on their phone.
    worker_ctx = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
    worker = worker_ctx.new_page()
    worker.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(worker, e2e_server, "grid1")
    worker.goto(f"{e2e_server}/cases/?view=accept")
    row = worker.locator(".case-row", has_text=ref)
    assert row.count() == 1
    worker.screenshot(path=str(screenshots / "case-worklist-phone.png"), full_page=True)
    with worker.expect_navigation():
        row.locator("a").click()
    assert worker.url == case_url
    worker.screenshot(path=str(screenshots / "case-detail-worker-phone.png"), full_page=True)
    do_act(worker, "受理立案")
    do_act(worker, "到场处置", lambda f: f.locator("input[name=note]").fill("已到现场查看"))

    def resolve(form):
        form.locator("textarea[name=result]").fill("已联系环卫清运，垃圾桶已清空并消毒")
        form.locator("input[name=photos]").set_input_files(photo(tmp_path / "clean.jpg", "teal"))

    do_act(worker, "办结", resolve)
    assert worker.locator(".case-head .state").inner_text() == "已办结待回访"
    worker.screenshot(path=str(screenshots / "case-resolved-worker-phone.png"), full_page=True)

    # The resident gives 满意 and the case closes.
    resident.goto(case_url)
    assert "已联系环卫清运" in resident.inner_text("main")
    do_act(
        resident,
        "回访评价",
        lambda f: f.locator("label.rating", has_text=re.compile("^ *满意$")).click(),
    )
    assert resident.locator(".case-head .state").inner_text() == "已结案"
    timeline = resident.inner_text(".timeline")
    for step in ("上报", "受理立案", "到场处置", "办结", "回访评价"):
        assert step in timeline
    assert "分拨" not in timeline  # internal steps are not shown to the resident
    # Both photos (the report's and the resolution's) load for the resident.
    resident.wait_for_function(
        "[...document.querySelectorAll('.thumb img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert resident.locator(".thumb img").count() == 2
    resident.screenshot(path=str(screenshots / "case-closed-resident-phone.png"), full_page=True)

    worker_ctx.close()
    resident_ctx.close()
    assert errors == []
