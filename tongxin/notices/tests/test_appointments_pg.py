"""Appointment capacity under real concurrency, on PostgreSQL: 60 residents ask for the
same slot of 5 places at once, from many threads with their own connections, through the API.
Exactly 5 get it, the rest 409 ``SLOT_FULL``, nothing answers 5xx.

These tests commit (``transaction=True``), so they build their own community instead of using
the session's demo, which the flush at their end removes."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import Client

from tongxin.core import clock

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks and concurrent connections need PostgreSQL (SQLite serialises writers)",
    ),
    pytest.mark.django_db(transaction=True),
]

THREADS = 20
RESIDENTS = 60
CAPACITY = 5


def test_concurrent_bookings_never_overfill_a_slot():
    from tongxin.accounts.models import ApiToken, User
    from tongxin.notices.models import Booking, Studio
    from tongxin.people.models import Person
    from tongxin.places.models import Place

    root = Place.objects.add_root(
        instance=Place(kind="community", code="C-BOOK", name="预约并发测试社区")
    )
    tokens = []
    for i in range(RESIDENTS):
        person = Person.objects.create(name=f"居民{i}", place=root, place_path=root.path)
        user = User.objects.create(username=f"book{i}", person=person)
        tokens.append(ApiToken.issue(user, name="conc")[1])
    studio = Studio.objects.create(
        community=root,
        kind="secretary",
        name="书记工作室",
        sittings=[{"weekday": d, "start": "09:00", "end": "10:00"} for d in range(7)],
        capacity=CAPACITY,
    )
    day = clock.today() + dt.timedelta(days=2)
    at = clock.start_of_day(day) + dt.timedelta(hours=9)
    url = f"/api/v1/studios/{studio.pk}/bookings"
    body = json.dumps({"starts_at": at.isoformat()})
    results: list[tuple[int, str]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def work(chunk: list[str]) -> None:
        try:
            barrier.wait()
            for token in chunk:
                client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
                r = client.post(url, data=body, content_type="application/json")
                code = r.json().get("code", "") if r.status_code != 201 else ""
                with lock:
                    results.append((r.status_code, code))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(tokens[i::THREADS],)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = Counter(results)
    assert counts == {(201, ""): CAPACITY, (409, "SLOT_FULL"): RESIDENTS - CAPACITY}, counts
    assert Booking.objects.filter(studio=studio, starts_at=at).count() == CAPACITY
