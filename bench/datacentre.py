"""Data centre benchmark (issue 24): ``python bench/datacentre.py`` (PostgreSQL
``tongxin_bench_datacentre``, created when missing; ``--sqlite`` for
``var/bench/district-datacentre.sqlite3``).

When the database has no places it generates the district's places, organisations and posts
(``tongxin.demo.generator`` at scale ``district``: 800 grids, no residents). Then, once:

- **rollup rows generated directly**, a year of them (``--days``, 365) for the 800 grids, as
  from ~3 M cases (``--cases``): each grid × day gets its cases dealt out over a few of the
  categories (the figures drawn so that accepted ≤ received, resolved ≤ accepted and so on);
- a user with a grant on the district (a district officer's view: the dashboards of every
  street and of the district).

Measured, interleaved with an anchor, ≥ 20 warm runs each (median, p95, ratio, statements):

a. the street dashboard ``GET /datacentre/?place=<street>`` (totals, per grid, per category,
   per day, the trend chart; the last 30 days) through ``django.test.Client``, beside
   ``GET /api/v1/stats/cases`` for the street, and both beside the **anchor**: the same sums
   read by one raw SQL statement on the same connection;
b. the same for the district;
c. the rollup time of one day: ~3 M / 365 cases inserted for a day (``--day-cases``), then
   ``rollups.rebuild(day, day)`` timed (and the incremental run that follows with nothing
   changed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import run as bench_run  # noqa: E402  (bench/run.py: settings, database, ANALYZE)
from matching import percentile95, side_by_side, statements  # noqa: E402

DATABASE = "tongxin_bench_datacentre"
USERNAME = "bench_datacentre"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--days", type=int, default=365, help="days of rollups (365)")
    parser.add_argument("--cases", type=int, default=3_000_000, help="cases they stand for")
    parser.add_argument("--day-cases", type=int, default=8_200, help="cases of the rolled day")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs of each (≥ 20)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--setup-only", action="store_true")
    return parser.parse_args(argv)


def configure(args: argparse.Namespace) -> str:
    ns = argparse.Namespace(postgres=not args.sqlite, scale="district-datacentre")
    return bench_run.configure_django(ns, DATABASE)


def prepare(args: argparse.Namespace) -> None:
    from tongxin.datacentre.models import CaseRollup
    from tongxin.places.models import Place

    bench_run.places_and_posts("district", bench_run.progress_printer())
    if not CaseRollup.objects.exists():
        bench_run.bulk_load("the rollups", lambda: load_rollups(args.days, args.cases))
    ensure_user()
    print(
        f"grids {Place.objects.filter(kind='grid').count()}, "
        f"rollup rows {CaseRollup.objects.count():,}"
    )


def load_rollups(days: int, cases: int) -> None:
    from tongxin.cases.models import CaseCategory
    from tongxin.core import clock
    from tongxin.datacentre.models import CaseRollup
    from tongxin.places.models import Place

    rng = random.Random(bench_run.SEED)
    grids = list(Place.objects.filter(kind="grid").values_list("pk", "path"))
    categories = list(
        CaseCategory.objects.filter(parent__isnull=False).values_list("pk", flat=True)
    )
    per_grid_day = cases / len(grids) / days
    today = clock.today()
    batch: list[CaseRollup] = []
    written = 0
    for d in range(days):
        day = today - dt.timedelta(days=d)
        for grid_id, path in grids:
            n = max(0, round(rng.gauss(per_grid_day, per_grid_day / 3)))
            if not n:
                continue
            picks: dict[int, int] = {}
            for _ in range(n):
                c = categories[min(len(categories) - 1, int(rng.expovariate(0.25)))]
                picks[c] = picks.get(c, 0) + 1
            for category_id, received in picks.items():
                accepted = received - (rng.random() < 0.05)
                resolved = max(0, accepted - (rng.random() < 0.1 + 0.3 * (d < 7)))
                on_time = resolved - (rng.random() < 0.1)
                followed = max(0, resolved - (rng.random() < 0.2))
                batch.append(
                    CaseRollup(
                        day=day,
                        path=path,
                        grid_id=grid_id,
                        category_id=category_id,
                        received=received,
                        accepted=max(0, accepted),
                        resolved=resolved,
                        on_time=max(0, on_time),
                        reopened=int(rng.random() < 0.03),
                        overdue=int(rng.random() < 0.05),
                        open=received - resolved,
                        followed_up=followed,
                        satisfied=max(0, followed - (rng.random() < 0.05)),
                        accept_seconds=accepted * rng.randint(600, 7200),
                        resolve_timed=resolved,
                        resolve_seconds=resolved * rng.randint(3600, 200_000),
                    )
                )
        if len(batch) >= 20_000:
            CaseRollup.objects.bulk_create(batch, batch_size=5000)
            written += len(batch)
            batch = []
        if d % 30 == 0:
            print(f"  day {d}: {written:,} rows", flush=True)
    CaseRollup.objects.bulk_create(batch, batch_size=5000)


def ensure_user() -> Any:
    from tongxin.accounts.models import AccessGrant, User
    from tongxin.places.models import Place

    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        user = User.objects.create_user(username=USERNAME, password=None)
        district = Place.objects.filter(kind="district").order_by("path").first()
        AccessGrant.objects.create(
            user=user, place=district, reason="benchmark", valid_from=dt.date(2000, 1, 1)
        )
    return user


def anchor_sql(path: str, day_from: dt.date, day_to: dt.date) -> Any:
    from django.db import connection

    sql = (
        "SELECT grid_id, SUM(received), SUM(accepted), SUM(resolved), SUM(on_time), "
        "SUM(followed_up), SUM(satisfied) FROM datacentre_caserollup "
        "WHERE path LIKE %s AND day BETWEEN %s AND %s GROUP BY grid_id"
    )

    def run() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql, [path + "%", day_from, day_to])
            return cursor.fetchall()

    return run


def report(title: str, app: Any, anchor: Any, args: argparse.Namespace) -> dict[str, float]:
    a, b = side_by_side(app, anchor, args.repeat, args.warmup)
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"\n{title}")
    print(
        f"   app     median {ma * 1000:7.2f} ms  p95 {percentile95(a) * 1000:7.2f} ms  "
        f"{statements(app):3d} statements"
    )
    print(
        f"   anchor  median {mb * 1000:7.2f} ms  p95 {percentile95(b) * 1000:7.2f} ms  "
        f"{statements(anchor):3d} statements"
    )
    print(f"   ratio app/anchor (medians) {ma / mb:5.1f}×")
    return {"median": ma, "p95": percentile95(a)}


def measure(args: argparse.Namespace) -> None:
    from django.test import Client

    from tongxin.core import clock
    from tongxin.places.models import Place

    user = ensure_user()
    client = Client()
    client.force_login(user)
    today = clock.today()
    day_from = today - dt.timedelta(days=29)
    q = {"from": day_from.isoformat(), "to": today.isoformat()}
    street = Place.objects.filter(kind="street").order_by("path").first()
    district = Place.objects.filter(kind="district").order_by("path").first()
    for label, place in (("street", street), ("district", district)):
        grids = Place.objects.filter(kind="grid", path__startswith=place.path).count()

        def page(p: Any = place) -> None:
            r = client.get("/datacentre/", {"place": p.pk, **q})
            assert r.status_code == 200, r.status_code

        def api(p: Any = place) -> None:
            r = client.get("/api/v1/stats/cases", {"place_id": p.pk, "by": "grid", **q})
            assert r.status_code == 200, r.content[:300]

        anchor = anchor_sql(place.path, day_from, today)
        report(f"{label} dashboard page, 30 days, {grids} grids", page, anchor, args)
        report(f"{label} stats API by grid, 30 days", api, anchor, args)


def rollup_day(args: argparse.Namespace) -> None:
    from django.db import transaction

    from tongxin.cases.models import Case, CaseCategory
    from tongxin.core import clock
    from tongxin.datacentre import rollups
    from tongxin.places.models import Place

    day = dt.date(2020, 6, 1)  # outside the generated year: its own rows
    start = clock.start_of_day(day)
    if not Case.objects.filter(
        created_at__gte=start, created_at__lt=start + dt.timedelta(days=1)
    ).exists():
        rng = random.Random(bench_run.SEED)
        grids = list(Place.objects.filter(kind="grid").values_list("pk", "path"))
        categories = list(CaseCategory.objects.values_list("pk", flat=True))
        rows = []
        for n in range(args.day_cases):
            grid_id, path = rng.choice(grids)
            at = start + dt.timedelta(seconds=rng.randint(0, 86_399))
            resolved = at + dt.timedelta(hours=rng.randint(1, 72)) if rng.random() < 0.8 else None
            rows.append(
                Case(
                    ref=f"BENCH{n:08d}",
                    created_at=at,
                    category_id=rng.choice(categories),
                    channel="app",
                    state="closed" if resolved else "accepted",
                    description="bench",
                    grid_id=grid_id,
                    place_id=grid_id,
                    place_path=path,
                    accepted_at=at + dt.timedelta(minutes=rng.randint(5, 300)),
                    resolved_at=resolved,
                    resolved_on_time=bool(resolved) and rng.random() < 0.9,
                    feedback="satisfied" if resolved else "",
                )
            )
        with transaction.atomic():
            Case.objects.bulk_create(rows, batch_size=2000)
        bench_run.analyze()
    times = []
    for _ in range(5):
        t = time.perf_counter()
        written = rollups.rebuild(day, day)
        times.append(time.perf_counter() - t)
    print(
        f"\nrollup of one day ({args.day_cases:,} cases → {written:,} rows): "
        f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
    )
    t = time.perf_counter()
    rollups.incremental()
    first = time.perf_counter() - t
    t = time.perf_counter()
    summary = rollups.incremental()
    print(
        f"incremental: first run {first:.1f} s; again, nothing changed: "
        f"{(time.perf_counter() - t) * 1000:.0f} ms ({summary})"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    label = configure(args)
    print(f"database: {label}")
    prepare(args)
    if args.setup_only:
        return 0
    measure(args)
    rollup_day(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
