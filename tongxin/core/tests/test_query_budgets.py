"""A statement budget for every hot route: intake, the worklists, the case page, person search
and the map layers. Each is asked twice as a real user (the first warms the per-process
caches, as any running server is) and the second must answer with its expected status in at
most its budget of SQL statements, those its commit callbacks issue (queued tasks) included.
A budget is lowered when a route gets cheaper and never raised without saying why in the
commit: it is how a hot path cannot silently grow."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

# (name, user, method, path or a function of the demo giving it, body, status, budget)
Route = tuple[str, str, str, Any, Any, int, int]


def _report(demo: Any) -> dict[str, Any]:
    grid = demo.grid(1)
    return {
        "category": "municipal.manhole",
        "description": "小区门口井盖缺失，晚上很危险",
        "lat": grid.centroid_lat,
        "lng": grid.centroid_lng,
    }


def _a_case_of_grid1(demo: Any) -> str:
    from tongxin.cases.models import Case

    case = Case.objects.filter(grid=demo.grid(1)).order_by("-pk").first()
    return f"/api/v1/cases/{case.pk}"


def _case_page_of_grid1(demo: Any) -> str:
    from tongxin.cases.models import Case

    case = Case.objects.filter(grid=demo.grid(1)).order_by("-pk").first()
    return f"/cases/{case.pk}/"


def _a_joint_meeting_page(demo: Any) -> str:
    from tongxin.meetings.models import Meeting

    meeting = Meeting.objects.filter(kind__code="joint", state="minuted").order_by("pk").first()
    return f"/meetings/{meeting.pk}/"


ROUTES: list[Route] = [
    ("intake, resident", "resident", "post", "/api/v1/cases", _report, 201, 19),
    ("intake, grid worker", "grid1", "post", "/api/v1/cases", _report, 201, 18),
    ("worklist mine, grid worker", "grid1", "get", "/api/v1/cases?view=mine", None, 200, 8),
    ("worklist grid, grid worker", "grid1", "get", "/api/v1/cases?view=grid", None, 200, 9),
    ("worklist grid, secretary", "secretary", "get", "/api/v1/cases?view=grid", None, 200, 9),
    ("worklist page, grid worker", "grid1", "get", "/cases/?view=grid", None, 200, 12),
    ("case detail, grid worker", "grid1", "get", _a_case_of_grid1, None, 200, 10),
    ("case page, grid worker", "grid1", "get", _case_page_of_grid1, None, 200, 13),
    ("person search, grid worker", "grid1", "get", "/api/v1/persons?q=zw", None, 200, 5),
    ("person search, secretary", "secretary", "get", "/api/v1/persons?q=wang", None, 200, 5),
    ("map cases layer, grid worker", "grid1", "get", "/api/v1/geo/cases", None, 200, 6),
    ("map buildings layer, grid worker", "grid1", "get", "/api/v1/geo/buildings", None, 200, 6),
    ("map care layer, grid worker", "grid1", "get", "/api/v1/geo/care", None, 200, 6),
    # The daily log on the phone (notices/field_views.py): the same count for any list size.
    ("log page, grid worker", "grid1", "get", "/log/", None, 200, 11),
    ("log page, secretary", "secretary", "get", "/log/?q=电梯", None, 200, 11),
    ("log form, grid worker", "grid1", "get", "/log/new/", None, 200, 10),
    ("meetings list, secretary", "secretary", "get", "/api/v1/meetings", None, 200, 6),
    ("my action items, liaison", "liaison1", "get", "/api/v1/action-items?mine=1", None, 200, 6),
    ("meeting page, secretary", "secretary", "get", _a_joint_meeting_page, None, 200, 17),
]


def _ask(demo: Any, route: Route) -> tuple[int, int, str]:
    _name, username, method, path, body, _status, _budget = route
    url = path(demo) if callable(path) else path
    client = demo.api(username) if url.startswith("/api/") else demo.client(username)
    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs = {"data": json.dumps(body(demo)), "content_type": "application/json"}
    getattr(client, method)(url, **kwargs)  # warm the process caches
    # What runs once the request's transaction commits (the tasks it queues) is counted too.
    with CaptureQueriesContext(connection) as ctx, TestCase.captureOnCommitCallbacks(execute=True):
        response = getattr(client, method)(url, **kwargs)
    return response.status_code, len(ctx.captured_queries), response.content.decode()[:300]


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=[r[0] for r in ROUTES])
def test_hot_route_within_its_statement_budget(demo, route):
    status, statements, body = _ask(demo, route)
    if os.environ.get("TONGXIN_PRINT_BUDGETS"):
        print(f"\nBUDGET {route[0]}: {statements} statements, status {status}")
    assert status == route[5], body
    assert statements <= route[6], f"{route[0]}: {statements} statements > budget {route[6]}"
