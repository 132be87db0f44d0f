"""The anchor of the hot-path benchmark (bench/hot_paths.py): a bare django-ninja application
outside Tongxin's code path, on the same database, served by the same gunicorn.

- ``POST /cases`` validates a body like the intake's and inserts one row into
  ``bench_anchor_case``, a table made ``LIKE cases_case INCLUDING ALL`` (same columns,
  defaults and indexes, no foreign keys);
- ``GET /cases?assignee=N`` or ``?grid=N`` answers 20 open cases of ``cases_case`` (newest
  first) and their count, as a worklist page does, with no scope, policy or rendering.

Run by hot_paths.py as ``gunicorn anchor_app:application`` with ``DATABASE_URL`` set.
"""

from __future__ import annotations

import os
from typing import Any

import dj_database_url
import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="anchor-" + "x" * 50,
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    DATABASES={"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=600)},
    INSTALLED_APPS=[],
    MIDDLEWARE=[],
    USE_TZ=True,
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import path  # noqa: E402
from ninja import NinjaAPI, Schema  # noqa: E402

OPEN = ("reported", "accepted", "dispatched", "in_progress", "suspended", "escalated")
api = NinjaAPI(docs_url=None)
_insert: dict[str, Any] = {}


class CaseIn(Schema):
    category: str
    description: str
    priority: str = "normal"
    channel: str = "app"
    lat: float | None = None
    lng: float | None = None


def _insert_sql() -> tuple[str, list[Any]]:
    """An INSERT filling every NOT NULL column without a default, built once per process."""
    if not _insert:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name"
                " = 'bench_anchor_case' AND is_nullable = 'NO' AND column_default IS NULL"
                " AND is_identity = 'NO' ORDER BY ordinal_position"
            )
            columns = cur.fetchall()
            cur.execute("SELECT min(id) FROM cases_casecategory")
            category = cur.fetchone()[0]
        names, values = [], []
        for name, kind in columns:
            names.append(name)
            if name == "category_id":
                values.append(category)
            elif kind.startswith("timestamp"):
                values.append(None)  # now(), below
            elif kind in ("integer", "smallint", "bigint"):
                values.append(0)
            elif kind == "boolean":
                values.append(False)
            elif kind == "jsonb":
                values.append("{}")
            else:
                values.append("")
        _insert["names"], _insert["values"] = names, values
    return _insert["names"], _insert["values"]


@api.post("/cases", response={201: dict})
def create_case(request: Any, payload: CaseIn) -> Any:
    names, values = _insert_sql()
    row = dict(zip(names, values, strict=True))
    row.update(
        ref=f"A{os.urandom(11).hex()}",  # unique across processes and runs
        description=payload.description,
        priority=payload.priority,
        channel=payload.channel,
        state="reported",
    )
    placeholders = ", ".join(
        "now()" if row[n] is None else ("%s::jsonb" if values[i] == "{}" else "%s")
        for i, n in enumerate(names)
    )
    params = [row[n] for n in names if row[n] is not None]
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO bench_anchor_case ({', '.join(names)}, lat, lng) "  # noqa: S608
            f"VALUES ({placeholders}, %s, %s) RETURNING id",
            [*params, payload.lat, payload.lng],
        )
        new_id = cur.fetchone()[0]
    return 201, {"id": new_id, "ref": row["ref"], "state": "reported"}


@api.get("/cases", response=dict)
def list_cases(request: Any, assignee: int = 0, grid: int = 0) -> Any:
    column, value = ("assignee_person_id", assignee) if assignee else ("grid_id", grid)
    where = f"{column} = %s AND state IN ({', '.join(['%s'] * len(OPEN))})"
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM cases_case WHERE {where}", [value, *OPEN])  # noqa: S608
        count = cur.fetchone()[0]
        cur.execute(
            "SELECT id, ref, state, priority, description, address, created_at, resolve_due "  # noqa: S608
            f"FROM cases_case WHERE {where} ORDER BY id DESC LIMIT 20",
            [value, *OPEN],
        )
        cols = [c.name for c in cur.description]
        items = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    return {"count": count, "items": items}


urlpatterns = [path("", api.urls)]
application = get_wsgi_application()
