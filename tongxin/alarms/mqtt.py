"""The MQTT side of the alarm: the ``Listener`` (subscribes to every device's topics and feeds
each message to ``protocol.handle``) and the ``Button`` (a simulated 爱心铃 for the demo and the
tests). Both use paho-mqtt 2.

The listener keeps a persistent session (``clean_session=False``, QoS 1) and acknowledges a
message only after its transaction committed (manual acks): while it is down, or the database
is, the broker keeps the messages and delivers them again; the sequence numbers make a second
delivery harmless. paho reconnects by itself after a broker restart.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import ssl
import threading
import time
from typing import Any

import paho.mqtt.client as paho
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
)
from paho.mqtt.enums import CallbackAPIVersion

from tongxin.core import clock

from . import config
from .services import protocol

log = logging.getLogger("tongxin.alarms")


def _client(client_id: str, *, clean: bool) -> paho.Client:
    client = paho.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=clean,
        protocol=paho.MQTTv311,
    )
    login = config.credentials()
    if login:
        client.username_pw_set(*login)
    if config.tls_ca():
        client.tls_set(ca_certs=config.tls_ca(), tls_version=ssl.PROTOCOL_TLS_CLIENT)
    client.reconnect_delay_set(min_delay=1, max_delay=10)
    return client


class Listener:
    """Subscribe and process. The network runs in paho's thread; ``process`` (in the caller's
    thread, which owns the database connection) handles the queued messages one by one.
    ``run`` is the process's loop and manages the connection between messages; ``process``
    alone never closes it (Django's ``close_old_connections`` inside a transaction closes
    the connection under it: on PostgreSQL every query after fails)."""

    def __init__(self, *, client_id: str = "tongxin-alarm-listener", keepalive: int = 30) -> None:
        self.inbox: queue.Queue[Any] = queue.Queue()
        self.keepalive = keepalive
        self.client_id = client_id
        self.connected = threading.Event()
        self.handled = 0
        self.client = _client(client_id, clean=False)
        self.client.manual_ack_set(True)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = lambda _c, _u, message: self.inbox.put(message)

    def start(self) -> None:
        host, port = config.broker()
        self.client.connect_async(host, port, keepalive=self.keepalive)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            log.warning("alarm listener: broker refused the connection: %s", reason)
            return
        root = config.topic_root()
        client.subscribe([(f"{root}/+/event", 1), (f"{root}/+/status", 1)])
        self.connected.set()
        log.info("alarm listener subscribed to %s/+/event", root)

    def _on_disconnect(self, *_args: Any) -> None:
        self.connected.clear()
        log.warning("alarm listener: disconnected from the broker; reconnecting")

    def process(self, timeout: float = 1.0) -> int:
        """Handle the messages waiting (the first within ``timeout`` seconds); how many."""
        done = 0
        wait = timeout
        while True:
            try:
                message = self.inbox.get(timeout=wait)
            except queue.Empty:
                return done
            self._handle(message)
            done += 1
            wait = 0.0

    def _handle(self, message: Any) -> None:
        delay = 0.5
        while True:
            try:
                protocol.handle(message.topic, message.payload)
                break
            except (OperationalError, InterfaceError) as exc:
                if connection.in_atomic_block:
                    # Inside a caller's transaction (a test's) the connection is not ours to
                    # close and reopen: the fault is the caller's to see.
                    raise
                # The database is away: keep the message (unacknowledged) and try again on a
                # new connection. Any other database error is a fault of this message, not of
                # the connection: retrying it would wedge the listener, so it is logged and
                # dropped below.
                log.warning("alarm listener: database error, retrying in %.1fs: %s", delay, exc)
                connection.close()
                time.sleep(delay)
                delay = min(delay * 2, 10.0)
            except DatabaseError:
                log.exception(
                    "alarm listener: message on %s refused by the database", message.topic
                )
                break
        self.handled += 1
        # The broker went away meanwhile: it will deliver the message again (a duplicate).
        with contextlib.suppress(ValueError, OSError):
            self.client.ack(message.mid, message.qos)

    def run(self, stop: threading.Event | None = None) -> None:
        stop = stop or threading.Event()
        self.start()
        try:
            while not stop.is_set():
                # The process owns its connection: one closed by the server, or past its
                # age, is replaced between messages, as Django does between requests.
                close_old_connections()
                self.process(timeout=0.5)
        finally:
            self.stop()


class Button:
    """A simulated 爱心铃: connects with its code as client id and a last will on its status
    topic, says it is online, and publishes events with increasing sequence numbers."""

    def __init__(self, code: str, *, password: str = "", seq: int | None = None) -> None:
        self.code = code
        self.seq = seq if seq is not None else int(clock.now().timestamp() * 1000)
        self.client = _client(code, clean=True)
        if password:
            self.client.username_pw_set(code, password)
        root = config.topic_root()
        self.event_topic = f"{root}/{code}/event"
        self.status_topic = f"{root}/{code}/status"
        self.client.will_set(self.status_topic, json.dumps({"state": "offline"}), qos=1)

    def connect(self, timeout: float = 5.0) -> Button:
        host, port = config.broker()
        ready = threading.Event()
        self.client.on_connect = lambda *_a: ready.set()
        self.client.connect(host, port, keepalive=5)
        self.client.loop_start()
        if not ready.wait(timeout):
            raise TimeoutError(f"broker {host}:{port} did not answer")
        self._publish(self.status_topic, {"state": "online"}, timeout)
        return self

    def send(self, kind: str, timeout: float = 5.0, **extra: Any) -> int:
        """Publish one event and wait until the broker has it (PUBACK); its sequence number."""
        self.seq += 1
        body = {
            "device": self.code,
            "type": kind,
            "seq": self.seq,
            "at": clock.now().isoformat(),
            **extra,
        }
        self._publish(self.event_topic, body, timeout)
        return self.seq

    def resend(self, body: dict[str, Any], timeout: float = 5.0) -> None:
        self._publish(self.event_topic, body, timeout)

    def _publish(self, topic: str, body: dict[str, Any], timeout: float) -> None:
        info = self.client.publish(topic, json.dumps(body), qos=1)
        info.wait_for_publish(timeout)
        if not info.is_published():
            raise TimeoutError("the broker did not acknowledge the message")

    def close(self) -> None:
        """A clean goodbye (no last will)."""
        self.client.disconnect()
        self.client.loop_stop()

    def kill(self) -> None:
        """Drop the connection without a goodbye, as a button whose power fails: the broker
        publishes the last will."""
        self.client.loop_stop()
        sock = self.client.socket()
        if sock is not None:
            sock.close()
