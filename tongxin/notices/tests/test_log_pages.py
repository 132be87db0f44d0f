"""The daily log on the phone: the form (time defaulting to now, the caller's places, a notice
or a call prefilling it), its refusals, the list's scoping, search and filters, and what an
entry raises (a case, a need) shown on its page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tongxin.core import clock
from tongxin.matching.models import Need
from tongxin.notices import services
from tongxin.notices.models import LogEntry
from tongxin.people.models import Household
from tongxin.places.models import Place

pytestmark = pytest.mark.django_db


def building_in(grid):
    return Place.objects.filter(kind="building", path__startswith=grid.path).order_by("path")[0]


def record(demo, who, place, **kw):
    return services.log_entry_record(
        actor=demo.user(who), place=place, raised=kw.pop("raised", "楼道灯坏了"), **kw
    )


def form_data(place, **kw):
    data = {
        "occurred_at": clock.local().strftime("%Y-%m-%dT%H:%M"),
        "place": str(place.pk),
        "met": "王阿姨",
        "raised": "电梯经常停运，老人上下楼困难",
        "done": "已联系物业",
        "follow_up": "周五回访",
        "tags": "电梯 养老",
        "source": "visit",
        "difficulties": "独居，腿脚不便",
        "requests": "希望尽快修好电梯",
        "visitors": "楼栋长李师傅",
        "case_category": "",
    }
    data.update(kw)
    return data


@pytest.mark.dates
def test_the_form_defaults_to_now_and_records_an_entry(demo):
    place = building_in(demo.grid(1))
    moment = clock.start_of_day(clock.today()) + dt.timedelta(hours=15, minutes=7)
    with time_machine.travel(moment, tick=False):
        client = demo.client("grid1")  # signed in at that moment (sessions expire when idle)
        page = client.get("/log/new/").content.decode()
        assert clock.local(moment).strftime("%Y-%m-%dT%H:%M") in page
        assert f'value="{place.pk}"' in page  # the caller's places are offered
        assert f'value="{building_in(demo.grid(2)).pk}"' not in page  # not another grid's
        before = LogEntry.objects.count()
        response = client.post("/log/new/", form_data(place))
        # Still at that moment: back at the session's own clock the sign-in may have expired
        # (sessions expire when idle, and the date runs set that clock hours later).
        detail = client.get(response["Location"]).content.decode()
    assert response.status_code == 302
    entry = LogEntry.objects.order_by("-pk").first()
    assert LogEntry.objects.count() == before + 1
    assert response["Location"] == f"/log/{entry.pk}/"
    assert entry.author == demo.user("grid1") and entry.place == place
    assert clock.local(entry.occurred_at).strftime("%H:%M") == "15:07"
    assert (entry.met, entry.source, entry.visitors) == ("王阿姨", "visit", "楼栋长李师傅")
    assert entry.difficulties == "独居，腿脚不便" and entry.requests == "希望尽快修好电梯"
    assert entry.case is None
    assert "电梯经常停运" in detail and "楼栋长李师傅" in detail


def test_the_form_refuses_bad_input_clearly(demo):
    place = building_in(demo.grid(1))
    client = demo.client("grid1")
    before = LogEntry.objects.count()
    empty = client.post("/log/new/", form_data(place, raised="  "))
    assert empty.status_code == 422 and "请填写反映的情况" in empty.content.decode()
    other = client.post("/log/new/", form_data(building_in(demo.grid(2))))
    assert other.status_code == 422  # not one of the caller's places
    future = client.post("/log/new/", form_data(place, occurred_at="2999-01-01T09:00"))
    assert future.status_code == 422 and "时间不能晚于现在" in future.content.decode()
    bad_time = client.post("/log/new/", form_data(place, occurred_at="昨天"))
    assert bad_time.status_code == 422
    assert LogEntry.objects.count() == before
    assert demo.client("resident").get("/log/new/").status_code == 403
    assert demo.client("resident").post("/log/new/", form_data(place)).status_code == 403


def test_an_entry_raises_a_case_in_the_same_step(demo):
    place = building_in(demo.grid(1))
    response = demo.client("grid1").post(
        "/log/new/", form_data(place, case_category="env.garbage", raised="楼道堆放杂物")
    )
    assert response.status_code == 302
    entry = LogEntry.objects.order_by("-pk").first()
    assert entry.case is not None and entry.case.description == "楼道堆放杂物"
    page = demo.client("grid1").get(f"/log/{entry.pk}/").content.decode()
    assert f'href="/cases/{entry.case_id}/"' in page


def test_prefilled_from_a_notice_or_a_call(demo):
    building = building_in(demo.grid(1))
    notice = services.notice_publish(
        actor=demo.user("secretary"), audience_place=building, title="燃气安全检查"
    )
    client = demo.client("grid1")
    page = client.get(f"/log/new/?notice={notice.pk}").content.decode()
    assert "关于《燃气安全检查》" in page and 'value="notice" selected' in page
    assert f'<option value="{building.pk}" selected' in page
    response = client.post(
        f"/log/new/?notice={notice.pk}",
        form_data(building, source="notice", notice=str(notice.pk), raised="居民已知晓"),
    )
    assert response.status_code == 302
    assert LogEntry.objects.order_by("-pk").first().notice == notice
    call = client.get("/log/new/?source=call&met=张大爷").content.decode()
    assert 'value="call" selected' in call and 'value="张大爷"' in call
    # Another grid's notice or place is not prefilled: 404 for the notice, ignored for a place.
    other = services.notice_publish(
        actor=demo.user("secretary"), audience_place=building_in(demo.grid(2)), title="x"
    )
    assert demo.client("grid1").get(f"/log/new/?notice={other.pk}").status_code == 404
    foreign = building_in(demo.grid(2))
    ignored = client.get(f"/log/new/?source=visit&place={foreign.pk}").content.decode()
    assert f'value="{foreign.pk}"' not in ignored


def test_scoping_of_the_list_and_the_entry(demo):
    mine = record(demo, "grid1", building_in(demo.grid(1)), raised="甲乙丙一号网格")
    theirs = record(demo, "grid2", building_in(demo.grid(2)), raised="甲乙丙二号网格")
    # grid1 recorded this one where grid2 works (an old post): the author still reads it.
    authored = LogEntry.objects.create(
        author=demo.user("grid1"), place=building_in(demo.grid(2)), raised="甲乙丙代记"
    )
    page = demo.client("grid1").get("/log/", {"q": "甲乙丙"}).content.decode()
    assert f'data-entry="{mine.pk}"' in page and f'data-entry="{authored.pk}"' in page
    assert f'data-entry="{theirs.pk}"' not in page
    assert demo.client("grid1").get(f"/log/{theirs.pk}/").status_code == 404
    assert demo.client("grid1").get(f"/log/{authored.pk}/").status_code == 200
    assert demo.client("grid2").get(f"/log/{mine.pk}/").status_code == 404
    assert demo.client("resident").get(f"/log/{mine.pk}/").status_code == 404
    both = demo.client("secretary").get("/log/", {"q": "甲乙丙"}).content.decode()
    assert f'data-entry="{mine.pk}"' in both and f'data-entry="{theirs.pk}"' in both
    # Filtering by another grid's place is the same as a missing place.
    assert demo.client("grid1").get("/log/", {"place": demo.grid(2).pk}).status_code == 404
    resident = demo.client("resident").get("/log/").content.decode()
    assert 'id="log-empty"' in resident and "log-new" not in resident


@pytest.mark.dates
def test_search_and_filters_on_the_page(demo):
    grid = demo.grid(1)
    b1 = building_in(grid)
    today = clock.today()
    with time_machine.travel(
        clock.start_of_day(today - dt.timedelta(days=40)) + dt.timedelta(hours=10)
    ):
        old = record(demo, "grid1", b1, raised="甲乙丙下水道堵塞", tags="环境")
    with time_machine.travel(
        clock.start_of_day(today - dt.timedelta(days=3)) + dt.timedelta(hours=10)
    ):
        recent = record(demo, "grid1", b1, raised="甲乙丙想办老年食堂", tags="养老")
        other = record(demo, "grid1", grid, raised="甲乙丙停车难", requests="增加车位")
    client = demo.client("grid1")

    def shown(**query):
        response = client.get("/log/", {"q": "甲乙丙", **query})
        assert response.status_code == 200
        body = response.content.decode()
        return {e for e in (old, recent, other) if f'data-entry="{e.pk}"' in body}

    assert shown() == {old, recent, other}
    assert shown(q="甲乙丙 老年食堂") == {recent}
    assert shown(q="增加车位") == {other}  # the 意见诉求 is searched too
    assert shown(tag="养老") == {recent}
    assert shown(place=b1.pk) == {old, recent}
    week = (today - dt.timedelta(days=7)).isoformat()
    assert shown(start=week, end=today.isoformat()) == {recent, other}
    assert shown(end=week) == {old}
    empty = client.get("/log/", {"q": "不存在的词语xyz"}).content.decode()
    assert "没有符合条件的日志" in empty
    bad = client.get("/log/", {"start": "2026-13-40"})
    assert bad.status_code == 400 and 'role="alert"' in bad.content.decode()
    backwards = client.get("/log/", {"start": today.isoformat(), "end": week})
    assert backwards.status_code == 400 and "结束日期不能早于开始日期" in backwards.content.decode()


def test_the_list_pages(demo, settings):
    settings.TONGXIN_PAGE_SIZE = 2
    place = building_in(demo.grid(1))
    for i in range(3):
        record(demo, "grid1", place, raised=f"甲乙丙分页{i}")
    client = demo.client("grid1")
    first = client.get("/log/", {"q": "甲乙丙分页"}).content.decode()
    assert first.count("data-entry=") == 2 and 'rel="next"' in first
    second = client.get("/log/", {"q": "甲乙丙分页", "page": 2}).content.decode()
    assert second.count("data-entry=") == 1


def test_raising_a_case_later_from_the_entry_page(demo):
    entry = record(demo, "grid1", building_in(demo.grid(1)), raised="路灯不亮")
    client = demo.client("grid1")
    page = client.get(f"/log/{entry.pk}/").content.decode()
    assert 'id="raise-case"' in page and 'id="raise-need"' in page
    assert client.post(f"/log/{entry.pk}/case/", {"category": ""}).status_code == 302
    entry.refresh_from_db()
    assert entry.case is None
    client.post(f"/log/{entry.pk}/case/", {"category": "env.garbage"})
    entry.refresh_from_db()
    assert entry.case is not None and entry.case.description == "路灯不亮"
    again = client.post(f"/log/{entry.pk}/case/", {"category": "env.garbage"}, follow=True)
    assert "这条日志已经转为案件" in again.content.decode()
    assert (
        demo.client("grid2").post(f"/log/{entry.pk}/case/", {"category": "env.garbage"}).status_code
        == 404
    )
    shown = client.get(f"/log/{entry.pk}/").content.decode()
    assert f'href="/cases/{entry.case_id}/"' in shown and 'id="raise-case"' not in shown


def test_raising_a_need_from_an_entry(demo):
    building = building_in(demo.grid(1))
    household = (
        Household.objects.filter(dwelling__path__startswith=building.path).order_by("pk").first()
    )
    entry = record(demo, "grid1", building, raised="独居老人需要代买药品")
    client = demo.client("grid1")
    page = client.get(f"/log/{entry.pk}/").content.decode()
    assert f'<option value="{household.pk}">' in page  # the households under the place
    before = Need.objects.count()
    missing = client.post(f"/log/{entry.pk}/need/", {"kind": "service"}, follow=True)
    assert "请选择需求所属的户" in missing.content.decode() and Need.objects.count() == before
    foreign = Household.objects.exclude(dwelling__path__startswith=building.path).first()
    client.post(f"/log/{entry.pk}/need/", {"kind": "service", "household_id": foreign.pk})
    assert Need.objects.count() == before
    response = client.post(
        f"/log/{entry.pk}/need/",
        {"kind": "service", "household_id": household.pk, "description": "每周代买一次药品"},
    )
    assert response.status_code == 302
    need = Need.objects.get(from_log_entry=entry)
    assert need.household == household and need.description == "每周代买一次药品"
    assert need.posted_by == demo.user("grid1")
    shown = client.get(f"/log/{entry.pk}/").content.decode()
    assert f'href="/matching/needs/{need.pk}/"' in shown or f"/needs/{need.pk}/" in shown
    assert (
        demo.client("grid2")
        .post(f"/log/{entry.pk}/need/", {"kind": "service", "household_id": household.pk})
        .status_code
        == 404
    )
