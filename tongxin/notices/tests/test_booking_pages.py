"""Booking a studio from a page: the community's studios with their sitting hours, a studio's
next bookable slots with the places left (per its configuration), booking, a full slot refused
with a clear message, cancelling, my bookings; the day list and the no-show rate for the
studio's managers."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tongxin.core import clock
from tongxin.notices import services
from tongxin.notices.models import Booking, BookingStatus, Studio
from tongxin.places.models import Place

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

EVERY_DAY = [{"weekday": d, "start": "09:00", "end": "10:00"} for d in range(7)]


def studio(demo, **kw):
    return Studio.objects.create(
        community=Place.objects.get(path=demo.grid(1).path[:8]),
        kind=kw.pop("kind", "secretary"),
        name=kw.pop("name", "甲乙丙书记工作室"),
        location="社区服务中心 201",
        sittings=kw.pop("sittings", EVERY_DAY),
        slot_minutes=30,
        capacity=kw.pop("capacity", 2),
        **kw,
    )


def day_at(days, hour, minute=0):
    return clock.start_of_day(clock.today() + dt.timedelta(days=days)) + dt.timedelta(
        hours=hour, minutes=minute
    )


def test_the_studios_of_my_community(demo):
    s = studio(demo, sittings=[{"weekday": 1, "start": "09:00", "end": "11:30"}])
    window = studio(
        demo,
        name="甲乙丙一站办",
        sittings=[
            {"weekday": d, "start": start, "end": end}
            for d in range(5)
            for start, end in (("09:00", "12:00"), ("14:00", "17:00"))
        ]
        + [{"weekday": 6, "start": "09:00", "end": "11:00"}],
    )
    page = demo.client("resident").get("/studios/").content.decode()
    assert f'data-studio="{s.pk}"' in page and "周二 09:00–11:30" in page
    assert f'data-studio="{window.pk}"' in page
    assert "周一至周五 09:00–12:00、14:00–17:00" in page and "周日 09:00–11:00" in page
    assert demo.client("dept").get(f"/studios/{s.pk}/").status_code == 404
    Studio.objects.all().update(is_active=False)
    empty = demo.client("resident").get("/studios/").content.decode()
    assert 'id="studios-empty"' in empty


def test_the_studio_shows_the_next_bookable_slots_by_its_configuration(demo):
    moment = day_at(0, 8)  # 08:00 today
    with time_machine.travel(moment, tick=False):
        s = studio(demo, lead_hours=2, ahead_days=2, capacity=2)
        services.booking_create(actor=demo.user("building"), studio=s, starts_at=day_at(1, 9))
        page = demo.client("resident").get(f"/studios/{s.pk}/").content.decode()
    # Today 09:00 is within the lead time (2 hours): not offered; 10:00 would be past the sitting.
    assert f'data-slot="{clock.local(day_at(0, 9)).isoformat()}"' not in page
    assert f'data-slot="{clock.local(day_at(0, 9, 30)).isoformat()}"' not in page
    # Tomorrow and the day after (ahead_days=2), two slots each; nothing further ahead.
    assert page.count("data-slot=") == 4
    assert f'data-slot="{clock.local(day_at(3, 9)).isoformat()}"' not in page
    first = clock.local(day_at(1, 9)).isoformat()
    assert f'data-slot="{first}" data-free="1"' in page and "余 1 位" in page
    assert "余 2 位" in page


def test_book_then_cancel_from_the_pages(demo, django_capture_on_commit_callbacks):
    s = studio(demo)
    at = clock.local(day_at(2, 9, 30))
    client = demo.client("resident")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/studios/{s.pk}/book/", {"starts_at": at.isoformat(), "topic": "咨询低保"}
        )
    assert response.status_code == 302 and response["Location"] == "/bookings/"
    booking = Booking.objects.get(studio=s, person=demo.user("resident").person)
    assert booking.starts_at == at and booking.topic == "咨询低保"
    mine = client.get("/bookings/").content.decode()
    assert f'data-booking="{booking.pk}"' in mine and "预约成功" in mine
    studio_page = client.get(f"/studios/{s.pk}/").content.decode()
    assert 'id="my-studio-bookings"' in studio_page and "已预约" in studio_page
    assert demo.client("building").post(f"/bookings/{booking.pk}/cancel/").status_code == 404
    cancelled = client.post(f"/bookings/{booking.pk}/cancel/", follow=True)
    assert "已取消预约" in cancelled.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    again = client.post(f"/bookings/{booking.pk}/cancel/", follow=True)
    assert again.status_code == 200 and 'class="msg msg-error"' in again.content.decode()


def test_a_full_slot_is_refused_with_a_clear_message(demo):
    s = studio(demo, capacity=1)
    at = clock.local(day_at(2, 9))
    services.booking_create(actor=demo.user("building"), studio=s, starts_at=at)
    client = demo.client("resident")
    page = client.get(f"/studios/{s.pk}/").content.decode()
    assert f'data-slot="{at.isoformat()}" data-free="0" disabled' in page and "已约满" in page
    refused = client.post(f"/studios/{s.pk}/book/", {"starts_at": at.isoformat()}, follow=True)
    assert "该时段已约满，请选择其他时段" in refused.content.decode()
    assert not Booking.objects.filter(studio=s, person=demo.user("resident").person).exists()
    bad = client.post(f"/studios/{s.pk}/book/", {"starts_at": "明天上午"}, follow=True)
    assert "请选择一个预约时段" in bad.content.decode()
    odd = client.post(
        f"/studios/{s.pk}/book/",
        {"starts_at": clock.local(day_at(2, 9, 10)).isoformat()},
        follow=True,
    )
    assert "不是该工作室的预约时段" in odd.content.decode()


def test_the_day_list_and_the_no_show_rate_for_the_managers(demo):
    s = studio(demo, capacity=3)
    at = clock.local(day_at(1, 9))
    a = services.booking_create(actor=demo.user("resident"), studio=s, starts_at=at)
    b = services.booking_create(actor=demo.user("building"), studio=s, starts_at=at)
    url = f"/studios/{s.pk}/day/?date={at.date().isoformat()}"
    assert demo.client("resident").get(url).status_code == 403
    assert demo.client("grid1").get(url).status_code == 403
    assert demo.client("grid2").get(url).status_code == 403
    with time_machine.travel(at + dt.timedelta(minutes=20), tick=False):
        client = demo.client("secretary")
        page = client.get(url).content.decode()
        assert f'data-booking="{a.pk}"' in page and "暂无爽约率" in page
        assert page.count('name="act" value="attend"') == 2
        assert (
            demo.client("resident").post(f"/bookings/{a.pk}/mark/", {"act": "attend"}).status_code
            == 403
        )
        client.post(f"/bookings/{a.pk}/mark/", {"act": "attend"})
        client.post(f"/bookings/{b.pk}/mark/", {"act": "no_show"})
        assert client.post(f"/bookings/{b.pk}/mark/", {"act": "dance"}).status_code == 400
        after = client.get(url).content.decode()
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == (BookingStatus.ATTENDED, BookingStatus.NO_SHOW)
    assert "近 90 天爽约率：50.0%" in after
    assert demo.client("secretary").get(f"/studios/{s.pk}/day/?date=2026-99-01").status_code == 400
