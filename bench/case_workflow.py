"""Case workflow benchmark (民情诉求) on a generated district: ``python bench/case_workflow.py``.

Its own database, never the demo's: SQLite ``var/bench/district-cases.sqlite3`` or, with
``--postgres``, the PostgreSQL database ``tongxin_bench_cases`` (created when missing). When
the database has no places, it generates the district's places, organisations and posts (no
residents: this benchmark does not need them) and bulk-loads ``--cases`` cases with their
timelines (``tongxin.demo.cases_bulk.bulk_cases``). Then it measures, in process through
``django.test.Client`` (the whole Django stack, no network):

a. intake: ``POST /api/v1/cases`` with a bearer token, from grid workers and residents;
b. worklists: ``GET /api/v1/cases?view=mine|grid`` and the page ``/cases/``;
c. measures: ``selectors.measures`` by grid and category (secretary) and the street officer's;

and prints the query plans of the worklist and measures queries. See bench/README.md.
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

import run as bench_run  # noqa: E402  (bench/run.py: settings, database, ANALYZE)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL tongxin_bench_cases")
    parser.add_argument("--scale", default="district", choices=("district", "street", "community"))
    parser.add_argument("--cases", type=int, default=3_000_000, help="cases to load (3,000,000)")
    parser.add_argument("--reports", type=int, default=500, help="intake requests (500)")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--copies",
        type=int,
        default=1,
        help="PostgreSQL: generate cases/COPIES over the latest 730/COPIES days with "
        "bulk_cases, then replicate them COPIES-1 times further back in time in SQL (fast)",
    )
    parser.add_argument("--setup-only", action="store_true")
    return parser.parse_args(argv)


def configure(args: argparse.Namespace) -> str:
    suffix = "" if args.scale == "district" else f"_{args.scale}"
    ns = argparse.Namespace(postgres=args.postgres, scale=f"{args.scale}-cases")
    return bench_run.configure_django(ns, f"tongxin_bench_cases{suffix}")


def prepare(args: argparse.Namespace) -> None:
    from tongxin.cases.models import Case
    from tongxin.demo.cases_bulk import bulk_cases

    progress = bench_run.progress_printer()
    bench_run.places_and_posts(args.scale, progress)
    if not Case.objects.exists():
        copies = max(1, args.copies)
        base, days = args.cases // copies, 730 // copies

        def load() -> None:
            counts = bulk_cases(total=base, days=days, progress=progress)
            if copies > 1:
                replicate(copies, base, days, progress)
            print(f"loaded {counts} × {copies}")

        bench_run.bulk_load(f"{args.cases:,} cases with their timelines", load)
    print_counts()


CASE_TIMES = (
    "created_at", "updated_at", "accept_due", "arrive_due", "resolve_due", "suspended_at",
    "accepted_at", "arrived_at", "resolved_at", "closed_at", "feedback_at",
)  # fmt: skip


def replicate(copies: int, base: int, days: int, progress: Any) -> None:
    """Copy the freshly loaded cases (and their events and department calls) ``copies - 1``
    times, each copy ``days`` days further back, in SQL on the server. Copies of cases that
    were still open are closed (an old case is done); their timelines are copied as they were,
    and their clocks JSON keeps the original times (no measured query reads it)."""
    from django.db import connection

    from tongxin.cases.models import Case, CaseEvent, DepartmentCall
    from tongxin.cases.workflow import OPEN_STATES

    if connection.vendor != "postgresql":
        raise SystemExit("--copies needs --postgres")
    first, last = (
        Case.objects.order_by("pk").values_list("pk", flat=True)[:1][0],
        (Case.objects.order_by("-pk").values_list("pk", flat=True)[:1][0]),
    )
    span = last - first + 1
    open_list = ", ".join(f"'{s}'" for s in OPEN_STATES)
    case_cols = [f.column for f in Case._meta.concrete_fields]
    event_cols = [f.column for f in CaseEvent._meta.concrete_fields if f.column != "id"]
    call_cols = [f.column for f in DepartmentCall._meta.concrete_fields if f.column != "id"]

    def shifted(col: str, k: int) -> str:
        back = f"interval '{k * days} days'"
        if col == "id":
            return f"id + {k * span}"
        if col == "merged_into_id":
            return f"merged_into_id + {k * span}"
        if col == "ref":
            return (
                f"'SQ' || to_char((created_at - {back}) AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD')"
                # lpad would cut ids of more than 6 digits: pad only the shorter ones.
                f" || '-' || CASE WHEN id + {k * span} < 1000000 "
                f"THEN lpad((id + {k * span})::text, 6, '0') ELSE (id + {k * span})::text END"
            )
        if col == "state":
            return f"CASE WHEN state IN ({open_list}) THEN 'closed' ELSE state END"
        if col in ("closed_at", "resolved_at", "feedback_at"):
            return (
                f"CASE WHEN state IN ({open_list}) THEN created_at + interval '1 day' "
                f"ELSE {col} END - {back}"
            )
        if col == "feedback":
            return f"CASE WHEN state IN ({open_list}) THEN 'satisfied' ELSE feedback END"
        if col == "resolved_on_time":
            return f"CASE WHEN state IN ({open_list}) THEN true ELSE resolved_on_time END"
        if col in CASE_TIMES:
            return f"{col} - {back}"
        return col

    with connection.cursor() as cur:
        for k in range(1, copies):
            cur.execute(
                f"INSERT INTO cases_case ({', '.join(case_cols)}) "  # noqa: S608 (model columns, our numbers)
                f"SELECT {', '.join(shifted(c, k) for c in case_cols)} FROM cases_case "
                f"WHERE id BETWEEN {first} AND {last}"
            )
            ev = [
                f"case_id + {k * span}" if c == "case_id" else (
                    f"at - interval '{k * days} days'" if c == "at" else c
                )
                for c in event_cols
            ]  # fmt: skip
            cur.execute(
                f"INSERT INTO cases_caseevent ({', '.join(event_cols)}) "  # noqa: S608 (model columns, our numbers)
                f"SELECT {', '.join(ev)} FROM cases_caseevent "
                f"WHERE case_id BETWEEN {first} AND {last}"
            )
            calls = [
                f"case_id + {k * span}" if c == "case_id" else (
                    f"{c} - interval '{k * days} days'"
                    if c in ("report_due", "reported_at", "done_at", "created_at", "updated_at")
                    else c
                )
                for c in call_cols
            ]  # fmt: skip
            cur.execute(
                f"INSERT INTO cases_departmentcall ({', '.join(call_cols)}) "  # noqa: S608 (model columns, our numbers)
                f"SELECT {', '.join(calls)} FROM cases_departmentcall "
                f"WHERE case_id BETWEEN {first} AND {last}"
            )
            progress(f"  复制第 {k + 1}/{copies} 份：{(k + 1) * span:,} 件诉求")
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('cases_case', 'id'), "
            "(SELECT max(id) FROM cases_case))"
        )


def print_counts() -> None:
    from django.db.models import Count

    from tongxin.cases.models import Case, CaseEvent, DepartmentCall
    from tongxin.cases.workflow import OPEN_STATES
    from tongxin.orgs.models import Post
    from tongxin.places.models import Place

    print("rows:")
    for row in Place.objects.values("kind").annotate(n=Count("id")).order_by("kind"):
        print(f"  places.{row['kind']:<12} {row['n']:>12,}")
    total = Case.objects.count()
    open_ = Case.objects.filter(state__in=OPEN_STATES).count()
    overdue = Case.objects.filter(state__in=OPEN_STATES, overdue=True).count()
    print(f"  posts              {Post.objects.count():>12,}")
    share = 100 * open_ / max(total, 1)
    print(f"  cases              {total:>12,}  open {open_:,} ({share:.1f} %), overdue {overdue:,}")
    print(f"  case events        {CaseEvent.objects.count():>12,}")
    print(f"  department calls   {DepartmentCall.objects.count():>12,}")


def stats(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[max(0, -(-len(values) * 95 // 100) - 1)]
    return f"median {statistics.median(values) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms"


def timed(fn: Any, repeat: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def explain_last(action: Any, contains: str, title: str) -> None:
    from cases import explain, last_query

    sql = last_query(action, contains=contains)
    print(f"\n  plan: {title}\n      {sql[:600]}")
    for line in explain(sql):
        print(f"      {line}")


def bearer(user: Any) -> Any:
    from django.test import Client

    from tongxin.accounts.models import ApiToken

    return Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user, name='bench')[1]}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    label = configure(args)
    print(f"database: {label}")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    prepare(args)
    if args.setup_only:
        return 0
    from cases import _user_for, make_actors, signed_in
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tongxin.cases import selectors
    from tongxin.cases.models import Case
    from tongxin.core.scoping import forget_scope
    from tongxin.people.models import Person
    from tongxin.places.models import Place

    actors = make_actors()
    grid, secretary, street = actors.grid_worker, actors.secretary, actors.street_officer
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    for who, user in (("grid worker", grid), ("secretary", secretary), ("street", street)):
        n = selectors.worklist(user, "all").count()
        print(f"  {who:<12} sees {n:,} cases")

    # a. intake through the API, as several grid workers and residents of the community.
    grid_users = [grid]
    from tongxin.orgs.models import Post
    from tongxin.orgs.roles import Role

    for i, post in enumerate(
        Post.objects.active()
        .filter(role=Role.GRID_WORKER, rank="A", place_path__startswith=actors.community.path)
        .exclude(person_id=grid.person_id)
        .order_by("place_path")[:3]
    ):
        grid_users.append(_user_for(f"bench_grid{i + 2}", post.person))
    residents = []
    for i in range(4):
        person = Person.objects.create(
            name=f"居民{i + 1}", place=actors.building, place_path=actors.building.path,
            grid_id=actors.grid.pk,
        )  # fmt: skip
        residents.append(_user_for(f"bench_resident{i + 1}", person))
    clients = [bearer(u) for u in grid_users + residents]
    buildings = list(
        Place.objects.filter(kind="building", path__startswith=actors.community.path)
        .exclude(centroid_lat=None)
        .order_by("path")
    )
    codes = ["env.garbage", "env.litter", "noise", "municipal.manhole", "property.repair",
             "dispute", "traffic", "safety.fire_hazard"]  # fmt: skip
    # Residents report at their own grid; grid workers anywhere in the community.
    own = [b for b in buildings if b.path.startswith(actors.grid.path)]
    payloads = []
    for i in range(args.reports):
        b = (own if i % len(clients) >= len(grid_users) else buildings)[i % 7 * 13 % len(own)]
        payloads.append({
            "category": codes[i % len(codes)], "description": f"基准测试上报第{i + 1}件：问题描述",
            "priority": "normal", "channel": "app", "lat": b.centroid_lat, "lng": b.centroid_lng,
        })  # fmt: skip
    before = Case.objects.count()
    durations, errors, queries = [], 0, []
    started = time.perf_counter()
    for i, body in enumerate(payloads):
        client = clients[i % len(clients)]
        t = time.perf_counter()
        if i < 5:
            with CaptureQueriesContext(connection) as ctx:
                r = client.post("/api/v1/cases", body, content_type="application/json")
            queries.append(len(ctx.captured_queries))
        else:
            r = client.post("/api/v1/cases", body, content_type="application/json")
        durations.append(time.perf_counter() - t)
        if r.status_code not in (200, 201):
            errors += 1
            if errors <= 3:
                print("  intake error:", r.status_code, r.content[:300])
    wall = time.perf_counter() - started
    print(
        f"\na. intake: {len(payloads)} POST /api/v1/cases from {len(clients)} users "
        f"({len(grid_users)} grid workers, {len(residents)} residents), in-process test client"
    )
    print(f"   {len(payloads) / wall:.1f} requests/s sequential; per request {stats(durations)};"
          f" {errors} errors; {Case.objects.count() - before} cases made;"
          f" queries per request {queries}")  # fmt: skip

    # b. worklists.
    print("\nb. worklists (ms, whole request through the test client)")
    gclient = bearer(grid)
    web = signed_in(grid)
    for url, params, client in (
        ("/api/v1/cases", {"view": "mine"}, gclient),
        ("/api/v1/cases", {"view": "grid"}, gclient),
        ("/api/v1/cases", {"view": "overdue"}, gclient),
        ("/api/v1/cases", {"view": "mine"}, bearer(secretary)),
        ("/api/v1/cases", {"view": "grid"}, bearer(secretary)),
        ("/cases/", {}, web),
        ("/cases/", {"view": "grid"}, web),
    ):
        status = client.get(url, params).status_code
        if status == 404 and url == "/cases/":
            print(f"   {url} {params}: not there yet (404)")
            continue
        times = timed(lambda c=client, u=url, p=params: c.get(u, p), args.repeat, args.warmup)
        who = "secretary" if client not in (gclient, web) else "grid worker"
        print(f"   {url} {params} as {who}: {status}, "
              f"{stats(times)}")  # fmt: skip

    for view in ("mine", "grid"):
        for user, who in ((grid, "grid worker"), (secretary, "secretary")):
            forget_scope(user)
            explain_last(
                lambda u=user, v=view: list(selectors.worklist(u, v)[:20]),
                "cases_case",
                f"worklist {view} first page ({who})",
            )

    # c. measures.
    print("\nc. measures (ms, selectors)")
    for user, who, by in (
        (secretary, "secretary", "grid"),
        (secretary, "secretary", "category"),
        (secretary, "secretary", "total"),
        (street, "street officer", "community"),
        (street, "street officer", "grid"),
        (street, "street officer", "category"),
    ):
        rows = selectors.measures(user, by=by)
        times = timed(lambda u=user, b=by: selectors.measures(u, by=b), max(5, args.repeat // 3), 1)
        print(f"   {who} by {by}: {len(rows)} rows, {stats(times)}")
    for user, who, by in ((secretary, "secretary", "grid"), (street, "street officer", "grid")):
        explain_last(lambda u=user, b=by: selectors.measures(u, by=b), "cases_case",
                     f"measures by {by} ({who})")  # fmt: skip
    print("\nload average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
