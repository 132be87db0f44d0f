"""The pages: lists, a meeting's page, the QR screen and phone sign-in, action items, the
convene form, and the workbench section — and their refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from tongxin.core import clock
from tongxin.meetings import services
from tongxin.meetings.models import ActionItem, ActionState, Attendance, Meeting

from .helpers import committee, convene, liaison_of, units, user_for

pytestmark = pytest.mark.django_db


def login(demo, user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


@pytest.mark.dates
def test_the_demo_has_a_year_of_meetings(demo):
    joint = Meeting.objects.filter(kind__code="joint", organisation=committee())
    assert joint.filter(state__in=["minuted", "closed"]).count() == 4
    assert joint.filter(state="planned").count() == 1
    items = ActionItem.objects.filter(meeting__organisation=committee())
    assert items.filter(state=ActionState.DONE).exists()
    assert items.overdue().count() == 2
    assert items.filter(state=ActionState.OPEN, due__gte=clock.today()).exists()
    # The meetings demo's own theme days (party life's demo adds the branches' year, with a
    # LifeRecord each: tongxin/demo/partylife.py).
    assert (
        Meeting.objects.filter(kind__code="theme_day", title__contains="主题党日：").count() == 10
    )
    # The branch's theme days: one month of the last year without one.
    from tongxin.meetings import selectors
    from tongxin.meetings.models import Schedule

    branch_schedule = Schedule.objects.get(kind__code="theme_day")
    missed = selectors.missed_periods(
        [branch_schedule.organisation_id],
        start=clock.today() - dt.timedelta(days=300),
        end=clock.today(),
    )
    assert 1 <= len(missed) <= 3


def test_meeting_pages_for_the_secretary(demo):
    c = demo.client("secretary")
    m = Meeting.objects.filter(kind__code="joint", state="minuted").first()
    r = c.get("/meetings/?kind=joint")
    assert r.status_code == 200 and m.title in r.content.decode()
    r = c.get(f"/meetings/{m.pk}/")
    body = r.content.decode()
    assert r.status_code == 200
    assert "实到" in body and "会议纪要" in body and "决议事项" in body
    planned = Meeting.objects.filter(kind__code="joint", state="planned").first()
    r = c.get(f"/meetings/{planned.pk}/")
    assert 'id="signin-qr"' in r.content.decode()
    assert c.get(f"/meetings/{planned.pk}/qr/").status_code == 200
    assert c.get("/meetings/actions/").status_code == 200
    assert c.get("/meetings/new/").status_code == 200
    home = c.get("/").content.decode()
    assert 'id="meeting-desk"' in home


def test_convene_form_and_phone_sign_in(demo):
    sec = demo.client("secretary")
    u1 = units(1)[0]
    liaison = user_for(liaison_of(u1), "liaison-x")
    start = clock.local(clock.now() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    r = sec.post(
        "/meetings/new/",
        {
            "kind": "joint",
            "organisation": committee().pk,
            "starts_at": start,
            "agenda": "第一项\n第二项",
            "units": [str(u1.pk)],
            "place": "会议室",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    m = Meeting.objects.order_by("-id").first()
    assert [a.text for a in m.agenda.all()] == ["第一项", "第二项"]
    # Errors come back on the form.
    r = sec.post(
        "/meetings/new/",
        {"kind": "joint", "organisation": committee().pk, "starts_at": start, "agenda": ""},
    )
    assert r.status_code == 200 and "mtg-error" in r.content.decode()
    sec.get(f"/meetings/{m.pk}/")  # mints the token
    m.refresh_from_db()
    phone = login(demo, liaison)
    r = phone.get(f"/meetings/{m.pk}/sign-in/?t={m.signin_token}")
    assert r.status_code == 200 and 'id="btn-signin"' in r.content.decode()
    r = phone.post(f"/meetings/{m.pk}/sign-in/", {"t": "wrong"})
    assert "签到码无效" in r.content.decode()
    r = phone.post(f"/meetings/{m.pk}/sign-in/", {"t": m.signin_token})
    assert 'id="signin-done"' in r.content.decode()
    assert Attendance.objects.filter(meeting=m, person=liaison.person).exists()
    # An outsider's phone: 404, not the meeting.
    assert (
        demo.client("resident").get(f"/meetings/{m.pk}/sign-in/?t={m.signin_token}").status_code
        == 404
    )
    # The liaison may not see the QR screen (only whoever runs the meeting).
    assert phone.get(f"/meetings/{m.pk}/qr/").status_code == 403


def test_action_items_on_the_owners_worklist(demo):
    sec = demo.user("secretary")
    liaison = user_for(liaison_of(units(1)[0]), "liaison-y")
    m = convene(demo)
    services.meeting_act(actor=sec, meeting_id=m.pk, act="hold")
    c = demo.client("secretary")
    r = c.post(
        f"/meetings/{m.pk}/resolutions/",
        {"text": "清理共享车位", "owner": liaison.person_id, "due": clock.today().isoformat()},
    )
    assert r.status_code == 302
    item = ActionItem.objects.get(meeting=m)
    phone = login(demo, liaison)
    home = phone.get("/").content.decode()
    assert "清理共享车位" in home
    r = phone.post(f"/meetings/actions/{item.pk}/act/complete/", {"note": "已完成"})
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.state == ActionState.DONE
    r = phone.post(f"/meetings/actions/{item.pk}/act/complete/", {}, follow=True)
    assert "不能" in r.content.decode() or "不允许" in r.content.decode()
    assert (
        demo.client("resident").post(f"/meetings/actions/{item.pk}/act/reopen/").status_code == 404
    )


def test_outsiders_get_404_and_a_resident_cannot_convene(demo):
    m = Meeting.objects.filter(kind__code="joint").first()
    c = demo.client("resident")
    assert c.get(f"/meetings/{m.pk}/").status_code == 404
    assert c.get("/meetings/new/").status_code == 403
    assert c.get("/meetings/").status_code == 200
