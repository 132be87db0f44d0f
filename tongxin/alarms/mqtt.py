"""The MQTT side of the alarm: the ``Listener`` (subscribes to every device's topics and feeds
each message to the protocol) and the ``Button`` (a simulated 爱心铃 for the demo and the
tests). Both use paho-mqtt 2.

The listener keeps a persistent session (MQTT 5, clean start off, a session that does not
expire, QoS 1) and acknowledges a message only after its transaction committed (manual
acks): while it is down, or the database is, the broker keeps the messages and delivers them
again; the sequence numbers make a second delivery harmless. paho reconnects by itself after
a broker restart.

A press must never wait behind heartbeats (issue 18: 1,000 buttons beating 20 times a second
put the presses minutes behind a queue at the broker). So the listener takes in everything
the broker has (its Receive Maximum lets the broker send thousands unacknowledged, where
MQTT 3.1.1 holds 20) and sorts it into lanes (``protocol.lane``): a press, cancel, fall or
last will is handled at once, one transaction each, before anything else waiting; heartbeats,
battery reports and ``online`` statuses are gathered for ``TONGXIN_ALARM_BEAT_FLUSH`` seconds
and written in one transaction (``protocol.handle_beats``); the rest, one by one. One
device's gathered beats are written before its own urgent message, so that its sequence
numbers are checked in the order they came and a last will is never undone by a heartbeat
that came before it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import queue
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass
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
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from tongxin.core import clock

from . import config
from .services import protocol

log = logging.getLogger("tongxin.alarms")

NEVER_EXPIRES = 0xFFFFFFFF  # MQTT 5's session expiry interval for "keep it"
BEAT_BATCH = 2000  # beats written in one transaction at most
WORK_SLICE = 5.0  # seconds ``process`` works before it returns (``run`` recycles connections)


def _client(client_id: str, *, clean: bool, v5: bool = False) -> paho.Client:
    if v5:
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5)
    else:
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


@dataclass
class _Incoming:
    message: Any
    lane: str
    code: str
    at: dt.datetime  # received
    session: int  # the connection it came on: acknowledged on that one only


class Listener:
    """Subscribe and process. The network runs in paho's thread, which only queues what
    arrives; ``process`` (in the caller's thread, which owns the database connection) sorts
    it into lanes and handles it: urgent first, the gathered beats when due, then the rest.
    ``run`` is the process's loop and manages the connection between rounds; ``process``
    alone never closes it (Django's ``close_old_connections`` inside a transaction closes the
    connection under it: on PostgreSQL every query after fails)."""

    def __init__(
        self,
        *,
        client_id: str = "tongxin-alarm-listener",
        keepalive: int = 30,
        flush_every: float | None = None,
    ) -> None:
        self.inbox: queue.Queue[tuple[Any, int, dt.datetime]] = queue.Queue()
        self.urgent: deque[_Incoming] = deque()
        self.others: deque[_Incoming] = deque()
        self.beats: list[_Incoming] = []
        self.beats_since = 0.0  # monotonic time of the oldest gathered beat
        self.flush_every = config.beat_flush() if flush_every is None else flush_every
        self.keepalive = keepalive
        self.client_id = client_id
        self.connected = threading.Event()
        self.session = 0
        self.handled = 0
        self.client = _client(client_id, clean=False, v5=True)
        self.client.manual_ack_set(True)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    def start(self) -> None:
        host, port = config.broker()
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = NEVER_EXPIRES
        props.ReceiveMaximum = config.receive_maximum()
        self.client.connect_async(
            host, port, keepalive=self.keepalive, clean_start=False, properties=props
        )
        self.client.loop_start()

    def stop(self) -> None:
        """Disconnect. Beats gathered and not yet written stay unacknowledged: the broker
        delivers them again to the next listener of this session."""
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            log.warning("alarm listener: broker refused the connection: %s", reason)
            return
        self.session += 1
        root = config.topic_root()
        client.subscribe([(f"{root}/+/event", 1), (f"{root}/+/status", 1)])
        self.connected.set()
        log.info("alarm listener subscribed to %s/+/event", root)

    def _on_disconnect(self, *_args: Any) -> None:
        self.connected.clear()
        log.warning("alarm listener: disconnected from the broker; reconnecting")

    def _on_message(self, _c: Any, _u: Any, message: Any) -> None:
        self.inbox.put((message, self.session, clock.now()))

    # ------------------------------------------------------------------------- processing
    def idle(self) -> bool:
        """Nothing received is left unhandled."""
        return self.inbox.empty() and not (self.urgent or self.others or self.beats)

    def process(self, timeout: float = 1.0) -> int:
        """Handle what has arrived (waiting up to ``timeout`` seconds for something to do):
        every urgent message first, then the beats if they are due, then the rest; again
        until nothing is left but beats not yet due. How many messages were handled."""
        done = 0
        self._take(timeout)
        started = time.monotonic()
        while time.monotonic() - started < WORK_SLICE:
            self._take(0)
            if self.urgent:
                done += self._urgent_one()
            elif self.beats and self._beats_due():
                done += self._write_beats(self.beats)
            elif self.others:
                item = self.others.popleft()
                self._handle(item)
                done += 1
            else:
                break
        return done

    def _beats_due(self) -> bool:
        return (
            len(self.beats) >= BEAT_BATCH or time.monotonic() - self.beats_since >= self.flush_every
        )

    def _take(self, timeout: float) -> None:
        """Sort what the network thread has queued into the lanes, waiting up to ``timeout``
        (no longer than until the gathered beats are due) for the first of it."""
        if self.beats:
            timeout = min(timeout, max(0.0, self.beats_since + self.flush_every - time.monotonic()))
        try:
            first = self.inbox.get(timeout=timeout) if timeout > 0 else self.inbox.get_nowait()
        except queue.Empty:
            return
        got = [first]
        with contextlib.suppress(queue.Empty):
            while True:
                got.append(self.inbox.get_nowait())
        for message, session, at in got:
            lane, code = protocol.lane(message.topic, message.payload)
            item = _Incoming(message, lane, code, at, session)
            if lane == protocol.URGENT:
                self.urgent.append(item)
            elif lane == protocol.BEAT:
                if not self.beats:
                    self.beats_since = time.monotonic()
                self.beats.append(item)
            else:
                self.others.append(item)

    def _urgent_one(self) -> int:
        """The next urgent message, after its own device's gathered beats (which came
        before it)."""
        item = self.urgent.popleft()
        done = 0
        mine = [b for b in self.beats if b.code == item.code] if item.code else []
        if mine:
            done += self._write_beats(mine)
        self._handle(item)
        return done + 1

    def _write_beats(self, items: list[_Incoming]) -> int:
        """Write gathered beats in one transaction; acknowledge them once it committed."""
        delay = 0.5
        beats = [protocol.Beat(i.message.topic, i.message.payload, i.at) for i in items]
        while True:
            try:
                protocol.handle_beats(beats)
                break
            except (OperationalError, InterfaceError) as exc:
                if connection.in_atomic_block:
                    raise
                delay = self._database_away(exc, delay)
            except DatabaseError:
                # One of them the database refuses: each alone, so that only that one is lost.
                log.exception("alarm listener: a batch of %d beats refused; one by one", len(items))
                self._forget_beats(items)
                for item in items:
                    self._handle(item)
                return len(items)
        self._forget_beats(items)
        for item in items:
            self._ack(item)
        return len(items)

    def _forget_beats(self, items: list[_Incoming]) -> None:
        gone = {id(i) for i in items}
        self.beats = [b for b in self.beats if id(b) not in gone]
        if self.beats:
            self.beats_since = time.monotonic()

    def _database_away(self, exc: Exception, delay: float) -> float:
        # The database is away: keep the message (unacknowledged) and try again on a new
        # connection. Any other database error is a fault of the message, not of the
        # connection: retrying it would wedge the listener, so it is logged and dropped.
        log.warning("alarm listener: database error, retrying in %.1fs: %s", delay, exc)
        connection.close()
        time.sleep(delay)
        return min(delay * 2, 10.0)

    def _handle(self, item: _Incoming) -> None:
        message = item.message
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
                delay = self._database_away(exc, delay)
            except DatabaseError:
                log.exception(
                    "alarm listener: message on %s refused by the database", message.topic
                )
                break
        self._ack(item)

    def _ack(self, item: _Incoming) -> None:
        self.handled += 1
        if item.session != self.session:
            # It came on an earlier connection: the broker delivers it again on this one (a
            # duplicate); an acknowledgement now could name another message.
            return
        # The broker went away meanwhile: it will deliver the message again (a duplicate).
        with contextlib.suppress(ValueError, OSError):
            self.client.ack(item.message.mid, item.message.qos)

    def run(self, stop: threading.Event | None = None) -> None:
        stop = stop or threading.Event()
        self.start()
        try:
            while not stop.is_set():
                # The process owns its connection: one closed by the server, or past its
                # age, is replaced between rounds, as Django does between requests.
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
