"""The eldercare alarm's benchmark (issue 18): ``python bench/alarms.py`` (``make bench-alarms``).

Its own database, PostgreSQL ``tongxin_bench_alarms`` (``--sqlite``: ``var/bench/alarms.sqlite3``),
holding the demo community (generated once, seed 2026) and ``--devices`` (1,000) registered
buttons ``bench-0000``… on its residents, under an escalation policy ``bench`` whose first
step pages at once (no cancel window, wait 0: the moment measured is the system's, not the
policy's). Each run, through the real Mosquitto (127.0.0.1:1883) under a topic root of its own:

1. the **anchor**: ``--presses`` (50) bare QoS 1 publishes at once to a subscriber in this
   process (no database): publish → delivery, median and p95 in ms;
2. the listener (``manage.py alarm_listener``) and the task worker (``manage.py worker
   --queue-name *``, as ``manage.py serve`` runs them) start as processes of their own;
3. ``--devices`` buttons connect (each with its last will; each says it is online), and all
   but the pressing ones send heartbeats, ``--rate`` (20) a second in all (each button every
   50 s; a real one beats every 10 minutes), until the end;
4. ``--presses`` buttons press at once (a barrier): for each, publish → the alarm's row
   (the listener) and publish → its first notification row (``inbox.Message``; the ``bench``
   policy pages at once, so the listener writes it in the press's own transaction), median
   and p95 in ms; every press must open exactly one alarm.

It prints the figures side by side with the anchor, and fails (exit 1) on a press lost or
doubled. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import multiprocessing
import os
import queue
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import run as bench_run  # noqa: E402  (bench/run.py: settings, database)

DATABASE = "tongxin_bench_alarms"
SEED = 2026


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--devices", type=int, default=1_000, help="buttons connected (1,000)")
    parser.add_argument("--presses", type=int, default=50, help="simultaneous presses (50)")
    parser.add_argument("--rate", type=float, default=20.0, help="heartbeats a second (20)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait (120)")
    parser.add_argument(
        "--database", default=DATABASE, help=f"PostgreSQL database name ({DATABASE})"
    )
    return parser.parse_args(argv)


def configure(args: argparse.Namespace) -> tuple[str, dict[str, str]]:
    """Django pointed at the benchmark's database; the environment its subprocesses need."""
    bench_run.pg_database_name = lambda scale: args.database
    ns = argparse.Namespace(postgres=not args.sqlite, scale="alarms")
    label = bench_run.configure_django(ns)
    from django.conf import settings

    db = settings.DATABASES["default"]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if db["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}{':' + db['PASSWORD'] if db.get('PASSWORD') else ''}"
            f"@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    return label, env


def wall() -> float:
    """Seconds since the epoch, through the house clock (the real one here)."""
    from tongxin.core import clock

    return clock.now().timestamp()


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


# ---------------------------------------------------------------------------- data


def prepare(args: argparse.Namespace) -> list[str]:
    from django.core.management import call_command
    from django.db import transaction

    from tongxin.alarms.models import (
        ACTIVE_STATES,
        Alarm,
        Device,
        EscalationPolicy,
        Outcome,
    )
    from tongxin.core import clock
    from tongxin.people.models import Person
    from tongxin.places.models import Place

    call_command("migrate", interactive=False, verbosity=0)
    if not Place.objects.exists():
        from tongxin.demo.generator import DemoGenerator

        t0 = time.perf_counter()
        DemoGenerator(seed=SEED, scale="community").run()
        print(f"generated the demo community in {time.perf_counter() - t0:.0f} s")
    policy, _created = EscalationPolicy.objects.update_or_create(
        code="bench",
        defaults={
            "name": "bench",
            "steps": [
                {"wait": 0, "notify": ["helpers", "grid_worker"]},
                {"wait": 60, "notify": ["duty"]},
            ],
            "cancel_window": 0,
            "arrive_within": 3600,
            "remind_every": 3600,
        },
    )
    codes = [f"bench-{i:04d}" for i in range(args.devices)]
    have = set(Device.objects.filter(code__in=codes).values_list("code", flat=True))
    missing = [c for c in codes if c not in have]
    if missing:
        people = list(
            Person.objects.filter(place__isnull=False, grid__isnull=False, is_active=True)
            .exclude(pk__in=Device.objects.values("person_id"))
            .order_by("pk")[: len(missing)]
        )
        if len(people) < len(missing):
            raise SystemExit(f"only {len(people)} residents for {len(missing)} buttons")
        Device.objects.bulk_create(
            [
                Device(
                    code=code,
                    person=p,
                    place_id=p.place_id,
                    place_path=p.place_path,
                    grid_id=p.grid_id,
                    policy=policy,
                )
                for code, p in zip(missing, people, strict=True)
            ],
            batch_size=500,
        )
    # A previous run's alarms are over: each press of this run opens a new one.
    with transaction.atomic():
        Alarm.objects.filter(device__code__in=codes, state__in=ACTIVE_STATES).update(
            state="resolved", outcome=Outcome.HANDLED, closed_at=clock.now(), next_at=None
        )
        Device.objects.filter(code__in=codes).update(online=False, policy=policy)
    return codes


# ---------------------------------------------------------------------------- the anchor


def anchor(n: int, root: str) -> list[float]:
    """``n`` bare QoS 1 publishes at once to one subscriber: ms from publish to delivery."""
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    from tongxin.alarms.config import broker

    host, port = broker()
    got: dict[str, float] = {}
    done = threading.Event()

    def on_message(_c: Any, _u: Any, message: Any) -> None:
        got[message.topic] = wall()
        if len(got) >= n:
            done.set()

    ready = threading.Event()
    sub = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"{root}-anchor-sub")
    sub.on_message = on_message
    sub.on_subscribe = lambda *_a: ready.set()
    sub.connect(host, port)
    sub.loop_start()
    sub.subscribe(f"{root}/anchor/#", qos=1)
    ready.wait(5)
    pubs = []
    for i in range(n):
        c = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"{root}-anchor-{i}")
        c.connect(host, port)
        c.loop_start()
        pubs.append(c)
    time.sleep(0.5)
    sent: dict[str, float] = {}
    barrier = threading.Barrier(n)

    def fire(i: int) -> None:
        topic = f"{root}/anchor/{i}"
        barrier.wait()
        sent[topic] = wall()
        pubs[i].publish(topic, json.dumps({"type": "press", "seq": i}), qos=1).wait_for_publish(5)

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.wait(10)
    for c in [*pubs, sub]:
        c.disconnect()
        c.loop_stop()
    return [(got[t] - sent[t]) * 1000 for t in sent if t in got]


