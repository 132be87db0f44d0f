"""Benchmarks on generated district-scale data: ``make bench`` (``python bench/run.py``).

The benchmarks run against a database of their own, never the demo database:

- SQLite (default): ``var/bench/<scale>.sqlite3`` (the folder is ``$TONGXIN_BENCH_DIR`` when set);
- PostgreSQL (``--postgres``): the database ``tongxin_bench`` (``tongxin_bench_<scale>`` for a
  scale other than district) on ``$TONGXIN_BENCH_PG`` or ``postgres://postgres@127.0.0.1:5432``,
  created when missing.

The personal-information key lives next to the data (``var/bench/pii.key``), so the keyed hashes
the generator wrote are the ones the phone search looks up.

When the database holds no places yet, the script migrates it and generates the area (seed
2026). Generating the district (800 grids, ~1M residents) is the slow part, minutes rather than
seconds; later runs reuse the data. See bench/README.md for what each benchmark measures.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEED = 2026
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale",
        choices=("district", "street", "community"),
        default="district",
        help="area to generate and measure (default: district, ~1M residents)",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="use PostgreSQL database tongxin_bench instead of SQLite",
    )
    parser.add_argument(
        "--repeat", type=int, default=30, help="timed runs per benchmark after warm-up (default 30)"
    )
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs first (default 3)")
    parser.add_argument(
        "--only",
        default="search,place,subtree",
        help="comma-separated: search, place, subtree (default: all three)",
    )
    parser.add_argument(
        "--plans", action="store_true", help="also print the query plan of every search query"
    )
    parser.add_argument(
        "--setup-only",
        action="store_true",
        help="create, migrate and generate the database, then stop",
    )
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="refresh the planner statistics (VACUUM ANALYZE / ANALYZE) before measuring",
    )
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="do not refresh the planner statistics (ANALYZE) after generation",
    )
    return parser.parse_args(argv)


def bench_dir() -> Path:
    return Path(os.environ.get("TONGXIN_BENCH_DIR", ROOT / "var" / "bench")).resolve()


def pg_database_name(scale: str) -> str:
    return "tongxin_bench" if scale == "district" else f"tongxin_bench_{scale}"


def ensure_pg_database(base_url: str, name: str) -> None:
    """Create the benchmark database on the PostgreSQL server when it does not exist."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{base_url.rstrip('/')}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created PostgreSQL database {name}")


def configure_django(args: argparse.Namespace, database: str | None = None) -> str:
    """Point Django (settings config.settings.dev) at the benchmark database; return its label.

    ``database`` names a PostgreSQL database of the benchmark's own (a module's benchmark keeps
    its data apart from the area's); by default it follows the scale (``pg_database_name``)."""
    folder = bench_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    # Everything the settings derive from the var folder (the PII key above all) comes from
    # the benchmark folder, and no DATABASE_URL can redirect us to another database.
    os.environ["TONGXIN_VAR_DIR"] = str(folder)
    os.environ["TONGXIN_PII_KEY_FILE"] = str(folder / "pii.key")
    os.environ.pop("TONGXIN_PII_KEY", None)
    os.environ.pop("DATABASE_URL", None)

    import dj_database_url
    from django.conf import settings

    from config.settings.base import database_from_env

    if args.postgres:
        base_url = os.environ.get("TONGXIN_BENCH_PG", DEFAULT_PG)
        name = database or pg_database_name(args.scale)
        ensure_pg_database(base_url, name)
        database = dj_database_url.parse(f"{base_url.rstrip('/')}/{name}", conn_max_age=600)
        label = f"PostgreSQL {name}"
    else:
        path = folder / f"{args.scale}.sqlite3"
        database = database_from_env(path)
        label = f"SQLite {path}"
    if Path(str(database.get("NAME", ""))).name == "tongxin.sqlite3":
        raise SystemExit("refusing to benchmark against the demo database")
    settings.DATABASES = {"default": database}
    # Production-like: no query log kept in memory, no debug pages. The test client's host.
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    import django

    django.setup()
    return label


