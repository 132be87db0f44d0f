"""The worklists page by keyset cursor and count up to a cap (issue 13): walking the cursors
visits every case of the list once, in the list's own order, whatever the page size, the
view or empty deadlines; a large list says its count is a lower bound; a bad cursor is a
422, never a 500."""

from __future__ import annotations

import base64
import json

import pytest

from tongxin.cases.models import Case
from tongxin.cases.selectors import worklist
from tongxin.core import paging


def _walk(client, url: str) -> tuple[list[int], list[dict]]:
    answer = client.get(url).json()
    ids = [i["id"] for i in answer["items"]]
    metas = [answer]
    while answer["next_cursor"]:
        response = client.get(f"{url}&cursor={answer['next_cursor']}")
        assert response.status_code == 200, response.content
        answer = response.json()
        assert answer["page"] == 0
        ids += [i["id"] for i in answer["items"]]
        metas.append(answer)
    return ids, metas


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "view"),
    [("secretary", "all"), ("grid1", "mine"), ("secretary", "accept"), ("grid1", "grid")],
)
def test_cursors_visit_the_whole_list_once_in_order(demo, settings, username, view):
    settings.TONGXIN_PAGE_SIZE = 7
    # Empty deadlines sort last on every database: some cases without one.
    Case.objects.filter(pk__in=Case.objects.order_by("pk").values("pk")[:40]).update(
        resolve_due=None, accept_due=None
    )
    ids, metas = _walk(demo.api(username), f"/api/v1/cases?view={view}")
    user = demo.user(username)
    expected = list(paging.ordered(worklist(user, view)).values_list("pk", flat=True))
    assert ids == expected and len(ids) == len(set(ids))
    assert all(m["count"] == len(expected) and m["count_exact"] for m in metas)
    assert metas[-1]["next_cursor"] is None


@pytest.mark.django_db
def test_a_large_list_counts_to_the_cap_and_pages_on_by_cursor(demo, settings):
    settings.TONGXIN_PAGE_SIZE = 20
    settings.TONGXIN_COUNT_CAP = 50
    client = demo.api("secretary")
    first = client.get("/api/v1/cases?view=all").json()
    total = worklist(demo.user("secretary"), "all").count()
    assert total > 50
    assert first["count"] == 50 and first["count_exact"] is False
    assert client.get("/api/v1/cases?view=all&page=3").status_code == 200
    deep = client.get("/api/v1/cases?view=all&page=4")
    assert deep.status_code == 422
    assert deep.json()["fields"][0]["field"] == "query.page"
    ids, _metas = _walk(client, "/api/v1/cases?view=all")
    assert len(ids) == len(set(ids)) == total


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cursor",
    [
        "abc",
        "!!!!",
        base64.urlsafe_b64encode(b"[1, 2, 3, 4]").decode(),
        base64.urlsafe_b64encode(json.dumps([{"t": "not a time"}, 1, 2]).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps([True, "x", None]).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps([[1], {"a": 1}, 2]).encode()).decode(),
        base64.urlsafe_b64encode("不是JSON".encode()).decode(),
    ],
)
def test_a_bad_cursor_is_a_field_error(demo, cursor):
    response = demo.api("grid1").get(f"/api/v1/cases?view=mine&cursor={cursor}")
    assert response.status_code == 422, response.content
    assert response.json()["fields"][0]["field"] == "query.cursor"