# ---------------------------------------------------------------------------- the run


def start(env: dict[str, str], root: str, listener_id: str) -> list[subprocess.Popen[bytes]]:
    env = {**env, "TONGXIN_ALARM_TOPIC_ROOT": root, "TONGXIN_ALARM_LISTENER_ID": listener_id}
    manage = [sys.executable, str(ROOT / "manage.py")]
    out = subprocess.DEVNULL
    return [
        subprocess.Popen([*manage, "alarm_listener"], env=env, cwd=ROOT, stdout=out),  # noqa: S603
        subprocess.Popen(  # noqa: S603 — our own manage.py with fixed arguments
            [*manage, "worker", "--queue-name", "*", "--no-reload"], env=env, cwd=ROOT, stdout=out
        ),
    ]


def forget(client_id: str) -> None:
    """Drop the persistent session the listener left on the broker."""
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    from tongxin.alarms.config import broker

    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
    client.connect(*broker())
    client.loop_start()
    time.sleep(0.2)
    client.disconnect()
    client.loop_stop()


PER_PROCESS = 200


def connect(make: Any, code: str) -> Any:
    button = make(code)
    try:
        return button.connect(timeout=30)
    except TimeoutError:  # a loaded machine: once more, the first attempt stopped
        button.client.loop_stop()
        button.client.disconnect()
        return make(code).connect(timeout=60)


def beat(codes: list[str], rate: float, ready: Any, halt: Any) -> None:
    """A child process: connect these buttons, say so, then beat ``rate`` a second in all
    until halted; a clean goodbye each."""
    from tongxin.alarms.mqtt import Button
    from tongxin.core import clock

    buttons = []
    for c in codes:
        try:
            buttons.append(connect(Button, c))
        except (TimeoutError, RuntimeError):  # dropped while connecting on a loaded machine
            continue
    ready.put(len(buttons))
    gap = 1.0 / rate if rate > 0 else 1.0
    i = 0
    nxt = time.monotonic()
    while not halt.is_set() and buttons:
        b = buttons[i % len(buttons)]
        b.seq += 1
        body = {"device": b.code, "type": "heartbeat", "seq": b.seq, "battery": 90}
        body["at"] = clock.now().isoformat()
        b.client.publish(b.event_topic, json.dumps(body), qos=1)
        i += 1
        nxt += gap
        halt.wait(max(0.0, nxt - time.monotonic()))
    for b in buttons:
        with contextlib.suppress(Exception):
            b.close()