def row_counts() -> dict[str, int]:
    from django.db.models import Count

    from tongxin.orgs.models import Absence, Organisation, Post
    from tongxin.people.models import CareTag, Household, PartyMembership, Person
    from tongxin.places.models import Facility, Place, PointOfInterest

    counts = {
        f"places.{row['kind']}": row["n"]
        for row in Place.objects.values("kind").annotate(n=Count("id")).order_by()
    }
    for label, model in (
        ("households", Household),
        ("persons", Person),
        ("care_tags", CareTag),
        ("party_memberships", PartyMembership),
        ("organisations", Organisation),
        ("posts", Post),
        ("absences", Absence),
        ("pois", PointOfInterest),
        ("facilities", Facility),
    ):
        counts[label] = model.objects.count()
    return counts


def analyze() -> float:
    """Refresh the planner statistics, as a deployment does after a bulk load.

    On PostgreSQL this is ``VACUUM ANALYZE``, what autovacuum would soon do: it also sets the
    visibility map, without which no index-only scan is possible (the test server this was
    written on runs with autovacuum off).
    """
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return time.perf_counter() - started


def progress_printer() -> Callable[[str], None]:
    """A progress line printer, timed from its creation."""
    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"  [{time.perf_counter() - started:7.1f} s] {message}", flush=True)

    return progress


def places_and_posts(scale: str, progress: Callable[[str], None]) -> None:
    """Migrate; when there are no places yet, generate the scale's places, organisations and
    posts without its residents (no households, care tags, party members among residents or
    building heads): the ground a module's benchmark loads its own records onto."""
    from django.core.management import call_command

    from tongxin.demo.generator import DemoGenerator
    from tongxin.places.models import Place

    call_command("migrate", interactive=False, verbosity=0)
    if Place.objects.exists():
        return

    class PlacesAndPosts(DemoGenerator):
        def build_people(self) -> None:
            self.households, self.members_by_hh = [], {}

        def build_care_tags(self) -> None:
            pass

    started = time.perf_counter()
    print(f"generating the {scale} places, organisations and posts (seed {SEED})…")
    PlacesAndPosts(seed=SEED, scale=scale, progress=progress).run(with_users=False)
    print(f"generation took {time.perf_counter() - started:.1f} s")


def bulk_load(what: str, load: Callable[[], None]) -> None:
    """Run a benchmark's loader in one transaction with the bulk-load tuning, then refresh the
    planner statistics, printing how long each took."""
    from django.db import transaction

    from tongxin.demo.generator import bulk_load_tuning

    started = time.perf_counter()
    with transaction.atomic(), bulk_load_tuning():
        load()
    print(f"loading {what} took {time.perf_counter() - started:.1f} s")
    print(f"ANALYZE: {analyze():.1f} s")


def prepare_database(args: argparse.Namespace) -> None:
    """Migrate; generate the area when there are no places yet; print the row counts."""
    from django.core.management import call_command

    from tongxin.places.models import Place

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"migrate: {time.perf_counter() - started:.1f} s")
    if Place.objects.exists():
        print(
            f"reusing the generated {args.scale} data already in the database "
            "(delete it to generate again)"
        )
        if args.analyze:
            print(f"ANALYZE (VACUUM ANALYZE on PostgreSQL): {analyze():.1f} s")
    else:
        from tongxin.demo.generator import DemoGenerator

        print(
            f"the database is empty: generating the {args.scale} scale (seed {SEED}). "
            "This is the slow part (the district takes minutes); later runs reuse the data."
        )
        started = time.perf_counter()
        last = [started]

        def progress(message: str) -> None:
            now = time.perf_counter()
            print(f"  [{now - started:7.1f} s, +{now - last[0]:5.1f}] {message}", flush=True)
            last[0] = now

        DemoGenerator(seed=SEED, scale=args.scale, progress=progress).run(with_users=False)
        print(f"generation took {time.perf_counter() - started:.1f} s")
        if not args.no_analyze:
            print(f"ANALYZE (VACUUM ANALYZE on PostgreSQL): {analyze():.1f} s")
    counts = row_counts()
    width = max(len(k) for k in counts)
    print("rows:")
    for key, value in counts.items():
        print(f"  {key:<{width}} {value:>10,}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    label = configure_django(args)
    from django.db import connection

    print(f"database: {label} ({connection.vendor})")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    prepare_database(args)
    if args.setup_only:
        return 0
    from cases import run_benchmarks  # bench/cases.py, next to this file

    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    started = time.perf_counter()
    run_benchmarks(args)
    print(
        f"\nbenchmarks took {time.perf_counter() - started:.0f} s; load average after: "
        "{:.2f} {:.2f} {:.2f} (other work on the machine shows up in the figures)".format(
            *os.getloadavg()
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
