"""The device log's retention: heartbeats, battery reports, statuses and refused messages go
after the period; presses, falls, cancels and every row of an alarm stay for good; the
nightly job is registered and audited; nothing else can delete the log."""

from __future__ import annotations

import pytest
import time_machine

from tongxin.alarms import services
from tongxin.alarms.config import event_log_days
from tongxin.alarms.models import DeviceEvent
from tongxin.alarms.services import protocol
from tongxin.core import schedule
from tongxin.core.models import AuditEvent

from .helpers import at, body, elder, topic

pytestmark = pytest.mark.dates


def _kinds() -> list[tuple[str, int, bool]]:
    return sorted(
        (e.kind, e.seq or 0, bool(e.refusal))
        for e in DeviceEvent.objects.filter(device_code="axl-keep")
    )


def test_old_beats_go_and_an_alarms_rows_stay(demo, settings):
    settings.TONGXIN_ALARM_EVENT_LOG_DAYS = 30
    assert event_log_days() == 30
    code = "axl-keep"
    with time_machine.travel(at(2026, 1, 5, 9), tick=False):
        elder(demo, code=code)
        protocol.handle(topic(code), body(code, "heartbeat", 1))
        protocol.handle(topic(code), body(code, "battery", 2, level=80))
        protocol.handle(topic(code), body(code, "heartbeat", 1))  # a duplicate: refused
        protocol.handle(topic(code), body(code, "press", 3))  # an alarm's row
        protocol.handle(topic(code, "status"), b'{"state": "online"}')
    with time_machine.travel(at(2026, 2, 20, 9), tick=False):
        protocol.handle(topic(code), body(code, "heartbeat", 4))  # inside the period
    assert len(_kinds()) == 6
    with time_machine.travel(at(2026, 2, 21, 3, 40), tick=False):
        summary = services.prune_device_log(batch=2)  # batches smaller than the work
    assert "4" in summary
    assert _kinds() == [("heartbeat", 4, False), ("press", 3, False)]
    row = AuditEvent.objects.filter(action="alarms.log_pruned").get()
    assert row.detail["deleted"] == 4 and row.detail["days"] == 30
    # A second run finds nothing and writes no audit row.
    with time_machine.travel(at(2026, 2, 21, 3, 41), tick=False):
        services.prune_device_log()
    assert AuditEvent.objects.filter(action="alarms.log_pruned").count() == 1


def test_the_period_has_a_floor_and_the_log_stays_append_only(demo, settings):
    settings.TONGXIN_ALARM_EVENT_LOG_DAYS = 1
    assert event_log_days() == 30
    with pytest.raises(RuntimeError):
        DeviceEvent.objects.all().delete()
    assert "alarms_prune_log" in schedule.JOBS
