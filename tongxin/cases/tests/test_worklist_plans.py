"""The worklists' queries stay index lookups at street scale (issue 13), on PostgreSQL.

The demo community is too small for the planner to prefer an index over reading the table, so
the test first gives the case table the shape of a street's: 60,000 more cases spread over 60
grids' paths (the demo's own grid 1 among them), 1 % of them open, some assigned to the grid
worker, then ``ANALYZE``. It then asks every worklist through the API as the grid worker, the
secretary and a department, takes the SQL each request really sent, and reads its plan
(``EXPLAIN``): no statement may read the whole case table (``Seq Scan on cases_case``), and
the page query (the one with ``LIMIT 21``) must not join the people, places or
organisations it names (those are read by key for the page's rows afterwards).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tongxin.cases.models import Case
from tongxin.cases.selectors import VIEWS

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="query plans are checked on PostgreSQL"
)

GRIDS = 60
CASES = 60_000


def _street_shaped_cases(demo) -> None:
    """Copy one demo case 60,000 times into 60 grids' subtrees, as SQL (seconds, not minutes):
    grid 1's own path is one of them, so the grid worker's lists grow with the others."""
    template = Case.objects.filter(grid=demo.grid(1)).order_by("pk").first()
    assert template is not None
    worker = demo.user("grid1").person_id
    grid1 = demo.grid(1).path
    street = grid1[: -2 * 4]  # the grid's community's parent: the street
    fields = [f for f in Case._meta.concrete_fields if not f.primary_key]
    override = {
        "ref": "c.ref || '-' || g",
        # Grid 1 and 59 made-up grids beside it under the street's other communities.
        "place_path": (
            f"CASE WHEN mod(g, {GRIDS}) = 0 THEN %s || 'zz' || lpad(mod(g, 97)::text, 2, '0') "
            f"ELSE %s || lpad(mod(g, {GRIDS})::text, 4, '0') || '0001' END"
        ),
        "state": "CASE WHEN mod(g, 100) = 0 THEN 'dispatched' ELSE 'closed' END",
        "assignee_person_id": f"CASE WHEN mod(g, {GRIDS}) = 0 THEN %s ELSE NULL END",
        "owner_id": "NULL",
        "supervisor_id": "NULL",
        "reporter_person_id": "NULL",
        "overdue": "mod(g, 300) = 0",
        "created_at": "c.created_at - make_interval(mins => g)",
    }
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = ", ".join(
        override.get(f.column, f"c.{connection.ops.quote_name(f.column)}") for f in fields
    )
    params = []
    for f in fields:  # the placeholders, in the order they appear
        if f.column == "place_path":
            params += [grid1, street + "0009"]
        elif f.column == "assignee_person_id":
            params.append(worker)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO cases_case ({columns}) SELECT {values} "
            f"FROM cases_case c, generate_series(1, {CASES}) g WHERE c.id = %s",
            [*params, template.pk],
        )
        cur.execute("ANALYZE cases_case")


def _plans(client, url: str) -> list[tuple[str, str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    out = []
    with connection.cursor() as cur:
        for q in ctx.captured_queries:
            if '"cases_case"' not in q["sql"] or not q["sql"].startswith("SELECT"):
                continue
            cur.execute("EXPLAIN " + q["sql"])
            out.append((q["sql"], "\n".join(r[0] for r in cur.fetchall())))
    return out


@pytest.mark.django_db
def test_worklists_read_cases_by_index_at_street_scale(demo):
    _street_shaped_cases(demo)
    checked = 0
    for username in ("grid1", "secretary", "dept"):
        client = demo.api(username)
        for view in VIEWS:
            for sql, plan in _plans(client, f"/api/v1/cases?view={view}"):
                assert "Seq Scan on cases_case" not in plan, f"{username} {view}:\n{sql}\n{plan}"
                if "LIMIT 21" in sql:
                    assert "JOIN" not in sql, f"{username} {view}: the page query joins\n{sql}"
                checked += 1
    assert checked >= 3 * len(VIEWS)  # every list was read
