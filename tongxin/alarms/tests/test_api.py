"""The alarm API: the open list, the acts with the error envelope (422 without an outcome, 409
on a move the state does not allow, 404 out of scope), the card with masked numbers, the
measures, and the pages' acts."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from tongxin.alarms import services
from tongxin.alarms.services import protocol

from .helpers import at, body, elder, topic

pytestmark = pytest.mark.dates


def post(client, url, data=None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def test_the_api_follows_an_alarm_from_open_to_resolved(demo):
    with time_machine.travel(at(2026, 6, 1, 9), tick=False) as clock:
        e = elder(demo)
        alarm = protocol.handle(topic("axl-test"), body("axl-test", "press", 1)).alarm
        grid1 = demo.client("grid1")
        listed = grid1.get("/api/v1/alarms", {"state": "open"}).json()
        assert [a["id"] for a in listed["items"]] == [alarm.pk]
        assert listed["items"][0]["acts"] == ["ack"]
        assert grid1.get("/api/v1/alarms", {"state": "nonsense"}).status_code == 422
        got = grid1.get(f"/api/v1/alarms/{alarm.pk}").json()
        assert got["card"]["conditions"] == "高血压"
        assert got["card"]["family"][0]["id"] == e["son"].pk
        assert "*" in (got["card"]["family"][0]["phone_masked"] or "*")
        assert demo.client("grid2").get(f"/api/v1/alarms/{alarm.pk}").status_code == 404
        assert (
            post(demo.client("grid2"), f"/api/v1/alarms/{alarm.pk}/actions/ack").status_code == 404
        )
        acked = post(grid1, f"/api/v1/alarms/{alarm.pk}/actions/ack")
        assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
        again = post(grid1, f"/api/v1/alarms/{alarm.pk}/actions/ack")
        assert again.status_code == 409 and again.json()["code"] == "TRANSITION_NOT_ALLOWED"
        clock.shift(dt.timedelta(minutes=4))
        assert post(grid1, f"/api/v1/alarms/{alarm.pk}/actions/arrive").status_code == 200
        missing = post(grid1, f"/api/v1/alarms/{alarm.pk}/actions/resolve")
        assert missing.status_code == 422 and missing.json()["fields"][0]["field"] == "outcome"
        done = post(grid1, f"/api/v1/alarms/{alarm.pk}/actions/resolve", {"outcome": "handled"})
        assert done.json()["state"] == "resolved"
        assert grid1.get("/api/v1/alarms", {"state": "open"}).json()["items"] == []
        figures = grid1.get("/api/v1/alarms/measures", {"month": "2026-06"}).json()
        row = figures["items"][0]
        assert row["alarms"] == 1 and row["ack_median_s"] == 0 and row["arrive_median_s"] == 240
        assert grid1.get("/api/v1/alarms/measures", {"month": "June"}).status_code == 422


def test_a_false_press_settled_by_phone_counts_in_the_false_press_rate(demo):
    with time_machine.travel(at(2026, 6, 1, 9), tick=False) as clock:
        elder(demo)
        alarm = protocol.handle(topic("axl-test"), body("axl-test", "press", 1)).alarm
        clock.shift(dt.timedelta(seconds=45))
        services.sweep()
        grid1 = demo.client("grid1")
        post(grid1, f"/api/v1/alarms/{alarm.pk}/actions/ack")
        done = post(grid1, f"/api/v1/alarms/{alarm.pk}/actions/resolve", {"outcome": "false_press"})
        assert done.json()["state"] == "false_alarm"
        row = grid1.get("/api/v1/alarms/measures", {"month": "2026-06"}).json()["items"][0]
        assert row["false_presses"] == 1 and row["false_rate"] == 100.0


def test_the_pages_act_and_reveal_for_a_paged_neighbour(demo):
    with time_machine.travel(at(2026, 6, 1, 9), tick=False) as clock:
        elder(demo)
        alarm = protocol.handle(topic("axl-test"), body("axl-test", "press", 1)).alarm
        building = demo.client("building")
        assert building.get(f"/alarms/{alarm.pk}/").status_code == 404  # not paged yet
        clock.shift(dt.timedelta(seconds=30))
        services.sweep()  # the helpers
        clock.shift(dt.timedelta(seconds=60))
        services.sweep()  # the grid worker and the building head
        desk = building.get("/alarms/")
        assert f'data-alarm="{alarm.pk}"' in desk.content.decode()
        page = building.get(f"/alarms/{alarm.pk}/")
        assert "紧急联系卡" in page.content.decode() and "高血压" in page.content.decode()
        r = building.post(f"/alarms/{alarm.pk}/ack/")
        assert r.status_code == 302
        alarm.refresh_from_db()
        assert alarm.state == "acknowledged"
        shown = building.post(f"/alarms/{alarm.pk}/reveal/{alarm.person_id}/")
        assert shown.status_code == 200
        bad = building.post(f"/alarms/{alarm.pk}/resolve/", {"outcome": ""})
        assert bad.status_code == 302
        alarm.refresh_from_db()
        assert alarm.state == "acknowledged"
        assert demo.client("building").get("/alarms/devices/").status_code == 403
        assert demo.client("grid1").get("/alarms/devices/").status_code == 200


def test_the_measures_per_alarm_per_grid_per_month_and_their_page(demo):
    """The data centre's figures (selectors it calls as they are) and the measures page: each
    alarm's seconds to acknowledge and to arrive, per grid and in all, the last six months,
    the false-press rate, devices offline; another grid's staff see none of it."""
    from tongxin.alarms import selectors

    with time_machine.travel(at(2026, 6, 10, 9), tick=False) as clock:
        e = elder(demo)
        alarm = protocol.handle(topic("axl-test"), body("axl-test", "press", 1)).alarm
        clock.shift(dt.timedelta(seconds=30))
        services.sweep()
        clock.shift(dt.timedelta(seconds=30))
        services.alarm_act(actor=demo.user("grid1"), alarm_id=alarm.pk, act="ack")
        clock.shift(dt.timedelta(minutes=5))
        services.alarm_act(actor=demo.user("grid1"), alarm_id=alarm.pk, act="arrive")
        services.alarm_act(
            actor=demo.user("grid1"), alarm_id=alarm.pk, act="resolve", outcome="handled"
        )
        grid1 = demo.user("grid1")
        (mine,) = [r for r in selectors.alarm_times(grid1) if r["id"] == alarm.pk]
        assert mine["ack_s"] == 60 and mine["arrive_s"] == 360 and mine["grid"]
        figures = selectors.measures(grid1, month="2026-06")
        assert figures["total"]["alarms"] >= 1
        assert figures["devices_offline"] >= 0 and "devices_low_battery" in figures
        row = next(r for r in figures["items"] if r["grid"] == e["device"].grid.name)
        assert row["ack_median_s"] is not None
        months = selectors.months(grid1)
        assert [m["month"] for m in months][-1] == "2026-06" and len(months) == 6
        assert not [r for r in selectors.alarm_times(demo.user("grid2")) if r["id"] == alarm.pk]
        page = demo.client("grid1").get("/alarms/measures/", {"month": "2026-06"})
        assert page.status_code == 200
        html = page.content.decode()
        assert f'data-alarm-time="{alarm.pk}"' in html and 'id="measures-months"' in html
        other = demo.client("grid2").get("/alarms/measures/").content.decode()
        assert f'data-alarm-time="{alarm.pk}"' not in other
        api = demo.client("grid1").get("/api/v1/alarms/measures", {"month": "2026-06"}).json()
        assert api["total"]["alarms"] >= 1 and "devices_low_battery" in api
