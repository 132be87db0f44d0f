"""Shared handles for the alarm tests: a resident living alone in grid 1 with a 爱心铃, paired
for 天天敲门 with a neighbour (a fresh resident) and grid1, a family contact; and messages built
as the device sends them."""

from __future__ import annotations

import datetime as dt
import json
import socket
import time
from typing import Any

from django.utils import timezone

from tongxin.alarms import services
from tongxin.alarms.config import topic_root
from tongxin.visits import services as visits
from tongxin.visits.tests.helpers import fresh, head_building, tag


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(y, m, d, h, mi))


def elder(demo: Any, code: str = "axl-test") -> dict[str, Any]:
    person, neighbour, son = fresh(demo, under=head_building(demo), n=3, skip=20)
    tag(person, "living_alone")
    visits.pair_create(
        person=person,
        helpers=[(neighbour, "neighbour"), (demo.user("grid1").person, "grid_worker")],
    )
    device, secret = services.device_register(
        actor=demo.user("grid1"), person=person, code=code, conditions="高血压", family=[son]
    )
    return {
        "person": person,
        "neighbour": neighbour,
        "son": son,
        "device": device,
        "secret": secret,
        "grid1": demo.user("grid1").person,
    }


def topic(code: str, channel: str = "event") -> str:
    return f"{topic_root()}/{code}/{channel}"


def body(code: str, kind: str, seq: int, **extra: Any) -> bytes:
    from tongxin.core import clock

    return json.dumps(
        {"device": code, "type": kind, "seq": seq, "at": clock.now().isoformat(), **extra}
    ).encode()


def broker_up(host: str = "127.0.0.1", port: int = 1883) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


def forget(client_id: str) -> None:
    """Drop the persistent session a test's listener left on the shared broker."""
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    time.sleep(0.1)
    client.disconnect()
    client.loop_stop()
