"""The daily log (民情日志): who records where, who reads what, search and filters."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from tongxin.core import clock
from tongxin.core.errors import Forbidden, ValidationFailed
from tongxin.core.scoping import scope_for
from tongxin.notices import selectors, services
from tongxin.notices.models import LogEntry
from tongxin.places.models import Place

pytestmark = pytest.mark.django_db


def building_in(grid):
    return Place.objects.filter(kind="building", path__startswith=grid.path).order_by("path")[0]


def record(demo, who, place, **kw):
    return services.log_entry_record(
        actor=demo.user(who),
        place=place,
        raised=kw.pop("raised", "楼道灯坏了"),
        met=kw.pop("met", "王阿姨"),
        **kw,
    )


def test_a_grid_worker_reads_only_their_own_grids_entries(demo):
    a = record(demo, "grid1", building_in(demo.grid(1)), raised="甲乙丙楼道灯坏了")
    b = record(demo, "grid2", building_in(demo.grid(2)), raised="甲乙丙楼道灯坏了")

    def seen(who):
        return set(selectors.log_entries_for(demo.user(who), text="甲乙丙"))

    assert seen("grid1") == {a}
    assert seen("grid2") == {b}
    assert seen("secretary") == {a, b}
    assert not selectors.log_entries_for(demo.user("resident")).exists()
    assert not selectors.log_entries_for(demo.user("building")).exists()
    # Every entry a grid worker reads lies in their grids (the demo's too).
    own = scope_for(demo.user("grid1")).case_paths
    paths = selectors.log_entries_for(demo.user("grid1")).values_list("place_path", flat=True)
    assert all(any(p.startswith(g) for g in own) for p in paths)
    # Out of scope is the same as missing.
    out = demo.api("grid2").get(f"/api/v1/log-entries?place_id={demo.grid(1).pk}")
    assert out.status_code == 404
    body = demo.api("grid2").get("/api/v1/log-entries", {"q": "甲乙丙"}).json()
    assert [e["id"] for e in body["items"]] == [b.pk]


def test_only_staff_of_the_place_record(demo):
    before = LogEntry.objects.count()
    with pytest.raises(Forbidden):
        record(demo, "grid2", building_in(demo.grid(1)))
    with pytest.raises(Forbidden):
        record(demo, "resident", building_in(demo.grid(1)))
    with pytest.raises(ValidationFailed):
        record(demo, "grid1", building_in(demo.grid(1)), raised="  ")
    assert LogEntry.objects.count() == before


@pytest.mark.dates
def test_search_and_filter_by_place_period_and_words(demo):
    grid = demo.grid(1)
    b1 = building_in(grid)
    today = clock.today()
    with time_machine.travel(
        clock.start_of_day(today - dt.timedelta(days=40)) + dt.timedelta(hours=10)
    ):
        old = record(demo, "grid1", b1, raised="甲乙丙下水道堵塞", tags="甲乙丙环境")
    with time_machine.travel(
        clock.start_of_day(today - dt.timedelta(days=3)) + dt.timedelta(hours=10)
    ):
        recent = record(demo, "grid1", b1, raised="甲乙丙想办老年食堂", tags="养老")
        other = record(demo, "grid1", grid, raised="甲乙丙停车难", done="已协调物业")
    user = demo.user("grid1")

    def found(**kw):
        return set(selectors.log_entries_for(user, **kw).filter(raised__startswith="甲乙丙"))

    assert found(text="老年食堂") == {recent}
    assert found(text="已协调物业") == {other}
    assert found(tag="甲乙丙环境") == {old}
    since = today - dt.timedelta(days=7)
    assert found(since=since) == {recent, other}
    assert found(until=since) == {old}
    assert found(place=b1) == {old, recent}

    api = demo.api("grid1")
    body = api.get(
        "/api/v1/log-entries",
        {"place_id": b1.pk, "from": since.isoformat(), "to": today.isoformat(), "q": "甲乙丙想办"},
    ).json()
    assert [e["id"] for e in body["items"]] == [recent.pk]


def test_api_records_and_refuses_bad_input(demo):
    before = LogEntry.objects.count()
    api = demo.api("grid1")
    place = building_in(demo.grid(1))
    response = api.post(
        "/api/v1/log-entries",
        data=json.dumps(
            {"place_id": place.pk, "met": "李大爷", "raised": "电梯异响", "follow_up": "周五复查"}
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["raised"] == "电梯异响"
    bad = api.post(
        "/api/v1/log-entries",
        data=json.dumps({"place_id": place.pk, "raised": "x", "source": "nonsense"}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "source"
    future = api.post(
        "/api/v1/log-entries",
        data=json.dumps(
            {"place_id": place.pk, "raised": "x", "occurred_at": "2999-01-01T00:00:00+08:00"}
        ),
        content_type="application/json",
    )
    assert future.status_code == 422
    assert api.get("/api/v1/log-entries?from=notadate").status_code == 422
    assert LogEntry.objects.count() == before + 1


def test_an_entry_raises_a_case_in_one_step(demo, django_capture_on_commit_callbacks):
    place = building_in(demo.grid(1))
    before = LogEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        entry = record(
            demo,
            "grid1",
            place,
            raised="楼道堆放杂物堵塞消防通道",
            source="visit",
            case_category="env.garbage",
        )
    assert entry.case is not None and entry.case.description == entry.raised
    assert entry.case.place_path.startswith(place.path)
    with pytest.raises(ValidationFailed):
        record(demo, "grid1", place, case_category="no.such.category")
    assert LogEntry.objects.count() == before + 1  # nothing half-written


def test_far_dates_are_refused_not_computed(demo):
    api = demo.api("grid1")
    assert api.get("/api/v1/log-entries?to=9999-12-31").status_code == 422
    assert api.get("/api/v1/log-entries?from=0001-01-01").status_code == 422
