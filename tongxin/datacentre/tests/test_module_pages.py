"""The modules' panels and their click-through: figures from the rollups, every count
linked to exactly the records it counts, under the viewer's scope as the modules' own
selectors read it (a grid worker never sees another grid's residents), the as-of time shown,
and time in each state in the API and on the dashboard."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tongxin.alarms.models import Alarm
from tongxin.datacentre.models import ModuleRollup
from tongxin.datacentre.sources import SOURCES
from tongxin.visits.models import VisitTask

from .helpers import query_period

pytestmark = pytest.mark.dates


def test_the_dashboard_has_a_panel_per_module_with_its_as_of_time(all_built: Any) -> None:
    html = (
        all_built.client("secretary").get("/datacentre/", query_period(ahead=60)).content.decode()
    )
    for source in ("visits", "alarms", "volunteering", "needs", "wishes"):
        assert f'id="dc-{source}"' in html, source
    assert 'id="dc-states"' in html and 'data-state="reported"' in html
    assert html.count('class="hint dc-asof"') == 1 + len(SOURCES)  # the cases and each module
    assert "尚未汇总" not in html


def test_every_module_number_clicks_through_to_its_count(all_built: Any) -> None:
    client = all_built.client("secretary")
    html = client.get("/datacentre/", query_period(ahead=60)).content.decode()
    shown = re.findall(
        r'<a (?:class="stat" )?href="/datacentre/modules/(\w+)/records/\?([^"]+)">'
        r'(?:<span class="stat-num">)?(\d+)',
        html,
    )
    sources = {s for s, _q, _v in shown}
    assert {"visits", "alarms", "needs"} <= sources, sources
    for source, query, value in shown[:40]:
        page = client.get(f"/datacentre/modules/{source}/records/?" + query.replace("&amp;", "&"))
        assert page.status_code == 200
        assert f"共 {value} 条" in page.content.decode(), (source, query)


def test_the_figures_come_from_the_rollups(all_built: Any) -> None:
    client = all_built.api("secretary")
    r = client.get("/api/v1/stats/modules/visits", {"level": "community", **query_period(ahead=60)})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["total"]["due"] > 0 and body["as_of"]
    for name in ("due", "on_time", "late", "missed"):
        assert sum(row["figures"][name] for row in body["rows"]) == body["total"][name]
    ModuleRollup.objects.filter(source="visits").delete()
    again = client.get(
        "/api/v1/stats/modules/visits", {"level": "community", **query_period(ahead=60)}
    )
    assert again.json()["total"]["due"] == 0


def _visits(client: Any, **query: Any) -> dict[str, Any]:
    r = client.get(
        "/api/v1/stats/modules/visits/records",
        {"level": "community", "figure": "due", **query_period(ahead=60), **query},
    )
    assert r.status_code == 200, r.content
    return r.json()


def test_a_grid_worker_sees_their_own_grids_visits_and_only_counts_of_the_others(
    all_built: Any,
) -> None:
    """grid1 sees the visits of grid 1 as the visits app shows them; of grid 2 and of the
    whole community only the count: never another grid's residents."""
    client = all_built.api("grid1")
    grid1, grid2 = all_built.grid(1), all_built.grid(2)
    mine = _visits(client, grid=grid1.pk)
    assert mine["count"] > 0 and not mine["withheld"]
    visible = set(
        VisitTask.objects.visible_to(all_built.user("grid1")).values_list("pk", flat=True)
    )
    assert {i["id"] for i in mine["items"]} <= visible
    theirs = _visits(client, grid=grid2.pk)
    assert theirs["count"] > 0 and theirs["withheld"] and theirs["items"] == []
    whole = _visits(client)
    assert whole["withheld"] and whole["items"] == []
    assert whole["count"] >= mine["count"] + theirs["count"]


def test_alarm_records_follow_the_alarms_scope(all_built: Any) -> None:
    for role in ("grid1", "grid2", "secretary"):
        user = all_built.user(role)
        client = all_built.api(role)
        body = client.get(
            "/api/v1/stats/modules/alarms/records",
            {"level": "community", "figure": "presses", **query_period(ahead=60)},
        ).json()
        total = body["count"]
        seen = Alarm.objects.visible_to(user).count()
        assert total > 0
        if body["withheld"]:
            assert body["items"] == [] and seen < Alarm.objects.count(), role
        else:
            assert {i["id"] for i in body["items"]} <= set(
                Alarm.objects.visible_to(user).values_list("pk", flat=True)
            ), role


