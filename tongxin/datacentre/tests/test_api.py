"""The stats API: figures from the rollups, the records behind a figure exactly those
counted, under the caller's scope (a figure whose records the caller may not see is a count
only), and errors through the one envelope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tongxin.cases.models import Case
from tongxin.core import clock
from tongxin.datacentre import rollups
from tongxin.datacentre.models import CaseRollup
from tongxin.places.models import Place

from .helpers import query_period

pytestmark = pytest.mark.dates

FIGURES = rollups.COUNTS


def test_the_community_figures_per_grid_add_up_to_the_total(built: Any) -> None:
    r = built.api("secretary").get("/api/v1/stats/cases", {"level": "community", **query_period()})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["place"]["kind"] == "community" and body["level"] == "community"
    assert body["rows"] and body["total"]["received"] > 0
    for name in FIGURES:
        assert sum(row[name] for row in body["rows"]) == body["total"][name]
    grids = {row["grid"] for row in body["rows"]}
    assert built.grid(1).pk in grids


@pytest.mark.parametrize("by", ["grid", "category", "day"])
def test_every_figure_clicks_through_to_exactly_its_records(built: Any, by: str) -> None:
    client = built.api("secretary")
    answer = client.get("/api/v1/stats/cases", {"by": by, **query_period()}).json()
    checked = 0
    for row in answer["rows"][:4]:
        key = {by: row[by]} if row[by] is not None else {}
        if not key:
            continue
        for figure in ("received", "resolved", "on_time", "satisfied", "open"):
            rec = client.get(
                "/api/v1/stats/cases/records",
                {**key, "figure": figure, "page": 1, **query_period()},
            ).json()
            assert rec["count"] == row[figure], (by, row[by], figure)
            assert not rec["withheld"]
            assert len(rec["items"]) == min(row[figure], rec["page_size"])
            checked += 1
    assert checked


def test_the_records_are_those_of_the_raw_table(built: Any) -> None:
    day = clock.local_date(Case.objects.exclude(state="merged").latest("created_at").created_at)
    rec = (
        built.api("secretary")
        .get("/api/v1/stats/cases/records", {"day": day.isoformat(), **query_period()})
        .json()
    )
    since = clock.start_of_day(day)
    raw = Case.objects.exclude(state="merged").filter(
        created_at__gte=since, created_at__lt=since + dt.timedelta(days=1)
    )
    assert rec["count"] == raw.count()
    assert {i["id"] for i in rec["items"]} == set(raw.values_list("pk", flat=True)[:50]) or (
        rec["count"] > 50
    )


def test_a_grid_worker_sees_the_community_figure_but_not_its_records(built: Any) -> None:
    """grid2 may see the community (an ancestor of their grid) and so its figures, but not
    the cases of grid A: the records answer is the count, withheld."""
    client = built.api("grid2")
    stats = client.get("/api/v1/stats/cases", {"level": "community", **query_period()})
    assert stats.status_code == 200, stats.content
    row = next(r for r in stats.json()["rows"] if r["grid"] == built.grid(1).pk)
    rec = client.get(
        "/api/v1/stats/cases/records",
        {"level": "community", "grid": built.grid(1).pk, **query_period()},
    ).json()
    assert rec == {
        "count": row["received"],
        "withheld": True,
        "page": 1,
        "page_size": 50,
        "items": [],
    }
    # Their own grid's records they see.
    own = client.get(
        "/api/v1/stats/cases/records",
        {"level": "community", "grid": built.grid(2).pk, **query_period()},
    ).json()
    assert (not own["withheld"] and own["count"] == len(own["items"])) or own["count"] > 50


def test_people_without_a_case_scope_are_refused(built: Any) -> None:
    for role in ("resident", "building", "sysadmin"):
        r = built.api(role).get("/api/v1/stats/cases")
        assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN", role


def test_bad_filters_answer_the_error_envelope(built: Any) -> None:
    client = built.api("secretary")
    for query, field in (
        ({"by": "month"}, "by"),
        ({"level": "city"}, "level"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "to"),
    ):
        r = client.get("/api/v1/stats/cases", query)
        assert r.status_code == 422, (query, r.content)
        assert r.json()["code"] == "VALIDATION_FAILED"
        assert r.json()["fields"][0]["field"] == field
    r = client.get("/api/v1/stats/cases/records", {"figure": "phone"})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "figure"
    grid = built.grid(1)
    r = client.get("/api/v1/stats/cases", {"level": "street", "place_id": grid.pk})
    assert r.status_code == 422


def test_street_and_district_read_the_rollups_not_the_cases(built: Any) -> None:
    """Street figures come from the rollups: emptying them empties the answer."""
    street = Place.objects.filter(kind="street").order_by("path").first()
    assert street is not None
    client = built.api("secretary")
    r = client.get("/api/v1/stats/cases", {"level": "street", **query_period()})
    assert r.status_code == 200, r.content
    assert r.json()["place"]["id"] == street.pk and r.json()["total"]["received"] > 0
    CaseRollup.objects.all().delete()
    r = client.get("/api/v1/stats/cases", {"level": "street", **query_period()})
    assert r.json()["total"]["received"] == 0
