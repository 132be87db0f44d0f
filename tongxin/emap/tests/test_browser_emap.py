"""The e-map in a real Chromium against a server holding the demo community (seed 7).

Leaflet draws on a canvas, so the page reports what it drew in ``data-drawn-<layer>``
attributes; the GeoJSON answers are read from the network as the page receives them.
Screenshots go to var/screenshots/emap-*.png.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1360, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "Tongxin-2026"


def open_map(browser, base_url: str, username: str, viewport=DESKTOP):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    with page.expect_response(lambda r: "/api/v1/geo/grids" in r.url) as grids:
        if viewport is PHONE:  # the menu is folded away on a phone
            page.goto(f"{base_url}/map/")
        else:
            page.click("nav#mainnav >> text=一张图")
    page.wait_for_selector("#emap[data-drawn-grids]")
    return context, page, errors, json.loads(grids.value.body())


def test_secretary_sees_all_grids_and_toggles_the_cases(browser, e2e_server, screenshots):
    context, page, errors, grids = open_map(browser, e2e_server, "secretary")
    assert page.get_attribute("#emap", "data-drawn-grids") == "6"
    names = sorted(f["properties"]["name"] for f in grids["features"])
    assert names == [f"第{n}网格" for n in range(1, 7)]
    assert all(f["properties"]["workers"] for f in grids["features"])
    # The grids are labelled on the map with their name and grid workers (A/B).
    labels = page.locator(".emap-label").all_inner_texts()
    assert any("第1网格" in t and "A角" in t for t in labels), labels
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshots / "emap-secretary-grids.png"))

    with page.expect_response(lambda r: "/api/v1/geo/cases" in r.url) as answer:
        page.check("input[data-layer=cases]")
    cases = json.loads(answer.value.body())
    page.wait_for_selector("#emap[data-drawn-cases]")
    drawn = int(page.get_attribute("#emap", "data-drawn-cases") or 0)
    assert drawn == len(cases["features"]) > 0
    total = sum(f["properties"].get("count", 1) for f in cases["features"])
    assert total >= 5, "the demo community has open cases"
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshots / "emap-secretary-cases.png"))

    # Click a grid (its label point): the panel shows the grid's figures.
    page.uncheck("input[data-layer=cases]")
    g1 = next(f for f in grids["features"] if f["properties"]["name"] == "第1网格")
    with page.expect_response(lambda r: "/panel" in r.url):
        page.fill("#emap-q", "第1网格")
        page.press("#emap-q", "Enter")
        page.click(".emap-hit[data-kind=place] >> nth=0")
    page.wait_for_selector("[data-panel=numbers]")
    panel = page.inner_text("#emap-panel")
    assert "第1网格" in panel and "户数" in panel and "在办诉求" in panel and "超时" in panel
    assert g1["id"]
    page.screenshot(path=str(screenshots / "emap-secretary-grid-panel.png"))
    assert errors == [], errors
    context.close()


def test_grid_worker_sees_no_care_households_outside_their_grids(browser, e2e_server, screenshots):
    context, page, errors, grids = open_map(browser, e2e_server, "grid1")
    mine = {f["properties"]["name"] for f in grids["features"]}
    assert mine == {"第1网格", "第4网格"}  # A of grid 1, B of grid 4
    boxes = []
    for f in grids["features"]:
        ring = f["geometry"]["coordinates"][0]
        xs, ys = [c[0] for c in ring], [c[1] for c in ring]
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
    with page.expect_response(lambda r: "/api/v1/geo/care" in r.url) as answer:
        page.check("input[data-layer=care]")
    care = json.loads(answer.value.body())
    page.wait_for_selector("#emap[data-drawn-care]")
    assert care["features"], "grid1's grids have care households"
    for f in care["features"]:
        x, y = f["geometry"]["coordinates"]
        assert any(
            b[0] - 1e-5 <= x <= b[2] + 1e-5 and b[1] - 1e-5 <= y <= b[3] + 1e-5 for b in boxes
        ), f
    assert int(page.get_attribute("#emap", "data-drawn-care") or 0) == len(care["features"])
    assert page.locator(".emap-care").count() >= 1
    page.locator(".emap-care").first.click()
    assert "关爱对象" in page.inner_text("#emap-panel")
    page.screenshot(path=str(screenshots / "emap-grid1-care.png"))
    # The building head has no care layer at all.
    other, page2, errors2, _ = open_map(browser, e2e_server, "building")
    assert page2.locator("input[data-layer=care]").count() == 0
    assert page2.evaluate("fetch('/api/v1/geo/care').then(r => r.status)") == 403
    assert errors == [] and [e for e in errors2 if "403" not in e] == []
    other.close()
    context.close()


def test_life_circle_lists_the_pois_near_a_dwelling(browser, e2e_server, screenshots):
    context, page, errors, _ = open_map(browser, e2e_server, "grid1", viewport=PHONE)
    # Find a resident (residents are shown at their building), then their home's life circle.
    page.fill("#emap-q", "王")
    page.press("#emap-q", "Enter")
    page.wait_for_selector(".emap-hit[data-kind=person]")
    page.click(".emap-hit[data-kind=person] >> nth=0")
    with page.expect_response(lambda r: "/api/v1/geo/life-circle" in r.url) as answer:
        page.click("[data-act=circle-place]")
    circle = json.loads(answer.value.body())
    page.wait_for_selector("#emap-circle li")
    assert circle["total"] > 0 and "室" in circle["origin"]
    listed = page.locator("#emap-circle li").all_inner_texts()
    assert listed and all("米" in t and "步行" in t for t in listed)
    text = page.inner_text("#emap-panel")
    assert "15分钟生活圈" in text and circle["origin"] in text
    page.screenshot(path=str(screenshots / "emap-life-circle-phone.png"), full_page=True)
    assert errors == [], errors
    context.close()


def test_measuring_a_distance(browser, e2e_server):
    context, page, _errors, _ = open_map(browser, e2e_server, "secretary")
    page.click("[data-tool=distance]")
    box = page.locator("#emap-map").bounding_box()
    page.mouse.click(box["x"] + 200, box["y"] + 200)
    page.mouse.click(box["x"] + 400, box["y"] + 200)
    page.wait_for_selector("#emap[data-measure]")
    assert int(page.get_attribute("#emap", "data-measure")) > 0
    assert "距离" in page.inner_text("#emap-status")
    context.close()
