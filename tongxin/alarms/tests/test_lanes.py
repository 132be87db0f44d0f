"""A press never waits behind heartbeats (issue 18's benchmark: 20 heartbeats a second put the
presses minutes behind a queue). Through the real Mosquitto: 2,000 heartbeats are published
and acknowledged by the broker before one press, and all of them have reached the listener
before it handles anything (the broker lets it have them unacknowledged); the press is then
handled first — no heartbeat of another device is written before it — and the 2,000
heartbeats follow in a few transactions of a few statements, each once, none lost. And the
batch of beats checks and acts exactly as the messages one by one would. Bounded in time."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tongxin.alarms import services
from tongxin.alarms.models import Alarm, Device, DeviceEvent, EscalationPolicy
from tongxin.alarms.mqtt import Button
from tongxin.alarms.services import protocol
from tongxin.core import clock, tokens
from tongxin.core.models import AuditEvent
from tongxin.inbox.models import Message
from tongxin.people.models import Person

from .helpers import at, body, elder, topic

pytestmark = pytest.mark.dates

BEATERS = 20
BEATS = 2000


def beaters(demo: Any, n: int) -> list[Device]:
    """``n`` buttons on residents of grid 1 who have none."""
    people = list(
        Person.objects.filter(grid=demo.grid(1), place__isnull=False, is_active=True)
        .exclude(pk__in=Device.objects.values("person_id"))
        .order_by("pk")[:n]
    )
    assert len(people) == n
    suffix = tokens.mint(6).lower()
    return Device.objects.bulk_create(
        [
            Device(
                code=f"beat-{suffix}-{i:02d}",
                person=p,
                place_id=p.place_id,
                place_path=p.place_path,
                grid_id=p.grid_id,
                online=True,
            )
            for i, p in enumerate(people)
        ]
    )


def test_a_press_is_handled_before_2000_heartbeats_that_came_before_it(demo, listener):
    with time_machine.travel(at(2026, 6, 1, 9), tick=True):
        e = elder(demo, code=f"axl-{tokens.mint(6).lower()}")
        presser = e["device"]
        devices = beaters(demo, BEATERS)
        buttons = [Button(d.code, seq=1000).connect() for d in devices]
        pressing = Button(presser.code, seq=500).connect()
        try:
            # The presser's own heartbeats come first: they are written before its press.
            own = [pressing.send("heartbeat", battery=80) for _i in range(3)]
            sent = []
            for i in range(BEATS):
                b = buttons[i % BEATERS]
                b.seq += 1
                payload = {"device": b.code, "type": "heartbeat", "seq": b.seq, "battery": 90}
                payload["at"] = clock.now().isoformat()
                sent.append(b.client.publish(b.event_topic, json.dumps(payload), qos=1))
            for info in sent:
                info.wait_for_publish(30)
                assert info.is_published(), "the broker did not take a heartbeat"
            seq = pressing.send("press")
            # Everything reaches the listener before it handles anything: the broker does
            # not hold the press behind unacknowledged heartbeats. (Each button's online
            # status is in the inbox too.)
            expected = BEATERS + 1 + len(own) + BEATS + 1
            deadline = time.monotonic() + 60
            while listener.inbox.qsize() < expected:
                assert time.monotonic() < deadline, (
                    f"{listener.inbox.qsize()} of {expected} messages reached the listener"
                )
                time.sleep(0.1)

            listener.process(timeout=0)
            press = DeviceEvent.objects.get(device=presser, seq=seq, refusal="")
            assert press.alarm is not None
            # Nothing of the other devices before the press (in the order written); the
            # presser's own earlier heartbeats just before it, in their order.
            before = DeviceEvent.objects.filter(pk__lt=press.pk, device__in=devices)
            assert not before.exists(), f"{before.count()} heartbeats were written first"
            mine = list(
                DeviceEvent.objects.filter(device=presser, kind="heartbeat")
                .order_by("pk")
                .values_list("seq", "refusal")
            )
            assert mine == [(s, "") for s in own]

            # The heartbeats follow, gathered: a few transactions of a few statements (one by
            # one, each took seven).
            deadline = time.monotonic() + 60
            beats = DeviceEvent.objects.filter(device__in=devices, kind="heartbeat")
            queries = 0
            while beats.count() < BEATS:
                assert time.monotonic() < deadline, f"{beats.count()} of {BEATS} written"
                with CaptureQueriesContext(connection) as these:
                    listener.process(timeout=0.5)
                queries += len(these.captured_queries)
            assert queries < 100, f"{queries} queries for {BEATS} heartbeats"
        finally:
            for b in [*buttons, pressing]:
                b.close()
        # Each heartbeat once, none refused, none lost; each device's last sequence number.
        rows = list(beats.values_list("device_id", "seq", "refusal"))
        assert len(rows) == BEATS == len({(d, s) for d, s, _r in rows})
        assert {r for _d, _s, r in rows} == {""}
        for d in Device.objects.filter(pk__in=[d.pk for d in devices]):
            assert d.last_seq == 1000 + BEATS // BEATERS and d.online and d.battery == 90
        assert Alarm.objects.filter(device=presser).count() == 1


def test_a_last_will_after_heartbeats_leaves_the_device_offline(demo, listener):
    """The will comes right after heartbeats still gathered: they are written first, and
    the device ends offline (a heartbeat written after the will would bring it back)."""
    with time_machine.travel(at(2026, 6, 1, 9), tick=True):
        e = elder(demo, code=f"axl-{tokens.mint(6).lower()}")
        device = e["device"]
        button = Button(device.code, seq=1).connect()
        for _i in range(5):
            button.send("heartbeat", battery=70)
        button.kill()
        deadline = time.monotonic() + 20
        offline = DeviceEvent.objects.filter(device=device, kind="status:offline")
        while not offline.exists():
            assert time.monotonic() < deadline, "the last will was not handled"
            listener.process(timeout=0.2)
        # Whatever was gathered is written by now.
        end = time.monotonic() + listener.flush_every + 1
        while time.monotonic() < end:
            listener.process(timeout=0.2)
        device.refresh_from_db()
        assert not device.online and device.last_seq == 6 and device.battery == 70
        kinds = list(DeviceEvent.objects.filter(device=device).order_by("pk").values_list("kind"))
        assert [k for (k,) in kinds] == ["status:online", *["heartbeat"] * 5, "status:offline"]


class _Undo(Exception):
    pass


def test_a_batch_of_beats_checks_and_acts_as_the_messages_one_by_one(demo):
    """The same messages, handled one by one (then undone) and as one batch: the same log
    rows with the same refusals, the same device afterwards, the same audit rows and tasks."""
    with time_machine.travel(at(2026, 6, 1, 9), tick=False):
        e = elder(demo, code="axl-batch")
        other = elder_revoked(demo)
        code = "axl-batch"
        services.device_seen(e["device"], clock.now(), battery=50)  # online, battery 50
        e["device"].last_seq = 10
        e["device"].save(update_fields=["last_seq"])
        Device.objects.filter(pk=e["device"].pk).update(online=False)
        protocol.handle(topic(code), body(code, "heartbeat", 11))  # an accepted one before
        Device.objects.filter(pk=e["device"].pk).update(online=False)  # and offline again
        messages = [
            (topic(code, "status"), b'{"state": "online"}'),  # back online: audited
            (topic(code), body(code, "heartbeat", 12, battery=40)),
            (topic(code), body(code, "heartbeat", 12, battery=40)),  # redelivered in the batch
            (topic(code), body(code, "heartbeat", 11)),  # accepted before: a duplicate
            (topic(code), body(code, "heartbeat", 9)),  # older, never seen: stale
            (topic(code), body(code, "battery", 13, level=15)),  # below 20%: the grid worker
            (topic(code), body(code, "heartbeat", 14, battery=12)),  # still low: no second
            (topic(code), body("axl-else", "heartbeat", 15)),  # another id in the body
            (topic(code), b'{"type": "heartbeat", "seq": "x", "at": "2026-06-01T09:00:00"}'),
            (topic("axl-nobody"), body("axl-nobody", "heartbeat", 1)),  # unknown
            (topic(other.code), body(other.code, "heartbeat", 1)),  # revoked
            (topic(code), body(code, "press", 16)),  # not a beat: handled alone
        ]

        mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

        def outcome(events: list[DeviceEvent]) -> dict[str, Any]:
            device = Device.objects.get(pk=e["device"].pk)
            return {
                "events": sorted((x.device_code, x.kind, x.seq or 0, x.refusal) for x in events),
                "device": (device.online, device.battery, device.last_seq, device.last_seen_at),
                "audit": sorted(
                    AuditEvent.objects.filter(pk__gt=mark).values_list("action", flat=True)
                ),
                "messages": Message.objects.filter(kind="alarm_device").count(),
                "alarms": Alarm.objects.filter(device=device).count(),
            }

        one_by_one: dict[str, Any] = {}
        try:
            with transaction.atomic():
                one_by_one = outcome([protocol.handle(t, p) for t, p in messages])
                raise _Undo
        except _Undo:
            pass
        batch = outcome(
            protocol.handle_beats([protocol.Beat(t, p, clock.now()) for t, p in messages])
        )
        assert batch == one_by_one
        refusals = [r for _c, _k, _s, r in batch["events"]]
        for reason in ("duplicate", "stale", "mismatch", "malformed", "unknown_device", "revoked"):
            assert reason in refusals, reason
        assert batch["device"][:3] == (True, 12, 16)
        assert batch["audit"].count("alarm.device_online") == 1
        assert batch["messages"] == 1 and batch["alarms"] == 1


def elder_revoked(demo: Any) -> Device:
    person = (
        Person.objects.filter(grid=demo.grid(1), place__isnull=False, is_active=True)
        .exclude(pk__in=Device.objects.values("person_id"))
        .order_by("-pk")
        .first()
    )
    device, _secret = services.device_register(actor=None, person=person, code="axl-revoked")
    services.device_revoke(actor=demo.user("grid1"), device_id=device.pk)
    return device


def test_a_press_under_a_policy_that_pages_at_once_is_paged_in_its_own_transaction(demo):
    """No cancel window and no wait: the first notification row is written with the alarm
    (the listener's transaction), not after a worker's poll; the next step goes to the
    clock. A policy whose paging fails leaves the alarm to the clock; the press is kept."""
    with time_machine.travel(at(2026, 6, 1, 9), tick=False):
        e = elder(demo)
        now = EscalationPolicy.objects.create(
            code="at-once",
            name="at once",
            steps=[{"wait": 0, "notify": ["helpers"]}, {"wait": 60, "notify": ["grid_worker"]}],
            cancel_window=0,
        )
        Device.objects.filter(pk=e["device"].pk).update(policy=now)
        alarm = protocol.handle(topic("axl-test"), body("axl-test", "press", 1)).alarm
        assert alarm is not None and alarm.step == 1
        assert Message.objects.filter(recipient=e["neighbour"], topic=f"alarm:{alarm.pk}").exists()
        assert alarm.next_at == clock.now() + dt.timedelta(seconds=60)

        broken = EscalationPolicy.objects.create(
            code="broken",
            name="broken",
            steps=[{"wait": 0, "notify": ["helpers"]}, {"wait": "soon", "notify": ["duty"]}],
            cancel_window=0,
        )
        services.alarm_act(actor=demo.user("grid1"), alarm_id=alarm.pk, act="ack")
        services.alarm_act(actor=demo.user("grid1"), alarm_id=alarm.pk, act="arrive")
        services.alarm_act(
            actor=demo.user("grid1"), alarm_id=alarm.pk, act="resolve", outcome="handled"
        )
        Device.objects.filter(pk=e["device"].pk).update(policy=broken)
        event = protocol.handle(topic("axl-test"), body("axl-test", "press", 2))
        assert event.refusal == "" and event.alarm is not None
        kept = Alarm.objects.get(pk=event.alarm.pk)
        assert kept.state == "open" and kept.step == 0 and not kept.pages.exists()
