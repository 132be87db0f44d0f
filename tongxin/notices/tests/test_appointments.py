"""Appointments (书记工作室, 一站办): slots from the sitting hours, the booking rules, capacity,
the day list and the no-show rate."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from tongxin.core import clock
from tongxin.core.errors import DomainError, Forbidden, TransitionRefused, ValidationFailed
from tongxin.inbox.models import Message
from tongxin.notices import selectors, services
from tongxin.notices.models import Booking, Studio
from tongxin.places.models import Place

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

EVERY_DAY = [{"weekday": d, "start": "09:00", "end": "11:00"} for d in range(7)]


def studio(demo, **kw):
    return Studio.objects.create(
        community=Place.objects.get(path=demo.grid(1).path[:8]),
        kind=kw.pop("kind", "secretary"),
        name=kw.pop("name", "书记工作室"),
        location="社区服务中心 201",
        sittings=kw.pop("sittings", EVERY_DAY),
        slot_minutes=30,
        capacity=kw.pop("capacity", 2),
        **kw,
    )


def tomorrow_at(hour, minute=0):
    day = clock.today() + dt.timedelta(days=1)
    return clock.start_of_day(day) + dt.timedelta(hours=hour, minutes=minute)


def book(demo, who, s, at, **kw):
    return services.booking_create(actor=demo.user(who), studio=s, starts_at=at, **kw)


def test_slots_come_from_the_sitting_hours(demo):
    s = studio(demo)
    day = clock.today() + dt.timedelta(days=1)
    starts = selectors.slot_starts(s, day)
    assert [clock.local(t).strftime("%H:%M") for t in starts] == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
    ]
    monday_only = studio(demo, sittings=[{"weekday": 0, "start": "14:00", "end": "15:00"}])
    assert all(
        bool(selectors.slot_starts(monday_only, day + dt.timedelta(days=i)))
        == ((day + dt.timedelta(days=i)).weekday() == 0)
        for i in range(7)
    )


def test_capacity_is_kept_and_a_cancelled_place_is_free_again(demo):
    s = studio(demo, capacity=2)
    at = tomorrow_at(9)
    first = book(demo, "resident", s, at, topic="咨询低保")
    book(demo, "building", s, at)
    with pytest.raises(DomainError) as exc:
        book(demo, "grid1", s, at)
    assert exc.value.code == "SLOT_FULL" and exc.value.status == 409
    services.booking_act(actor=demo.user("resident"), booking_id=first.pk, act="cancel")
    book(demo, "grid1", s, at)
    assert [x.taken for x in selectors.slots_of(s, at.date()) if x.starts_at == at] == [2]


def test_the_booking_rules(demo):
    before = Booking.objects.count()
    s = studio(demo, lead_hours=2, ahead_days=3)
    with pytest.raises(ValidationFailed) as exc:
        book(demo, "resident", s, tomorrow_at(9, 10))  # not a slot
    assert exc.value.code == "SLOT_NOT_BOOKABLE"
    far = tomorrow_at(9) + dt.timedelta(days=5)
    with pytest.raises(ValidationFailed):
        book(demo, "resident", s, far)
    soon = tomorrow_at(9) - dt.timedelta(days=1)
    with time_machine.travel(soon - dt.timedelta(minutes=30)), pytest.raises(ValidationFailed):
        book(demo, "resident", s, soon)
    book(demo, "resident", s, tomorrow_at(10))
    with pytest.raises(DomainError) as exc:
        book(demo, "resident", s, tomorrow_at(10))
    assert exc.value.code == "ALREADY_BOOKED"
    with pytest.raises(Forbidden):
        book(demo, "sysadmin", s, tomorrow_at(10, 30))
    assert Booking.objects.count() == before + 1


def test_day_list_attendance_and_no_show_rate(demo):
    s = studio(demo, capacity=3)
    at = tomorrow_at(9)
    a = book(demo, "resident", s, at)
    b = book(demo, "building", s, at)
    secretary = demo.user("secretary")
    with pytest.raises(ValidationFailed):  # not before the slot begins
        services.booking_act(actor=secretary, booking_id=a.pk, act="attend")
    with pytest.raises(Forbidden):  # residents do not mark themselves present
        services.booking_act(actor=demo.user("resident"), booking_id=a.pk, act="attend")
    with time_machine.travel(at + dt.timedelta(minutes=40)):
        services.booking_act(actor=secretary, booking_id=a.pk, act="attend")
        services.booking_act(actor=secretary, booking_id=b.pk, act="no_show")
        with pytest.raises(TransitionRefused):
            services.booking_act(actor=demo.user("building"), booking_id=b.pk, act="cancel")
        assert selectors.no_show_rate(s) == 0.5
        body = (
            demo.api("secretary")
            .get(f"/api/v1/studios/{s.pk}/day?date={at.date().isoformat()}")
            .json()
        )
        assert [x["status"] for x in body["bookings"]] == ["attended", "no_show"]
        assert body["no_show_rate"] == 0.5
    assert demo.api("resident").get(f"/api/v1/studios/{s.pk}/day").status_code == 403


def test_the_resident_books_through_the_api_and_is_reminded(
    demo, django_capture_on_commit_callbacks
):
    from tongxin.conftest import run_queued_tasks

    s = studio(demo)
    api = demo.api("resident")
    assert s.pk in [x["id"] for x in api.get("/api/v1/studios").json()["items"]]
    day = (clock.today() + dt.timedelta(days=2)).isoformat()
    slots = api.get(f"/api/v1/studios/{s.pk}/slots?date={day}").json()["slots"]
    assert len(slots) == 4 and slots[0]["free"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(
            f"/api/v1/studios/{s.pk}/bookings",
            data=json.dumps({"starts_at": slots[0]["starts_at"], "topic": "办理居住证明"}),
            content_type="application/json",
        )
    assert r.status_code == 201, r.content
    bad = api.post(
        f"/api/v1/studios/{s.pk}/bookings",
        data=json.dumps({"starts_at": "not a time"}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    booking = Booking.objects.get(pk=r.json()["id"])
    with time_machine.travel(booking.starts_at - dt.timedelta(hours=23)):
        run_queued_tasks()
    assert Message.objects.filter(
        recipient=demo.user("resident").person, topic=f"booking:{booking.pk}"
    ).exists()
