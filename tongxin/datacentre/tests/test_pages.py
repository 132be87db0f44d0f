"""The dashboards, the click-through pages, the exports and the big screen."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest

from tongxin.datacentre.sources import SOURCES
from tongxin.places.models import Place

from .helpers import query_period

pytestmark = pytest.mark.dates


def test_the_secretary_finds_the_data_centre_in_the_navigation(built: Any) -> None:
    home = built.client("secretary").get("/")
    assert 'href="/datacentre/"' in home.content.decode()
    for role in ("grid1", "resident"):
        assert 'href="/datacentre/"' not in built.client(role).get("/").content.decode(), role


def test_the_dashboard_links_every_number_to_its_records(built: Any) -> None:
    client = built.client("secretary")
    page = client.get("/datacentre/", query_period())
    assert page.status_code == 200
    html = page.content.decode()
    for section in ("dc-funnel", "dc-trend", "dc-grids", "dc-categories", "dc-days"):
        assert f'id="{section}"' in html, section
    assert "<svg" in html and "按时办结率" in html
    links = re.findall(r'href="/datacentre/records/\?([^"]+)"', html)
    assert len(links) > 20
    # Follow some: each answers the count shown beside the link.
    shown = re.findall(r'<a href="/datacentre/records/\?([^"]+)">(\d+)</a>', html)
    assert shown
    for query, value in shown[:12]:
        records = client.get("/datacentre/records/?" + query.replace("&amp;", "&"))
        assert records.status_code == 200
        assert f"共 {value} 件" in records.content.decode(), query


def test_a_grid_worker_is_refused_the_dashboards(built: Any) -> None:
    for role in ("grid1", "resident"):
        assert built.client(role).get("/datacentre/").status_code == 403, role


def test_the_street_dashboard(built: Any) -> None:
    street = Place.objects.filter(kind="street").order_by("path").first()
    page = built.client("secretary").get("/datacentre/", {"place": street.pk, **query_period()})
    assert page.status_code == 200
    assert street.name in page.content.decode()
    # The street's monthly report and the open data are one tap away, and the report opens.
    report = re.search(r'href="(/datacentre/report/\?place=\d+)"', page.content.decode())
    assert report and report.group(1) == f"/datacentre/report/?place={street.pk}"
    assert 'href="/datacentre/open/"' in page.content.decode()
    assert built.client("secretary").get(report.group(1)).status_code == 200


def test_exports_csv_and_excel(built: Any) -> None:
    from openpyxl import load_workbook

    client = built.client("secretary")
    for table in ("grid", "category", "day"):
        r = client.get("/datacentre/export/", {"table": table, **query_period()})
        assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
        text = r.content.decode("utf-8-sig")
        assert "按时办结率" in text and len(text.splitlines()) > 1
    r = client.get("/datacentre/export/", {"format": "xlsx", **query_period()})
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["按网格", "按类别", "按日", *[str(s.label) for s in SOURCES.values()]]
    assert wb["按网格"].max_row > 1


def test_each_modules_table_exports_and_adds_up_to_its_panel(built: Any) -> None:
    from tongxin.datacentre import module_rollups, module_selectors

    module_rollups.rebuild_every()
    community = built.grid(1).at_or_above("community")
    period = query_period()
    day_from, day_to = (dt.date.fromisoformat(period[k]) for k in ("from", "to"))
    client = built.client("secretary")
    for name, source in SOURCES.items():
        r = client.get("/datacentre/export/", {"table": name, **period})
        assert r.status_code == 200 and r["Content-Type"].startswith("text/csv"), name
        header, *rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert header[0] == str(source.label)
        first = source.figures[0]
        column = header.index(str(first.label))
        total = module_selectors.totals(source, community, day_from, day_to)[first.name]
        assert sum(int(row[column]) for row in rows) == total, name
        assert "_seconds" not in ",".join(header)
    assert client.get("/datacentre/export/", {"table": "ballots"}).status_code == 404


def test_the_big_screen_polls_and_carries_no_personal_data(built: Any) -> None:
    from tongxin.core import testing

    client = built.client("secretary")
    page = client.get("/datacentre/screen/", query_period())
    assert page.status_code == 200
    html = page.content.decode()
    assert 'hx-trigger="every 60s"' in html and "datacentre/screen/figures/" in html
    assert 'class="topbar"' not in html  # full screen: no chrome
    fragment = client.get("/datacentre/screen/figures/", query_period()).content.decode()
    assert "受理" in fragment and "<html" not in fragment
    # No names of people, no case references, no phone or ID numbers.
    from tongxin.people.models import Person

    names = set(Person.objects.values_list("name", flat=True)[:2000])
    found = [n for n in names if len(n) >= 2 and n in html]
    assert found == []
    assert not re.search(r"SQ\d{8}-\d{6}", html)
    assert testing.find_pii(html + fragment) == []  # the leak scanner's own patterns


def test_the_big_screen_shows_each_modules_figure_from_its_rollups(built: Any) -> None:
    from tongxin.datacentre import module_rollups, module_selectors
    from tongxin.datacentre.sources import SOURCES
    from tongxin.datacentre.views import SCREEN_TILES

    module_rollups.rebuild_every()
    community = built.grid(1).at_or_above("community")
    period = query_period()
    fragment = built.client("secretary").get("/datacentre/screen/figures/", period).content.decode()
    tiles = re.findall(
        r'data-source="(\w+)"><span class="dc-tile-num">([^<]*)</span>'
        r'<span class="dc-tile-label">([^<]*)</span>',
        fragment,
    )
    assert [(t[0], t[2]) for t in tiles] == [(n, str(label)) for n, _k, label in SCREEN_TILES]
    day_from, day_to = (dt.date.fromisoformat(period[k]) for k in ("from", "to"))
    for (name, key, _label), (_n, shown, _l) in zip(SCREEN_TILES, tiles, strict=True):
        value = module_selectors.totals(SOURCES[name], community, day_from, day_to)[key]
        rate = key in module_selectors.RATES
        assert shown == ("—" if value is None else f"{value}{'%' if rate else ''}"), name
    assert any(shown not in ("0", "—") for _n, shown, _l in tiles)  # the demo has figures