def wait_until(check: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    label, env = configure(args)
    from django.conf import settings

    from tongxin.alarms.models import Alarm, DeviceEvent
    from tongxin.alarms.mqtt import Button
    from tongxin.core import tokens
    from tongxin.inbox.models import Message

    print(f"alarm benchmark on {label}")
    codes = prepare(args)
    root = f"bench-{tokens.mint(8).lower()}/alarm"
    settings.TONGXIN_ALARM_TOPIC_ROOT = root
    listener_id = f"bench-listener-{tokens.mint(8).lower()}"

    anchor_ms = anchor(args.presses, root.split("/")[0])
    procs = start(env, root, listener_id)
    buttons: list[Button] = []
    stop = threading.Event()
    kids: list[Any] = []
    halt: Any = threading.Event()
    failed = False
    try:
        # The listener has subscribed when a probe's heartbeat is written (what is published
        # before that reaches no one).
        probe = connect(Button, codes[0])
        probe_since = dt.datetime.fromtimestamp(wall(), tz=dt.UTC)
        beat_seen = DeviceEvent.objects.filter(
            device__code=codes[0], kind="heartbeat", received_at__gte=probe_since
        )
        deadline = time.monotonic() + args.timeout
        while not beat_seen.exists() and time.monotonic() < deadline:
            probe.send("heartbeat")
            time.sleep(1)
        probe.close()
        t0 = time.perf_counter()
        since = wall()
        # paho waits with select(), which takes no descriptor above 1,024 (each client holds
        # about three): the buttons that only beat live in child processes of ~200 each; the
        # pressing ones here.
        press_codes = codes[: args.presses]
        beat_codes = codes[args.presses :]
        parts = [beat_codes[i : i + PER_PROCESS] for i in range(0, len(beat_codes), PER_PROCESS)]
        ctx = multiprocessing.get_context("fork")
        ready: Any = ctx.Queue()
        halt = ctx.Event()
        from django.db import connections

        connections.close_all()  # no connection crosses the fork
        share = args.rate / max(1, len(parts))
        kids = [ctx.Process(target=beat, args=(p, share, ready, halt)) for p in parts]
        for k in kids:
            k.start()
        for code in press_codes:
            buttons.append(connect(Button, code))
        counts = []
        for _k in kids:
            try:
                counts.append(ready.get(timeout=300))
            except queue.Empty:  # a child died connecting
                counts.append(0)
        connect_s = time.perf_counter() - t0
        online = DeviceEvent.objects.filter(device__code__in=codes, kind="status:online")

        after = dt.datetime.fromtimestamp(since, tz=dt.UTC)
        absorbed = wait_until(
            lambda: online.filter(received_at__gte=after).count() >= len(codes), args.timeout
        )
        absorb_s = time.perf_counter() - t0
        print(
            f"{len(buttons) + sum(counts)} buttons connected in {connect_s:.1f} s "
            f"({len(kids)} processes beating, this one pressing); their {len(codes)} "
            f"'online' messages written by {absorb_s:.1f} s"
            + ("" if absorbed else " (NOT all, timed out)")
        )
        pressers = buttons
        time.sleep(5)  # the heartbeat load settles

        sent: dict[str, float] = {}
        barrier = threading.Barrier(len(pressers))

        def press(b: Button) -> None:
            barrier.wait()
            sent[b.code] = wall()
            b.send("press")

        threads = [threading.Thread(target=press, args=(b,)) for b in pressers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        press_codes = [b.code for b in pressers]
        first_at = dt.datetime.fromtimestamp(min(sent.values()) - 1, tz=dt.UTC)

        def alarms() -> Any:
            return Alarm.objects.filter(device__code__in=press_codes, created_at__gte=first_at)

        def paged() -> dict[int, Any]:
            ids = {f"alarm:{pk}": pk for pk in alarms().values_list("pk", flat=True)}
            rows: dict[int, Any] = {}
            for topic, at in Message.objects.filter(topic__in=list(ids)).values_list(
                "topic", "created_at"
            ):
                pk = ids[topic]
                rows[pk] = min(at, rows.get(pk, at))
            return rows

        complete = wait_until(lambda: len(paged()) >= len(pressers), args.timeout)
        stop.set()
        rows = list(alarms().values_list("pk", "device__code", "created_at"))
        firsts = paged()
        to_alarm = [(at.timestamp() - sent[code]) * 1000 for _pk, code, at in rows]
        to_page = [
            (firsts[pk].timestamp() - sent[code]) * 1000 for pk, code, _at in rows if pk in firsts
        ]
        per_device = {code for _pk, code, _at in rows}
        lost = len(pressers) - len(per_device)
        doubled = len(rows) - len(per_device)
        print(f"heartbeats meanwhile: {args.rate:.0f}/s from {len(beat_codes)} buttons")
        print()
        print(f"| {args.presses} presses at once | median | p95 | max |")
        print("|---|---|---|---|")
        for name, values in (
            ("anchor: bare publish → subscriber (no database)", anchor_ms),
            ("publish → alarm row (listener)", to_alarm),
            ("publish → first notification row", to_page),
        ):
            if values:
                print(
                    f"| {name} | {statistics.median(values):.0f} ms | {pct(values, 95):.0f} ms "
                    f"| {max(values):.0f} ms |"
                )
            else:
                print(f"| {name} | – | – | – |")
        if anchor_ms and to_page:
            ratio = statistics.median(to_page) / max(statistics.median(anchor_ms), 0.001)
            print(f"\nfirst notification / anchor, medians: {ratio:.0f}×")
        print(
            f"\nchecks: {len(rows)} alarms for {len(pressers)} presses; not acted on within "
            f"{args.timeout:.0f} s: {lost}; doubled "
            f"{doubled}; paged {len(firsts)}" + ("" if complete else " (timed out)")
        )
        failed = bool(lost or doubled or not complete)
    finally:
        stop.set()
        halt.set()
        for k in kids:
            k.join(30)
        for b in buttons:
            with contextlib.suppress(Exception):  # best effort at the end
                b.close()
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        forget(listener_id)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
