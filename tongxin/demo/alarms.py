"""The eldercare alarm in the demo: a 爱心铃 for each resident living alone who has a 天天敲门
pair (up to 24), online with a recent heartbeat — but one offline since this morning and one
with a low battery — each with a family contact from another household, and a past month of
alarms: most acknowledged within a few minutes and settled at the dwelling, some false presses
(cancelled on the button, or settled as such by phone), one where 120 was called.

Dated from the clock's now; deterministic from the seed. Rows are written as the services leave
them, in bulk, without notifications."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from tongxin.alarms.models import (
    Alarm,
    AlarmKind,
    AlarmPage,
    AlarmState,
    Device,
    DeviceState,
    Outcome,
)
from tongxin.core import clock
from tongxin.people.models import CareTag, Person
from tongxin.visits.models import Pair, PairHelper

DEVICES = 24
ALARMS = 18
CONDITIONS = ("高血压，按时服药", "糖尿病", "行动不便，使用助行器", "心脏支架术后", "", "")


def build(gen: Any, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed * 2003 + 5)
    now = clock.now()
    alone = CareTag.objects.filter(kind="living_alone").values("person_id")
    pairs = list(
        Pair.objects.filter(active=True, person_id__in=alone)
        .select_related("person")
        .order_by("grid_id", "pk")[: DEVICES * 2]
    )
    # Spread over the grids: alternate so the first grids all get some.
    chosen = pairs[:DEVICES]
    others = list(
        Person.objects.filter(is_active=True, household__isnull=False)
        .exclude(pk__in=[p.person_id for p in chosen])
        .order_by("pk")
        .values_list("pk", flat=True)[:400]
    )
    devices = []
    for n, pair in enumerate(chosen):
        person = pair.person
        devices.append(
            Device(
                code=f"axl-demo-{n + 1:03d}",
                person=person,
                place_id=person.place_id,
                place_path=person.place_path,
                grid_id=person.grid_id,
                state=DeviceState.ACTIVE,
                conditions=rng.choice(CONDITIONS),
                online=True,
                last_seen_at=now - dt.timedelta(minutes=rng.randint(1, 9)),
                battery=rng.randint(45, 100),
                last_seq=rng.randint(100, 5000),
            )
        )
    if devices:
        devices[-1].online = False  # since this morning: the grid worker has a task
        devices[-1].last_seen_at = now - dt.timedelta(hours=5)
    if len(devices) > 1:
        devices[-2].battery = 12
    devices = Device.objects.bulk_create(devices)
    Through = Device.family.through
    Through.objects.bulk_create(
        [Through(device_id=d.pk, person_id=rng.choice(others)) for d in devices if others]
    )
    helpers: dict[int, int] = {}
    for pair_id, person_id in PairHelper.objects.filter(pair__in=chosen, order=0).values_list(
        "pair__person_id", "person_id"
    ):
        helpers.setdefault(pair_id, person_id)
    alarms = _history(rng, now, devices, helpers)
    return {"devices": len(devices), "alarms": alarms}


def _history(
    rng: random.Random, now: dt.datetime, devices: list[Device], helpers: dict[int, int]
) -> int:
    if not devices:
        return 0
    rows: list[Alarm] = []
    for n in range(ALARMS):
        d = devices[rng.randrange(len(devices))]
        opened = now - dt.timedelta(days=rng.uniform(1, 30))
        # Past alarms as the state machine left them (history, not acts: these are alarms,
        # not cases, so they are built as finished rows).
        f: dict[str, Any] = {
            "device": d,
            "person_id": d.person_id,
            "kind": AlarmKind.FALL if n % 9 == 4 else AlarmKind.PRESS,
            "opened_at": opened,
            "cancel_until": opened + dt.timedelta(seconds=30),
            "place_path": d.place_path,
            "grid_id": d.grid_id,
            "step": 1,
        }
        if n % 6 == 1:  # cancelled on the button within the window
            f.update(state=AlarmState.CANCELLED, outcome=Outcome.FALSE_PRESS, step=0)
            f["closed_at"] = opened + dt.timedelta(seconds=rng.randint(5, 25))
        else:
            acked = opened + dt.timedelta(seconds=rng.randint(35, 240))
            f.update(acked_at=acked, acked_by_id=helpers.get(d.person_id))
            if n % 6 == 3:  # a grandchild playing: settled by phone
                f.update(state=AlarmState.FALSE_ALARM, outcome=Outcome.FALSE_PRESS)
                f["closed_at"] = acked + dt.timedelta(minutes=2)
            else:
                arrived = acked + dt.timedelta(minutes=rng.randint(3, 14))
                f.update(arrived_at=arrived, state=AlarmState.RESOLVED)
                f["outcome"] = Outcome.AMBULANCE if n == 7 else Outcome.HANDLED
                f["closed_at"] = arrived + dt.timedelta(minutes=rng.randint(10, 40))
        rows.append(Alarm(**f))
    rows = Alarm.objects.bulk_create(rows)
    AlarmPage.objects.bulk_create(
        [
            AlarmPage(
                alarm=a,
                step=0,
                person_id=helpers[a.person_id],
                reason="结对帮扶人",  # i18n-data
                at=a.opened_at + dt.timedelta(seconds=30),
            )
            for a in rows
            if a.state != AlarmState.CANCELLED and a.person_id in helpers
        ]
    )
    return len(rows)
