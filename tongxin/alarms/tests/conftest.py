from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tongxin.core import tokens

from .helpers import broker_up, forget


@pytest.fixture(autouse=True)
def _own_topics(settings):
    """Each test its own topic root, so that parallel runs on one broker never cross."""
    settings.TONGXIN_ALARM_TOPIC_ROOT = f"test-{tokens.mint(12).lower()}/alarm"


@pytest.fixture
def listener() -> Iterator[object]:
    """A listener connected to the real Mosquitto (its own session, dropped afterwards);
    the test calls ``process`` itself, in its own transaction."""
    from tongxin.alarms.mqtt import Listener

    if not broker_up():
        pytest.fail("Mosquitto is not running on 127.0.0.1:1883")
    it = Listener(client_id=f"test-listener-{tokens.mint(8)}")
    it.start()
    assert it.connected.wait(5), "the listener did not connect"
    time.sleep(0.2)  # the subscription's SUBACK
    yield it
    it.stop()
    forget(it.client_id)
