"""The due list is paged, never cut: every open visit the visitor owes is on some page, in the
list's order (overdue, today, later; nearest first), page numbers on the phone page, ``page``
with ``count`` and ``page_size`` in the API; each page audited, in a fixed number of queries
whatever the page or the list's length. Under a frozen clock."""

from __future__ import annotations

import datetime as dt
import math

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tongxin.core.models import AuditEvent
from tongxin.visits import selectors, services
from tongxin.visits.models import VisitTask

from .helpers import at, fresh, tag

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

MOMENT = at(2026, 12, 7, 10)
EXTRA = 520  # beyond the 500 the list was once cut at


@pytest.fixture
def long_list(demo, settings):
    """grid1 owes more than 520 open visits: overdue, due today and later."""
    settings.TONGXIN_PAGE_SIZE = 100
    (p,) = fresh(demo, grid=1, skip=70)
    with time_machine.travel(MOMENT, tick=False):
        tag(p, "living_alone")
        services.plan(persons=[p])
        model = VisitTask.objects.get(person=p, rule__code="elderly-living_alone")
        me = demo.user("grid1").person
        rows = []
        for n in range(EXTRA):
            due = MOMENT + dt.timedelta(hours=(n % 3 - 1) * 30 + n % 7)
            rows.append(
                VisitTask(
                    person=p,
                    rule=model.rule,
                    period_start=dt.date(2020, 1, 1) + dt.timedelta(days=n),
                    due_by=due,
                    late_by=due + dt.timedelta(days=3),
                    assignee=me,
                    place_path=model.place_path,
                    grid_id=model.grid_id,
                )
            )
        VisitTask.objects.bulk_create(rows)
    user = demo.user("grid1")
    with time_machine.travel(MOMENT, tick=False):
        total = selectors.open_tasks(user).count()
        order = [r.pk for r in selectors.due_list(user).ranked]
    assert total > 500 + 20 and len(order) == total
    return {"total": total, "order": order, "pages": math.ceil(total / 100), "name": p.name}


def test_the_api_pages_through_every_visit_in_order(demo, long_list):
    total, pages = long_list["total"], long_list["pages"]
    seen, overdue = [], []
    with time_machine.travel(MOMENT, tick=False):
        api = demo.api("grid1")
        for page in range(1, pages + 1):
            body = api.get(f"/api/v1/visits/due?mine=1&page={page}").json()
            assert body["count"] == total and body["page"] == page and body["page_size"] == 100
            assert len(body["items"]) == (100 if page < pages else total - 100 * (pages - 1))
            seen += [i["id"] for i in body["items"]]
            overdue += [i["overdue"] for i in body["items"]]
            event = AuditEvent.objects.filter(action="visit.list").order_by("-pk").first()
            assert event.detail["count"] == total and event.detail["page"] == page
        assert seen == long_list["order"]  # each once, in the list's order
        assert overdue == sorted(overdue, reverse=True) and True in overdue and False in overdue
        for bad in (0, pages + 1):
            refused = api.get(f"/api/v1/visits/due?page={bad}")
            assert refused.status_code == 422
            assert refused.json()["fields"][0]["field"] == "query.page"


def test_a_page_costs_the_same_queries_whatever_the_page(demo, long_list):
    costs = []
    with time_machine.travel(MOMENT, tick=False):
        api = demo.api("grid1")
        api.get("/api/v1/visits/due")  # warm the caches
        for page in (1, long_list["pages"]):
            with CaptureQueriesContext(connection) as ctx:
                assert api.get(f"/api/v1/visits/due?page={page}").status_code == 200
            costs.append(len(ctx))
        client = demo.client("grid1")
        client.get("/visits/")
        for page in (1, 3):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(f"/visits/?page={page}").status_code == 200
            costs.append(len(ctx))
    assert costs[0] == costs[1] and costs[2] == costs[3], costs
    assert max(costs) <= 20, costs


def test_the_phone_page_has_page_numbers(demo, long_list):
    total, pages = long_list["total"], long_list["pages"]
    with time_machine.travel(MOMENT, tick=False):
        client = demo.client("grid1")
        page = client.get("/visits/?page=2").content.decode()
        assert 'class="pager"' in page and f"第 2 / {pages} 页" in page and f"共 {total} 条" in page
        shown = [int(x.split('"')[1]) for x in page.split("data-task=")[1:]]
        assert shown == long_list["order"][100:200]
        event = AuditEvent.objects.filter(action="visit.list").order_by("-pk").first()
        assert event.detail["count"] == total and event.detail["page"] == 2
        # The group headings count the whole list; a page past the end shows the last one.
        last = client.get(f"/visits/?page={pages + 5}").content.decode()
        assert f"第 {pages} / {pages} 页" in last
        tail = [int(x.split('"')[1]) for x in last.split("data-task=")[1:]]
        assert tail == long_list["order"][100 * (pages - 1) :]
        assert 'rel="next"' in page and "page=3" in page
        # A search is paged too, and keeps its text across pages.
        found = client.get("/visits/", {"q": long_list["name"]}).content.decode()
        nxt = found.split('rel="next"')[0].rsplit("href=", 1)[1]
        assert "page=2" in nxt and "q=" in nxt


def test_the_api_searches_by_name_as_the_page_does(demo, long_list):
    with time_machine.travel(MOMENT, tick=False):
        api = demo.api("grid1")
        body = api.get("/api/v1/visits/due", {"q": long_list["name"]}).json()
        assert body["count"] > 500 and body["page"] == 1
        assert {i["person"]["name"] for i in body["items"]} == {long_list["name"]}
        none = api.get("/api/v1/visits/due", {"q": "没有这个人的名字"}).json()
        assert none["count"] == 0 and none["items"] == []