def test_the_records_page_withholds_what_the_viewer_may_not_see(all_built: Any) -> None:
    """The secretary's page of the visits due in another grid than their own scope reaches
    lists them only when every one is visible to them."""
    secretary = all_built.user("secretary")
    grid = all_built.grid(2)
    page = all_built.client("secretary").get(
        "/datacentre/modules/visits/records/",
        {"figure": "due", "grid": grid.pk, **query_period(ahead=60)},
    )
    assert page.status_code == 200
    html = page.content.decode()
    due = VisitTask.objects.exclude(state="cancelled").filter(grid=grid)
    all_seen = (
        due.count()
        == due.filter(pk__in=VisitTask.objects.visible_to(secretary).values("pk")).count()
    )
    assert ('id="dc-withheld"' in html) is (not all_seen)


def test_bad_module_queries_answer_the_envelope(all_built: Any) -> None:
    client = all_built.api("secretary")
    r = client.get("/api/v1/stats/modules/salaries")
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "source"
    r = client.get("/api/v1/stats/modules/visits", {"by": "month"})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "by"
    r = client.get("/api/v1/stats/modules/alarms/records", {"figure": "ack_seconds"})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "figure"
    assert all_built.client("secretary").get("/datacentre/modules/nope/records/").status_code == 404
    assert all_built.client("grid1").get("/datacentre/modules/visits/records/").status_code == 403


def test_the_case_stats_carry_time_in_each_state_and_the_as_of(all_built: Any) -> None:
    client = all_built.api("secretary")
    body = client.get("/api/v1/stats/cases", {"by": "category", **query_period(ahead=60)}).json()
    states = {s["state"]: s for s in body["total"]["state_times"]}
    assert "reported" in states and states["reported"]["spells"] > 0
    assert states["reported"]["mean_hours"] == round(
        states["reported"]["seconds"] / states["reported"]["spells"] / 3600, 1
    )
    assert body["as_of"]
    per_row = sum(
        s["spells"] for row in body["rows"] for s in row["state_times"] if s["state"] == "reported"
    )
    assert per_row == states["reported"]["spells"]


def test_every_read_of_records_is_audited_page_and_api(all_built: Any) -> None:
    """The records behind a figure are residents' visits, alarms and cases: each page or API
    answer of them writes one audit row (who, which module and figure, under which place, how
    many), as the modules' own lists do."""
    from tongxin.core.models import AuditEvent

    secretary = all_built.user("secretary")
    before = AuditEvent.objects.filter(action="datacentre.records").count()
    page = all_built.client("secretary").get(
        "/datacentre/modules/visits/records/", {"figure": "due", **query_period(ahead=60)}
    )
    assert page.status_code == 200
    api = all_built.api("secretary").get(
        "/api/v1/stats/modules/alarms/records",
        {"level": "community", "figure": "presses", **query_period(ahead=60)},
    )
    assert api.status_code == 200
    cases = all_built.client("secretary").get("/datacentre/records/", {"figure": "received"})
    assert cases.status_code == 200
    assert AuditEvent.objects.filter(action="datacentre.records").count() == before + 3
    rows = list(AuditEvent.objects.filter(action="datacentre.records").order_by("-pk")[:3])
    by_source = {r.detail["source"]: r for r in rows}
    assert set(by_source) == {"visits", "alarms", "cases"}
    assert by_source["alarms"].detail["count"] == api.json()["count"]
    assert by_source["alarms"].detail["via"] == "api"
    assert by_source["visits"].detail["via"] == "page"
    assert all(r.actor_id == secretary.pk and r.object_type == "places.place" for r in rows)
    # A refused read (an unknown figure) is not a read of anything: no row.
    bad = all_built.api("secretary").get(
        "/api/v1/stats/modules/alarms/records", {"level": "community", "figure": "nope"}
    )
    assert bad.status_code == 422
    assert AuditEvent.objects.filter(action="datacentre.records").count() == before + 3
