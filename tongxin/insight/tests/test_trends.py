"""Trends: spike detection on generated series, the weekly alert to the secretary's inbox,
the API and pages, and that counts and texts stay within the viewer's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

from tongxin.cases.tests.support import report
from tongxin.core import clock
from tongxin.inbox.models import Message
from tongxin.insight import selectors, services, trends
from tongxin.insight.models import TrendAlert
from tongxin.notices.services import log_entry_record
from tongxin.places.models import Place

pytestmark = pytest.mark.dates


# ------------------------------------------------------------------ detection (no database)


def test_a_known_spike_is_found() -> None:
    rng = np.random.default_rng(23)
    series = [int(x) for x in rng.poisson(4, 30)]
    series[24] = 19  # the week residents all complained about the same thing
    flags = trends.spikes(series)
    assert flags[24] is True
    assert [i for i, f in enumerate(flags) if f] == [24]


def test_noise_alone_is_not_a_spike() -> None:
    rng = np.random.default_rng(7)
    for rate in (0.5, 3, 8, 20):
        series = [int(x) for x in rng.poisson(rate, 52)]
        assert not any(trends.spikes(series)), (rate, series)


def test_false_alarms_on_noise_are_rare() -> None:
    """Over 400 year-long noise series, a false spike anywhere in at most 5 % of them."""
    rng = np.random.default_rng(2026)
    flagged = 0
    for n in range(400):
        series = [int(x) for x in rng.poisson((0.5, 1, 3, 8, 20)[n % 5], 52)]
        flagged += any(trends.spikes(series))
    assert flagged <= 20, flagged


def test_a_quiet_topic_needs_several_reports_and_a_short_history_none() -> None:
    assert not any(trends.spikes([0, 0, 0, 0, 0, 0, 0, 0, 3]))  # below the minimum count
    assert trends.spikes([0, 0, 0, 0, 0, 0, 0, 0, 6])[-1]
    assert trends.spikes([4, 4, 4, 4, 4, 4, 4, 4, 14])[-1]
    assert not trends.spikes([4, 4, 4, 4, 4, 4, 4, 4, 9])[-1]
    assert not trends.spikes([1, 9, 0, 8, 2, 9, 1, 8, 12])[-1]  # a noisy topic's usual
    assert not any(trends.spikes([0, 9]))  # no baseline yet
    assert trends.week_of(dt.date(2026, 12, 6)) == dt.date(2026, 11, 30)  # a Sunday
    weeks = trends.last_weeks(dt.date(2027, 1, 1), 3)
    assert weeks == [dt.date(2026, 12, 14), dt.date(2026, 12, 21), dt.date(2026, 12, 28)]


# ------------------------------------------------------------------ with the demo


def community() -> Place:
    return Place.objects.filter(kind="community").order_by("path").first()


def _last_week_day() -> dt.datetime:
    last_week = trends.week_of(clock.today()) - dt.timedelta(days=7)
    return clock.start_of_day(last_week + dt.timedelta(days=1)) + dt.timedelta(hours=10)


def _gas_spike(demo: Any, n: int = 9) -> list[Any]:
    at = _last_week_day()
    return [
        report(
            demo,
            "resident",
            category="utilities.gas",
            description=f"楼道里一股煤气味，第{i}户也闻到了",
            now=at + dt.timedelta(minutes=i),
        )
        for i in range(n)
    ]


def test_the_weekly_job_tells_the_secretary_once(demo: Any) -> None:
    before = selectors.trend_table(None, community(), weeks=1, today=_last_week_day().date())
    gas = next((t for t in before.topics if t.code == "utilities.gas"), None)
    assert gas is None or not gas.spikes[-1]
    _gas_spike(demo)
    assert services.alert_spikes() != "0"
    alert = TrendAlert.objects.get(community=community(), topic="utilities.gas")
    assert alert.count >= 9 and alert.week == trends.week_of(_last_week_day().date())
    secretary = demo.user("secretary").person
    told = Message.objects.filter(
        recipient=secretary, kind=services.NOTIFY_KIND, subject__contains="供气"
    )
    assert told.count() == 1
    assert "/insight/trends/texts/" in told.get().link
    assert services.alert_spikes() == "0"  # told already
    assert told.count() == 1


def test_trends_api_counts_cases_and_log_entries(demo: Any) -> None:
    _gas_spike(demo, 6)
    grid = demo.grid(1)
    log_entry_record(
        actor=demo.user("grid1"),
        place=grid,
        raised="几位老人说楼里电梯又坏了，上下楼很难",
        occurred_at=clock.now(),
    )
    response = demo.api("secretary").get("/api/v1/trends", {"place_id": community().pk, "weeks": 4})
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["weeks"]) == 4
    topics = {t["code"]: t for t in body["topics"]}
    assert topics["utilities.gas"]["counts"][-2] >= 6
    assert topics["utilities.gas"]["name"] == "供气" and topics["utilities.gas"]["top"]
    assert all(len(t["counts"]) == len(t["spikes"]) == 4 for t in body["topics"])
    assert topics["property.elevator"]["counts"][-1] >= 1  # the log entry, by its meaning
    week = body["weeks"][-1]
    texts = demo.api("secretary").get(
        "/api/v1/trends/texts",
        {"place_id": community().pk, "topic": "property.elevator", "week": week},
    )
    assert any("电梯" in e["raised"] for e in texts.json()["log_entries"])
    bad = demo.api("secretary").get("/api/v1/trends", {"weeks": "many"})
    assert bad.status_code == 422


def test_trend_texts_stay_within_the_viewers_scope(demo: Any) -> None:
    cases = _gas_spike(demo, 3)
    week = trends.week_of(_last_week_day().date()).isoformat()
    query = {"topic": "utilities.gas", "week": week}
    mine = demo.api("grid1").get("/api/v1/trends/texts", query).json()
    assert {c.pk for c in cases} <= {c["id"] for c in mine["cases"]}
    other = demo.api("grid2").get("/api/v1/trends/texts", query)
    assert other.status_code == 200
    assert not {c.pk for c in cases} & {c["id"] for c in other.json()["cases"]}
    counted = demo.api("grid2").get("/api/v1/trends", {"weeks": 4}).json()
    gas = [t for t in counted["topics"] if t["code"] == "utilities.gas"]
    assert not gas or gas[0]["counts"][-2] == 0
    # grid2 may not read under grid1's place; residents may not read trends at all.
    refused = demo.api("grid2").get("/api/v1/trends/texts", {**query, "place_id": demo.grid(1).pk})
    if refused.status_code == 200:  # a place shown by name: still nothing of grid1's cases
        assert not {c.pk for c in cases} & {c["id"] for c in refused.json()["cases"]}
    else:
        assert refused.status_code == 404
    assert demo.api("resident").get("/api/v1/trends").status_code == 403


def test_the_trend_page_and_its_texts(demo: Any) -> None:
    cases = _gas_spike(demo, 9)
    page = demo.client("secretary").get("/insight/trends/", {"weeks": 12})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-topic="utilities.gas"' in html and "trend-bar spike" in html
    week = trends.week_of(_last_week_day().date()).isoformat()
    texts = demo.client("secretary").get(
        "/insight/trends/texts/", {"topic": "utilities.gas", "week": week}
    )
    assert texts.status_code == 200
    assert f'data-id="{cases[0].pk}"' in texts.content.decode()
    assert demo.client("resident").get("/insight/trends/").status_code == 404


def test_the_demo_shows_a_spike_of_water_complaints(demo: Any) -> None:
    """The demo loader's week of water complaints in the daily log is a spike."""
    table = selectors.trend_table(None, community(), weeks=1, today=_last_week_day().date())
    water = next(t for t in table.topics if t.code == "utilities.water")
    assert water.spikes[-1] and water.counts[-1] >= 10


