"""The alarm's life through the protocol and the clock (no broker here: messages are handed to
``protocol.handle`` as the listener would): escalation step by step under a frozen clock,
acknowledgement stops paging, a lapsed arrival pages again, the responder is reminded until
the outcome, a cancel in the window pages nobody, refusals are logged with their reason,
duplicates change nothing, and silence or the last will mark a device offline."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tongxin.alarms import services
from tongxin.alarms.models import Alarm, AlarmPage, AlarmState, DeviceEvent, Outcome, Refusal
from tongxin.alarms.services import protocol
from tongxin.core.errors import DomainError, NotFound
from tongxin.inbox.models import Message

from .helpers import at, body, elder, topic

pytestmark = pytest.mark.dates


def paged(alarm: Alarm) -> list[int]:
    return list(
        AlarmPage.objects.filter(alarm=alarm).order_by("pk").values_list("person_id", flat=True)
    )


def test_a_press_escalates_step_by_step_until_acknowledged(demo):
    with time_machine.travel(at(2026, 6, 1, 9), tick=False) as clock:
        e = elder(demo)
        event = protocol.handle(topic("axl-test"), body("axl-test", "press", 1))
        assert event.refusal == "" and event.alarm is not None
        alarm = event.alarm
        assert alarm.state == AlarmState.OPEN and paged(alarm) == []
        # Within the first step's wait nobody is paged yet (the cancel window).
        clock.shift(dt.timedelta(seconds=20))
        assert services.alarm_tick(alarm.pk) == "not due"
        clock.shift(dt.timedelta(seconds=10))
        services.sweep()
        assert paged(alarm) == [e["neighbour"].pk, e["grid1"].pk]
        assert Message.objects.filter(recipient=e["neighbour"], topic=f"alarm:{alarm.pk}").exists()
        # No acknowledgement: a minute later the next step (the grid worker was paged already,
        # the building head is new).
        clock.shift(dt.timedelta(seconds=60))
        services.sweep()
        building_head = demo.user("building").person
        assert building_head.pk in paged(alarm)[2:]
        # The grid worker acknowledges: paging stops for everyone.
        alarm = services.alarm_act(actor=demo.user("grid1"), alarm_id=alarm.pk, act="ack")
        assert alarm.state == AlarmState.ACKNOWLEDGED and alarm.acked_by == e["grid1"]
        before = len(paged(alarm))
        clock.shift(dt.timedelta(seconds=300))
        services.sweep()
        assert len(paged(alarm)) == before
        assert Message.objects.filter(
            recipient=e["neighbour"], subject__contains="已有人响应"
        ).exists()


def test_no_arrival_by_the_deadline_pages_again_and_arrival_is_reminded_to_the_end(demo):
    with time_machine.travel(at(2026, 6, 1, 9), tick=False) as clock:
        e = elder(demo)
        alarm = protocol.handle(topic("axl-test"), body("axl-test", "press", 1)).alarm
        clock.shift(dt.timedelta(seconds=30))
        services.sweep()
        clock.shift(dt.timedelta(seconds=60))
        services.sweep()  # the building head is paged in the second step, and takes it
        services.alarm_act(actor=demo.user("building"), alarm_id=alarm.pk, act="ack")
        n = len(paged(alarm))
        clock.shift(dt.timedelta(seconds=901))
        services.sweep()
        alarm.refresh_from_db()
        assert alarm.state == AlarmState.OPEN and len(paged(alarm)) > n
        assert Message.objects.filter(
            recipient=demo.user("building").person, subject__contains="到场超时"
        ).exists()
        services.alarm_act(actor=demo.user("grid1"), alarm_id=alarm.pk, act="ack")
        services.alarm_act(actor=demo.user("grid1"), alarm_id=alarm.pk, act="depart")
        services.alarm_act(actor=demo.user("grid1"), alarm_id=alarm.pk, act="arrive")
        clock.shift(dt.timedelta(seconds=601))
        services.sweep()
        assert (
            Message.objects.filter(
                recipient=e["grid1"], subject__contains="尚未填写处置结果"
            ).count()
            == 1
        )
        with pytest.raises(DomainError) as refused:
            services.alarm_act(actor=demo.user("grid1"), alarm_id=alarm.pk, act="resolve")
        assert refused.value.code == "VALIDATION_FAILED"
        alarm = services.alarm_act(
            actor=demo.user("grid1"), alarm_id=alarm.pk, act="resolve", outcome="ambulance"
        )
        assert alarm.state == AlarmState.RESOLVED and alarm.next_at is None
        assert alarm.arrived_at is not None and alarm.acked_at is not None
        with pytest.raises(DomainError) as twice:
            services.alarm_act(actor=demo.user("grid1"), alarm_id=alarm.pk, act="arrive")
        assert twice.value.code == "TRANSITION_NOT_ALLOWED"


def test_a_cancel_within_the_window_is_a_false_press_and_pages_nobody(demo):
    with time_machine.travel(at(2026, 6, 1, 9), tick=False) as clock:
        elder(demo)
        alarm = protocol.handle(topic("axl-test"), body("axl-test", "press", 1)).alarm
        clock.shift(dt.timedelta(seconds=12))
        protocol.handle(topic("axl-test"), body("axl-test", "cancel", 2))
        alarm.refresh_from_db()
        assert alarm.state == AlarmState.CANCELLED and alarm.outcome == Outcome.FALSE_PRESS
        clock.shift(dt.timedelta(seconds=600))
        services.sweep()
        assert paged(alarm) == []


def test_refused_messages_are_logged_with_their_reason(demo):
    with time_machine.travel(at(2026, 6, 1, 9), tick=False):
        e = elder(demo)
        cases = [
            (topic("axl-nobody"), body("axl-nobody", "press", 1), Refusal.UNKNOWN_DEVICE),
            (topic("axl-test"), b"{not json", Refusal.MALFORMED),
            (topic("axl-test"), body("axl-test", "explode", 1), Refusal.UNKNOWN_TYPE),
            (topic("axl-test"), body("axl-other", "press", 1), Refusal.MISMATCH),
            (topic("axl-test"), body("axl-test", "press", -3), Refusal.MALFORMED),
            ("elsewhere/axl-test/event", body("axl-test", "press", 1), Refusal.MALFORMED),
        ]
        for t, payload, reason in cases:
            assert protocol.handle(t, payload).refusal == reason, payload
        services.device_revoke(actor=demo.user("grid1"), device_id=e["device"].pk)
        event = protocol.handle(topic("axl-test"), body("axl-test", "press", 5))
        assert event.refusal == Refusal.REVOKED and event.alarm is None
        assert not Alarm.objects.filter(device=e["device"]).exists()


def test_a_redelivered_message_changes_nothing_and_an_old_heartbeat_is_stale(demo):
    with time_machine.travel(at(2026, 6, 1, 9), tick=False):
        e = elder(demo)
        first = protocol.handle(topic("axl-test"), body("axl-test", "press", 7))
        again = protocol.handle(topic("axl-test"), body("axl-test", "press", 7))
        assert first.refusal == "" and again.refusal == Refusal.DUPLICATE
        assert Alarm.objects.filter(device=e["device"]).count() == 1
        assert protocol.handle(topic("axl-test"), body("axl-test", "heartbeat", 3)).refusal == (
            Refusal.STALE
        )
        assert DeviceEvent.objects.filter(device=e["device"], refusal="").count() == 1


def test_silence_and_the_last_will_mark_offline_and_an_active_alarm_escalates_at_once(demo):
    with time_machine.travel(at(2026, 6, 1, 9), tick=False) as clock:
        e = elder(demo)
        protocol.handle(topic("axl-test"), body("axl-test", "heartbeat", 1, battery=15))
        device = e["device"]
        device.refresh_from_db()
        assert device.online and device.battery == 15
        assert Message.objects.filter(recipient=e["grid1"], kind="alarm_device").count() == 1
        clock.shift(dt.timedelta(hours=1))
        services.sweep()
        device.refresh_from_db()
        assert not device.online
        assert Message.objects.filter(recipient=e["grid1"], subject__contains="离线").exists()
        # Back online, a press, then the last will before anyone was paged.
        alarm = protocol.handle(topic("axl-test"), body("axl-test", "press", 2)).alarm
        assert paged(alarm) == []
        protocol.handle(topic("axl-test", "status"), b'{"state": "offline"}')
        assert paged(alarm) == [e["neighbour"].pk, e["grid1"].pk]


def test_only_those_responsible_see_an_alarm(demo):
    with time_machine.travel(at(2026, 6, 1, 9), tick=False) as clock:
        e = elder(demo)
        alarm = protocol.handle(topic("axl-test"), body("axl-test", "press", 1)).alarm
        with pytest.raises(NotFound):
            services.alarm_act(actor=demo.user("grid2"), alarm_id=alarm.pk, act="ack")
        assert not Alarm.objects.visible_to(demo.user("resident")).filter(pk=alarm.pk).exists()
        clock.shift(dt.timedelta(seconds=30))
        services.sweep()
        assert e["neighbour"].pk in paged(alarm)


def test_the_demo_has_buttons_for_lonely_elders_one_offline_and_a_month_of_alarms(demo):
    from tongxin.alarms.models import Device
    from tongxin.people.models import CareTag

    devices = Device.objects.all()
    assert devices.count() >= 10
    alone = set(CareTag.objects.filter(kind="living_alone").values_list("person_id", flat=True))
    assert all(d.person_id in alone for d in devices)
    assert devices.filter(online=False).count() == 1
    assert devices.filter(grid=demo.grid(1)).exists()
    past = Alarm.objects.filter(device__in=devices)
    assert past.filter(state=AlarmState.RESOLVED).exists()
    assert past.filter(outcome=Outcome.FALSE_PRESS).exists()
    assert not past.filter(state__in=["open", "acknowledged"]).exists()


def test_the_policy_form_refuses_steps_that_cannot_run(db):
    from tongxin.alarms.admin import EscalationPolicyForm

    base = {
        "code": "p",
        "name": "p",
        "cancel_window": 30,
        "arrive_within": 900,
        "remind_every": 600,
    }
    for steps in (
        "[]",
        '[{"wait": -1, "notify": ["helpers"]}]',
        '[{"wait": 5, "notify": ["boss"]}]',
    ):
        assert not EscalationPolicyForm(data={**base, "steps": steps}).is_valid(), steps
    ok = EscalationPolicyForm(data={**base, "steps": '[{"wait": 5, "notify": ["helpers"]}]'})
    assert ok.is_valid(), ok.errors


def test_offline_and_low_battery_are_a_visit_task_on_the_grid_workers_worklist(demo):
    """Offline and a low battery put one visit task (visits' worklist) on the grid worker; a
    second problem while it is open adds no second task; a home visit closes it; a later
    problem opens a new one."""
    from tongxin.visits import services as visits
    from tongxin.visits.models import TaskState, VisitTask

    def device_tasks(person):
        return VisitTask.objects.filter(person=person, trigger="alarm_device").order_by("pk")

    with time_machine.travel(at(2026, 6, 1, 9), tick=False) as clock:
        e = elder(demo)
        protocol.handle(topic("axl-test"), body("axl-test", "heartbeat", 1, battery=80))
        assert not device_tasks(e["person"]).exists()
        clock.shift(dt.timedelta(hours=1))
        services.sweep()  # silent for an hour: offline
        (task,) = device_tasks(e["person"])
        assert task.state == TaskState.OPEN and task.assignee_id == e["grid1"].pk
        assert VisitTask.objects.visible_to(demo.user("grid1")).filter(pk=task.pk).exists()
        offline = Message.objects.get(recipient=e["grid1"], subject__contains="离线")
        assert offline.link == f"/visits/{task.pk}/"
        # Back, with a low battery: the open task stands, no second one.
        protocol.handle(topic("axl-test"), body("axl-test", "heartbeat", 2, battery=10))
        assert device_tasks(e["person"]).count() == 1
        assert Message.objects.filter(recipient=e["grid1"], subject__contains="电量低").exists()
        # The grid worker goes and changes the battery: the home visit closes the task.
        visits.visit_record(actor=demo.user("grid1"), task_id=task.pk, method="home")
        task.refresh_from_db()
        assert task.state == TaskState.DONE
        # The next day the button falls silent again: a new task.
        clock.shift(dt.timedelta(days=1))
        services.sweep()
        assert list(device_tasks(e["person"]).values_list("state", flat=True)) == [
            TaskState.DONE,
            TaskState.OPEN,
        ]


def test_an_acknowledged_alarm_whose_device_goes_offline_lapses_and_pages_at_once(demo):
    with time_machine.travel(at(2026, 6, 1, 9), tick=False) as clock:
        e = elder(demo)
        protocol.handle(topic("axl-test"), body("axl-test", "heartbeat", 1))
        alarm = protocol.handle(topic("axl-test"), body("axl-test", "press", 2)).alarm
        clock.shift(dt.timedelta(seconds=30))
        services.sweep()
        first = len(paged(alarm))
        services.alarm_act(actor=demo.user("grid1"), alarm_id=alarm.pk, act="ack")
        clock.shift(dt.timedelta(seconds=10))
        protocol.handle(topic("axl-test", "status"), b'{"state": "offline"}')
        alarm.refresh_from_db()
        # Well before the arrival deadline: back to open and the next step paged now.
        assert alarm.state == AlarmState.OPEN
        assert len(paged(alarm)) > first
        assert Message.objects.filter(recipient=e["grid1"], subject__contains="到场超时").exists()
