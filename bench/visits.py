"""Visits benchmark (issue 17): ``python bench/visits.py [--scale street|district] [--postgres]``.

The generated area of bench/run.py (the same database: ``var/bench/<scale>.sqlite3`` or
``tongxin_bench[_<scale>]``; generated when empty, with the generator's care-tag rates: about
one resident in six holds a tag), then, in process:

a. **schedule generation** — ``visits.services.plan()`` for the whole area, once, from no
   tasks (every cared-for resident's merged schedule and this period's task of each rule,
   assigned along the responsibility chain), beside its **anchor**: the raw SQL read of the
   current care tags it starts from, and a raw bulk insert of as many task rows; then the same
   for one grid, repeated (its tasks deleted before each run);
b. **a grid worker's due list** — ``visits.selectors.due_list`` (urgency, then route: every
   open visit ranked, the first page read in full) and ``GET /api/v1/visits/due`` (the first
   and the last page) through ``django.test.Client`` with a bearer token, beside the raw SQL
   read of the same open tasks with the residents' names in due order (what any page needs).

Interleaved app / anchor, warm, ≥ 20 runs each (``--repeat``); it prints the median, p95, the
ratio of the medians and the number of SQL statements. Nothing fails when a figure is slow.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import run as bench_run  # noqa: E402  (bench/run.py: settings, database, generation)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=("district", "street", "community"), default="street")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--database", default=None, help="PostgreSQL database name (default: run.py's by scale)"
    )
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--analyze", action="store_true")
    parser.add_argument("--no-analyze", action="store_true")
    return parser.parse_args(argv)


def timed(fn: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    out = fn()
    return (time.perf_counter() - started) * 1000, out


def queries(fn: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def compare(label: str, app: Any, anchor: Any, repeat: int, warmup: int) -> None:
    for _ in range(warmup):
        app()
        anchor()
    a: list[float] = []
    b: list[float] = []
    for _ in range(repeat):
        a.append(timed(app)[0])
        b.append(timed(anchor)[0])
    ma, mb = statistics.median(a), statistics.median(b)
    print(
        f"  {label:<38} app {ma:8.1f} ms (p95 {p95(a):8.1f}, {queries(app):3d} SQL)   "
        f"anchor {mb:8.1f} ms (p95 {p95(b):8.1f}, {queries(anchor):3d} SQL)   "
        f"ratio {ma / mb if mb else float('inf'):5.1f}"
    )


TAGS_SQL = (
    "SELECT t.person_id, t.kind FROM people_caretag t JOIN people_person p ON p.id = t.person_id"
    " WHERE p.is_active AND (t.start_date IS NULL OR t.start_date <= %s)"
    " AND (t.end_date IS NULL OR t.end_date >= %s)"
)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    label = bench_run.configure_django(args, database=args.database)
    from django.db import connection

    print(f"database: {label} ({connection.vendor})")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    bench_run.prepare_database(args)

    from django.conf import settings
    from django.db import transaction
    from django.test import Client

    from tongxin.accounts.models import ApiToken, User
    from tongxin.core import clock
    from tongxin.orgs.models import Post
    from tongxin.people.models import Person
    from tongxin.places.models import Place
    from tongxin.visits import selectors, services
    from tongxin.visits.models import CareSchedule, VisitTask

    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    today = clock.today()
    residents = Person.objects.count()

    # a. The whole area's schedules, from none.
    VisitTask.objects.all().delete()
    CareSchedule.objects.all().delete()
    with connection.cursor() as cur:
        t_read, _rows = timed(lambda: (cur.execute(TAGS_SQL, [today, today]), cur.fetchall()))
    with transaction.atomic():
        n_sql = [0]

        def whole() -> int:
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as ctx:
                made = services.plan(on=today)
            n_sql[0] = len(ctx.captured_queries)
            return made

        t_plan, made = timed(whole)
    tagged = CareSchedule.objects.count()
    rows = list(VisitTask.objects.values_list("person_id", "rule_id", "period_start"))
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bench_task (person_id int, rule_id int, period_start date)")
        t_insert, _ = timed(
            lambda: cur.executemany("INSERT INTO bench_task VALUES (%s, %s, %s)", rows)
        )
        cur.execute("DROP TABLE bench_task")
    print(
        f"\na. schedule generation for the {args.scale}: {residents:,} residents, {tagged:,} "
        f"with care tags, {made:,} tasks"
    )
    print(
        f"  plan() whole area                      {t_plan / 1000:8.1f} s ({n_sql[0]:,} SQL; "
        f"{t_plan * 1000 / max(made, 1):.0f} µs a task)   anchor: tags read {t_read:.0f} ms + "
        f"raw insert {t_insert:.0f} ms = {(t_read + t_insert) / 1000:.2f} s   "
        f"ratio {t_plan / (t_read + t_insert):.1f}"
    )
    if args.scale != "district":
        district = 1_000_000 / max(residents, 1)
        print(
            f"  a district of 1,000,000 residents, scaled from these rates: about "
            f"{t_plan / 1000 * district:.0f} s once, then each night only the periods that begin"
        )
    grid = (
        Place.objects.filter(kind="grid", pk__in=VisitTask.objects.values("grid_id"))
        .order_by("path")
        .first()
    )
    grid_people = list(
        Person.objects.filter(grid=grid, pk__in=CareSchedule.objects.values("person_id"))
    )

    def plan_grid() -> None:
        with transaction.atomic():
            VisitTask.objects.filter(grid=grid).delete()
            services.plan(on=today, persons=grid_people)

    def anchor_grid() -> None:
        with connection.cursor() as cur:
            cur.execute(TAGS_SQL + " AND p.grid_id = %s", [today, today, grid.pk])
            cur.fetchall()

    compare(
        f"plan() one grid ({len(grid_people)} cared-for)",
        plan_grid,
        anchor_grid,
        args.repeat,
        args.warmup,
    )

    # b. A grid worker's due list.
    post = (
        Post.objects.active()
        .filter(role="grid_worker", place=grid, rank="A")
        .select_related("person")
        .first()
    )
    user, _c = User.objects.get_or_create(
        username="bench_visits_grid", defaults={"person": post.person}
    )
    token = ApiToken.issue(user, name="bench")[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    owed = VisitTask.objects.filter(assignee=post.person, state="open").count()
    print(f"\nb. the grid worker's due list ({owed} open visits owed)")

    def anchor_due() -> None:
        # The raw read of every open visit the worker owes, with the names, in due order: what
        # any page of the list needs read (its order is over the whole list).
        with connection.cursor() as cur:
            cur.execute(
                "SELECT t.id, t.due_by, t.place_path, p.name, r.name FROM visits_visittask t"
                " JOIN people_person p ON p.id = t.person_id"
                " JOIN visits_cadencerule r ON r.id = t.rule_id"
                " WHERE t.state = 'open' AND (t.assignee_id = %s OR t.escalated_to_id = %s)"
                " ORDER BY t.due_by, t.id",
                [post.person_id, post.person_id],
            )
            cur.fetchall()

    size = settings.TONGXIN_PAGE_SIZE
    last = max(1, -(-owed // size))

    def app_due() -> None:
        from tongxin.core.scoping import forget_scope

        forget_scope(user)
        selectors.due_list(user)[0:size]

    def api_due(page: int) -> Any:
        def run() -> None:
            response = client.get(f"/api/v1/visits/due?mine=1&page={page}")
            assert response.status_code == 200, response.content[:200]

        return run

    compare("due_list(), first page (selector)", app_due, anchor_due, args.repeat, args.warmup)
    compare("GET /api/v1/visits/due?page=1", api_due(1), anchor_due, args.repeat, args.warmup)
    compare(
        f"GET /api/v1/visits/due?page={last} (last)",
        api_due(last),
        anchor_due,
        args.repeat,
        args.warmup,
    )
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
