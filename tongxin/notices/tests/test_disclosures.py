"""三务公开: approval by the committee before publication, who sees what, the calendar."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from tongxin.core import clock
from tongxin.core.errors import Forbidden, TransitionRefused, ValidationFailed
from tongxin.notices import selectors, services
from tongxin.notices.models import Disclosure, DisclosureItem
from tongxin.places.models import Place

pytestmark = pytest.mark.django_db


def community(demo):
    return Place.objects.get(path=demo.grid(1).path[:8])


def draft(demo, **kw):
    return services.disclosure_draft(
        actor=demo.user("secretary"),
        community=community(demo),
        title=kw.pop("title", "2026年第三季度财务收支"),
        body=kw.pop("body", "收入 12000 元，支出 9800 元"),
        kind=kw.pop("kind", "finance"),
        cadence=kw.pop("cadence", "periodic"),
        period=kw.pop("period", "2026-Q3"),
        **kw,
    )


def act(demo, d, a, note=""):
    return services.disclosure_act(
        actor=demo.user("secretary"), disclosure_id=d.pk, act=a, note=note
    )


def test_nothing_is_published_before_the_committee_approves(demo):
    d = draft(demo)
    with pytest.raises(TransitionRefused):
        act(demo, d, "publish")
    act(demo, d, "submit")
    with pytest.raises(TransitionRefused):
        act(demo, d, "publish")
    with pytest.raises(ValidationFailed):
        act(demo, d, "approve")  # the note names the meeting that decided
    act(demo, d, "approve", note="两委会议 9月30日 通过")
    d = act(demo, d, "publish")
    assert d.status == "published" and d.published_at is not None
    assert d.approved_by == demo.user("secretary")


def test_residents_see_only_what_is_published(demo):
    d = draft(demo)
    resident = demo.user("resident")
    assert not selectors.disclosures_for(resident).filter(pk=d.pk).exists()
    assert not selectors.disclosures_for(demo.user("grid1")).filter(pk=d.pk).exists()
    act(demo, d, "submit")
    act(demo, d, "approve", note="两委会议通过")
    act(demo, d, "publish")
    assert selectors.disclosures_for(resident).filter(pk=d.pk).exists()
    assert all(x.status == "published" for x in selectors.disclosures_for(resident))
    body = demo.api("resident").get("/api/v1/disclosures").json()
    assert d.pk in [x["id"] for x in body["items"]]


def test_only_the_committee_drafts_and_decides(demo):
    with pytest.raises(Forbidden):
        services.disclosure_draft(
            actor=demo.user("grid1"),
            community=community(demo),
            title="x",
            body="y",
            kind="party",
            cadence="immediate",
        )
    d = draft(demo)
    r = demo.api("resident").post(
        f"/api/v1/disclosures/{d.pk}/act",
        data=json.dumps({"act": "submit"}),
        content_type="application/json",
    )
    assert r.status_code == 404  # a draft is not even visible to a resident


def test_bad_input_is_refused(demo):
    before = Disclosure.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        draft(demo, period="2026-Q5", kind="other")
    assert {f["field"] for f in exc.value.fields} == {"period", "kind"}
    api = demo.api("secretary")
    r = api.post(
        "/api/v1/disclosures",
        data=json.dumps({"title": "t", "body": "b", "kind": "finance", "cadence": "fixed"}),
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "period"
    d = draft(demo)
    r = api.post(
        f"/api/v1/disclosures/{d.pk}/act",
        data=json.dumps({"act": "explode"}),
        content_type="application/json",
    )
    assert r.status_code in (400, 409, 422) and r.json()["code"] == "UNKNOWN_ACTION"
    assert Disclosure.objects.count() == before + 1


@pytest.mark.dates
def test_the_calendar_shows_what_is_due_done_and_overdue(demo):
    c = community(demo)
    year = clock.today().year
    quarterly = DisclosureItem.objects.create(
        community=c, kind="finance", cadence="periodic", title="财务收支"
    )
    yearly = DisclosureItem.objects.create(
        community=c, kind="residents", cadence="fixed", title="年度工作计划"
    )
    with time_machine.travel(dt.datetime(year, 8, 1, 10, tzinfo=clock.local().tzinfo)):
        d = draft(demo, item=quarterly, period=f"{year}-Q1", kind="", cadence="")
        act(demo, d, "submit")
        act(demo, d, "approve", note="两委会议通过")
        act(demo, d, "publish")
        draft(demo, item=quarterly, period=f"{year}-Q2", kind="", cadence="")  # drafted only
        entries = {(e.item.pk, e.period): e for e in selectors.disclosure_calendar(c, year)}
        assert entries[(quarterly.pk, f"{year}-Q1")].status == "done"
        ours = {quarterly.pk, yearly.pk}
        q2 = entries[(quarterly.pk, f"{year}-Q2")]
        assert q2.status == "overdue" and q2.draft_status == "draft"  # due by 15 July
        assert entries[(quarterly.pk, f"{year}-Q3")].status == "upcoming"
        assert entries[(yearly.pk, str(year))].status == "overdue"  # due by 31 March
        body = demo.api("secretary").get(f"/api/v1/disclosures/calendar?year={year}").json()
        mine = [e for e in body["entries"] if e["item"] in ours]
        assert len(mine) == 5 and sum(e["status"] == "overdue" for e in mine) == 2
    with time_machine.travel(dt.datetime(year, 10, 5, 10, tzinfo=clock.local().tzinfo)):
        entries = {(e.item.pk, e.period): e for e in selectors.disclosure_calendar(c, year)}
        assert entries[(quarterly.pk, f"{year}-Q3")].status == "due"
    assert demo.api("grid1").get("/api/v1/disclosures/calendar").status_code == 403