def test_daily_log_entries_behind_a_trend_stay_within_the_viewers_scope(demo: Any) -> None:
    """The 民情日志 side: grid 1's entries (the collective request of a week) are counted and
    read by grid 1 and the secretary; grid 2 sees neither their count nor their texts, by the
    API, the trend page or the texts page, even when it names grid 1's place."""
    at = _last_week_day()
    entries = [
        log_entry_record(
            actor=demo.user("grid1"),
            place=demo.grid(1),
            raised=f"第{i}位居民说楼里的电梯又停了，老人下不了楼",
            occurred_at=at + dt.timedelta(minutes=i),
        )
        for i in range(4)
    ]
    ids = {e.pk for e in entries}
    week = trends.week_of(at.date()).isoformat()
    query = {"topic": "property.elevator", "week": week}

    def elevator_count(who: str) -> int:
        body = demo.api(who).get("/api/v1/trends", {"weeks": 2}).json()
        row = next((t for t in body["topics"] if t["code"] == "property.elevator"), None)
        return row["counts"][0] if row else 0

    for who in ("grid1", "secretary"):
        assert elevator_count(who) >= 4, who
        seen = demo.api(who).get("/api/v1/trends/texts", query).json()
        assert ids <= {e["id"] for e in seen["log_entries"]}, who
    assert elevator_count("grid2") < 4
    theirs = demo.api("grid2").get("/api/v1/trends/texts", query).json()
    assert not ids & {e["id"] for e in theirs["log_entries"]}
    named = demo.api("grid2").get("/api/v1/trends/texts", {**query, "place_id": demo.grid(1).pk})
    assert named.status_code in (200, 404)
    assert named.status_code == 404 or not ids & {e["id"] for e in named.json()["log_entries"]}
    page = demo.client("grid2").get("/insight/trends/texts/", query)
    assert page.status_code == 200
    html = page.content.decode()
    assert not any(f'data-id="{pk}"' in html for pk in ids)
    assert "第0位居民" not in html
    mine = demo.client("grid1").get("/insight/trends/texts/", query).content.decode()
    assert "第0位居民" in mine
