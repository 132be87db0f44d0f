"""End to end through the real Mosquitto (127.0.0.1:1883, each test under its own topic root):
the simulated button presses and the listener opens an alarm whose first step pages the paired
helper; a redelivery is logged as a duplicate; a button killed without a goodbye goes offline
through its last will; a revoked button's press is refused. And the listener survives a
restart of a broker of its own (a private Mosquitto on a free port). Bounded in time: every
wait gives up after a few seconds."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import time
from collections.abc import Callable

import pytest
import time_machine

from tongxin.alarms import services
from tongxin.alarms.models import Alarm, AlarmPage, AlarmState, DeviceEvent, Refusal
from tongxin.alarms.mqtt import Button, Listener
from tongxin.core import tokens

from .helpers import at, broker_up, elder, forget

pytestmark = [
    pytest.mark.dates,
]


def until(listener: Listener, done: Callable[[], bool], seconds: float = 8.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        listener.process(timeout=0.2)
        if done():
            return
    raise AssertionError("not done in time")


def test_a_simulated_press_opens_an_alarm_and_pages_the_paired_helper(demo, listener):
    with time_machine.travel(at(2026, 6, 1, 9), tick=False) as clock:
        e = elder(demo, code=f"axl-{tokens.mint(6).lower()}")
        button = Button(e["device"].code, seq=100).connect()
        try:
            seq = button.send("press")
            until(listener, lambda: Alarm.objects.filter(device=e["device"]).exists())
            alarm = Alarm.objects.get(device=e["device"])
            assert alarm.state == AlarmState.OPEN
            # The broker delivers the same message again (a redelivery): logged, no effect.
            button.resend(
                {
                    "device": e["device"].code,
                    "type": "press",
                    "seq": seq,
                    "at": "2026-06-01T01:00:00Z",
                }
            )
            until(
                listener,
                lambda: DeviceEvent.objects.filter(
                    refusal=Refusal.DUPLICATE, device=e["device"]
                ).exists(),
            )
            assert Alarm.objects.filter(device=e["device"]).count() == 1
            clock.shift(dt.timedelta(seconds=30))  # the first step's wait
            services.sweep()
            assert AlarmPage.objects.filter(alarm=alarm, person=e["neighbour"]).exists()
        finally:
            button.close()


def test_a_button_killed_without_a_goodbye_goes_offline_through_its_last_will(demo, listener):
    with time_machine.travel(at(2026, 6, 1, 9), tick=False):
        e = elder(demo, code=f"axl-{tokens.mint(6).lower()}")
        device = e["device"]
        button = Button(device.code, seq=1).connect()
        button.send("heartbeat", battery=90)
        until(listener, lambda: type(device).objects.get(pk=device.pk).online)
        button.kill()
        until(listener, lambda: not type(device).objects.get(pk=device.pk).online, seconds=15)
        assert DeviceEvent.objects.filter(device=device, kind="status:offline").exists()


def test_a_revoked_buttons_press_is_refused(demo, listener):
    with time_machine.travel(at(2026, 6, 1, 9), tick=False):
        e = elder(demo, code=f"axl-{tokens.mint(6).lower()}")
        services.device_revoke(actor=demo.user("grid1"), device_id=e["device"].pk)
        button = Button(e["device"].code, seq=1).connect()
        try:
            button.send("press")
            until(
                listener,
                lambda: DeviceEvent.objects.filter(
                    device=e["device"], kind="press", refusal=Refusal.REVOKED
                ).exists(),
            )
        finally:
            button.close()
        assert not Alarm.objects.filter(device=e["device"]).exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _mosquitto(port: int, tmp_path) -> subprocess.Popen:
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    proc = subprocess.Popen(  # noqa: S603
        ["/usr/sbin/mosquitto", "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 5
    while not broker_up(port=port):
        assert time.monotonic() < deadline, "the private broker did not start"
        time.sleep(0.05)
    return proc


def test_the_listener_survives_a_broker_restart(demo, settings, tmp_path):
    port = _free_port()
    settings.TONGXIN_MQTT_PORT = port
    broker = _mosquitto(port, tmp_path)
    it = Listener(client_id=f"test-listener-{tokens.mint(8)}")
    try:
        with time_machine.travel(at(2026, 6, 1, 9), tick=False):
            e = elder(demo, code=f"axl-{tokens.mint(6).lower()}")
            it.start()
            assert it.connected.wait(5)
            broker.terminate()
            broker.wait(5)
            deadline = time.monotonic() + 5
            while it.connected.is_set() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not it.connected.is_set()
            broker = _mosquitto(port, tmp_path)
            assert it.connected.wait(15), "the listener did not reconnect"
            time.sleep(0.2)
            button = Button(e["device"].code, seq=5).connect()
            try:
                button.send("press")
                until(it, lambda: Alarm.objects.filter(device=e["device"]).exists())
            finally:
                button.close()
            assert DeviceEvent.objects.filter(device=e["device"], kind="press").count() == 1
    finally:
        it.stop()
        broker.terminate()
        broker.wait(5)


def test_presses_while_the_listener_is_down_arrive_when_it_is_back_once_each(demo):
    """The listener's session is persistent: the broker keeps what came while it was away,
    and a message handled but not yet acknowledged when it stopped is redelivered and logged
    as a duplicate, never acted on twice."""
    name = f"test-listener-{tokens.mint(8)}"
    with time_machine.travel(at(2026, 6, 1, 9), tick=False):
        e = elder(demo, code=f"axl-{tokens.mint(6).lower()}")
        first = Listener(client_id=name)
        first.start()
        assert first.connected.wait(5)
        time.sleep(0.2)
        first.stop()
        button = Button(e["device"].code, seq=10).connect()
        try:
            button.send("heartbeat")
            button.send("press")
        finally:
            button.close()
        second = Listener(client_id=name)
        second.start()
        try:
            until(second, lambda: Alarm.objects.filter(device=e["device"]).exists())
            until(second, lambda: DeviceEvent.objects.filter(device=e["device"], seq=11).exists())
        finally:
            second.stop()
            forget(name)
        assert DeviceEvent.objects.filter(device=e["device"], refusal="", seq__gt=0).count() == 2
        assert Alarm.objects.filter(device=e["device"]).count() == 1


def test_the_simulator_command_presses_a_demo_button_in_grid_1(demo, listener):
    """``manage.py alarm_device --press --demo-grid 1`` exits once the broker has the press;
    the listener opens an alarm on that demo device."""
    from django.core.management import call_command

    from tongxin.alarms.models import Device

    device = Device.objects.filter(grid=demo.grid(1)).order_by("-online", "code").first()
    assert device is not None and device.code.startswith("axl-demo-")
    call_command("alarm_device", "--press", "--demo-grid", "1")
    until(listener, lambda: Alarm.objects.filter(device=device, state=AlarmState.OPEN).exists())
