"""Data centre benchmark (issue 24): ``python bench/datacentre.py`` (``make bench-datacentre``;
PostgreSQL ``tongxin_bench_datacentre``, created when missing and kept for re-runs: what is
there already is not loaded again).

When the database has no places it generates the district's places, organisations and posts
(``tongxin.demo.generator`` at scale ``district``: 800 grids, no residents). Then, once, drawn on
the server (``INSERT … SELECT`` over ``generate_series``, no rows through Python):

- **a year of rollup rows** (``--days``, 365) for the 800 grids, as from ~3 M cases
  (``--cases``): each grid × day a normal number of cases, each case a subcategory, the
  cohorts counted (≈ 1.8 M case rollup rows) and the later figures drawn below the earlier;
  each cohort's time in five states (≈ 8.3 M state rollup rows);
- **real records for the rollup's own timing**: a month of cases (June 2020, before the
  generated year, ``--day-cases`` a day, 8,200 ≈ 3 M / 365) worked through the workflow with
  their events (≈ 6 a case), and the next day's;
- a user with a grant on the district (a district officer: every street's dashboard and the
  district's).

Measured (``--only pages,nightly``), interleaved with an anchor, warm:

a. the street and the district dashboard ``GET /datacentre/?place=…`` (the last ``--period``
   days, 30) through ``django.test.Client``, and ``GET /api/v1/stats/cases?level=…&by=grid|
   category|day``, ``--repeat`` (30) each, beside the **anchor**: the raw SQL the figures need
   (the rollup sums as ``GROUPING SETS`` and the state sums) on the same connection;
b. ``rollups.rebuild`` of the month and of the one day, and the **nightly incremental run**
   after the day (the mark set back to the day's midnight before each run), each beside the
   raw ``GROUP BY`` of the cases and the window over their events that give the same figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
import zlib
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
    parser.add_argument("--days", type=int, default=365, help="days of rollups (365)")
    parser.add_argument("--cases", type=int, default=3_000_000, help="cases they stand for")
    parser.add_argument("--day-cases", type=int, default=8_200, help="raw cases a day")
    parser.add_argument("--period", type=int, default=30, help="days the dashboards show")
    parser.add_argument("--repeat", type=int, default=30, help="timed reads of each (≥ 20)")
    parser.add_argument("--night-repeat", type=int, default=5, help="timed one-day rollups")
    parser.add_argument("--month-repeat", type=int, default=2, help="timed month rebuilds")
    parser.add_argument(
        "--only", default="pages,nightly", help="pages, nightly or both (comma-separated)"
    )
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--setup-only", action="store_true")
    return parser.parse_args(argv)


def configure(args: argparse.Namespace) -> str:
    ns = argparse.Namespace(postgres=True, scale="district-datacentre")
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


ROLLUP_SQL = """
INSERT INTO datacentre_caserollup (day, path, grid_id, category_id, received, accepted,
    resolved, on_time, reopened, overdue, open, followed_up, satisfied, accept_seconds,
    resolve_timed, resolve_seconds)
SELECT day, path, grid_id, category_id, received, accepted, resolved, on_time, reopened,
    overdue, received - resolved, followed_up, satisfied,
    accepted * (600 + floor(random() * 6600))::bigint, resolved,
    resolved * (3600 + floor(random() * 196400))::bigint
FROM (
    SELECT *, GREATEST(0, resolved - (random() < 0.1)::int) AS on_time,
        GREATEST(0, followed - (random() < 0.05)::int) AS satisfied, followed AS followed_up
    FROM (
        SELECT *, GREATEST(0, resolved - (random() < 0.2)::int) AS followed
        FROM (
            SELECT day, path, grid_id, category_id, received, accepted,
                GREATEST(0, accepted - (random() < 0.1 + 0.3 * (age < 7)::int)::int)
                    AS resolved,
                (random() < 0.03)::int AS reopened, (random() < 0.05)::int AS overdue
            FROM (
                SELECT day, age, path, grid_id, category_id, received,
                    GREATEST(0, received - (random() < 0.05)::int) AS accepted
                FROM (
                    SELECT day, age, path, grid_id, category_id, count(*) AS received
                    FROM (
                        SELECT day, age, path, grid_id,
                            (%(categories)s::bigint[])[1 + LEAST(
                                cardinality(%(categories)s::bigint[]) - 1,
                                floor(-ln(1 - random()) / 0.25)::int
                            )] AS category_id
                        FROM (
                            SELECT %(today)s::date - d AS day, d AS age, g.path,
                                g.id AS grid_id,
                                GREATEST(0, round(%(mean)s + %(mean)s / 3 *
                                    sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())
                                ))::int AS n
                            FROM generate_series(0, %(days)s - 1) AS d, places_place AS g
                            WHERE g.kind = 'grid'
                        ) AS grid_day, generate_series(1, grid_day.n) AS k
                    ) AS one_case
                    GROUP BY 1, 2, 3, 4, 5
                ) AS cohorts
            ) AS a
        ) AS b
    ) AS c
) AS d
"""

# Each cohort's time in the states its cases passed through (ended stays only): reported
# until accepted, accepted until dispatched, dispatched until started, in progress until
# resolved, resolved until the follow-up closed them.
STATE_SQL = """
INSERT INTO datacentre_casestaterollup (day, path, grid_id, category_id, state, spells, seconds)
SELECT r.day, r.path, r.grid_id, r.category_id, s.state, s.spells,
    s.spells * (s.low + floor(random() * s.span))::bigint
FROM datacentre_caserollup AS r CROSS JOIN LATERAL (VALUES
    ('reported', r.received, 300, 7000),
    ('accepted', r.accepted, 600, 3000),
    ('dispatched', r.accepted, 1800, 20000),
    ('in_progress', r.resolved, 3600, 150000),
    ('resolved', r.followed_up, 7200, 160000)
) AS s(state, spells, low, span)
WHERE s.spells > 0
"""


def load_rollups(days: int, cases: int) -> None:
    """A year of case rollups and their state rollups, drawn on the server (one INSERT …
    SELECT each over ``generate_series``): each grid × day gets a normal number of cases
    (mean ``cases / grids / days``), each case a category (exponential over the
    subcategories), the cohorts counted, and the later figures drawn below the earlier."""
    from django.db import connection

    from tongxin.cases.models import CaseCategory
    from tongxin.core import clock
    from tongxin.places.models import Place

    grids = Place.objects.filter(kind="grid").count()
    categories = list(
        CaseCategory.objects.filter(parent__isnull=False)
        .order_by("order", "code")
        .values_list("pk", flat=True)
    )
    params = {
        "today": clock.today(),
        "days": days,
        "mean": cases / grids / days,
        "categories": categories,
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.2026)")
        started = time.perf_counter()
        cursor.execute(ROLLUP_SQL, params)
        print(f"  {cursor.rowcount:,} case rollup rows: {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        cursor.execute(STATE_SQL)
        print(f"  {cursor.rowcount:,} state rollup rows: {time.perf_counter() - started:.1f} s")


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


SUMS = (
    "SUM(received), SUM(accepted), SUM(resolved), SUM(on_time), SUM(reopened), SUM(overdue), "
    "SUM(open), SUM(followed_up), SUM(satisfied), SUM(accept_seconds), SUM(resolve_timed), "
    "SUM(resolve_seconds)"
)
WHERE = "WHERE path LIKE %s AND day BETWEEN %s AND %s"
# The raw SQL each read needs: the rollup sums of the totals and of each breakdown (the page
# shows all three; the API one), and the time in each state, for the whole and per row.
PAGE_ANCHOR = (
    f"SELECT grid_id, category_id, day, {SUMS} FROM datacentre_caserollup {WHERE} "  # noqa: S608
    "GROUP BY GROUPING SETS ((), (grid_id), (category_id), (day))",
    f"SELECT state, SUM(spells), SUM(seconds) FROM datacentre_casestaterollup {WHERE} "  # noqa: S608
    "GROUP BY state",
)
API_KEYS = {"grid": "grid_id", "category": "category_id", "day": "day"}


def api_anchor(by: str) -> tuple[str, ...]:
    key = API_KEYS[by]
    return (
        f"SELECT {key}, {SUMS} FROM datacentre_caserollup {WHERE} "  # noqa: S608 (our SQL)
        f"GROUP BY GROUPING SETS ((), ({key}))",
        f"SELECT {key}, state, SUM(spells), SUM(seconds) FROM datacentre_casestaterollup "  # noqa: S608
        f"{WHERE} GROUP BY GROUPING SETS ((state), ({key}, state))",
    )


def anchor(statements: tuple[str, ...], params: list[Any]) -> Any:
    from django.db import connection

    def run() -> Any:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql, params)
                cursor.fetchall()

    return run


def report(title: str, app: Any, anchor: Any, args: argparse.Namespace, **kw: Any) -> None:
    repeat = kw.get("repeat", args.repeat)
    warmup = kw.get("warmup", args.warmup)
    a, b = side_by_side(app, anchor, repeat, warmup)
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"\n{title}  [{repeat} runs each; load {load()}]")
    print(
        f"   app     median {ma * 1000:8.1f} ms  p95 {percentile95(a) * 1000:8.1f} ms  "
        f"{statements(app):3d} statements"
    )
    print(
        f"   anchor  median {mb * 1000:8.1f} ms  p95 {percentile95(b) * 1000:8.1f} ms  "
        f"{statements(anchor):3d} statements"
    )
    print(f"   ratio app/anchor (medians) {ma / mb:5.1f}×", flush=True)


def load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def measure(args: argparse.Namespace) -> None:
    from django.test import Client

    from tongxin.accounts.second_factor import SESSION_KEY
    from tongxin.core import clock
    from tongxin.places.models import Place

    user = ensure_user()
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = "totp"  # past the second factor, as after a TOTP code
    session.save()
    today = clock.today()
    day_from = today - dt.timedelta(days=args.period - 1)
    q = {"from": day_from.isoformat(), "to": today.isoformat()}
    street = Place.objects.filter(kind="street").order_by("path").first()
    district = Place.objects.filter(kind="district").order_by("path").first()
    for label, place in (("street", street), ("district", district)):
        assert place is not None
        grids = Place.objects.filter(kind="grid", path__startswith=place.path).count()
        params = [place.path + "%", day_from, today]

        def page(p: Any = place) -> None:
            r = client.get("/datacentre/", {"place": p.pk, **q})
            assert r.status_code == 200, r.status_code

        report(
            f"{label} dashboard page, {args.period} days, {grids} grids",
            page,
            anchor(PAGE_ANCHOR, params),
            args,
        )
        for by in ("grid", "category", "day"):

            def api(p: Any = place, by: str = by, level: str = label) -> None:
                r = client.get(
                    "/api/v1/stats/cases", {"level": level, "place_id": p.pk, "by": by, **q}
                )
                assert r.status_code == 200, r.content[:300]

            report(
                f"{label} /api/v1/stats/cases by={by}, {args.period} days",
                api,
                anchor(api_anchor(by), params),
                args,
            )


CASES_SQL = """
INSERT INTO cases_case (created_at, updated_at, ref, priority, channel, state, description,
    answers, reporter_name, reporter_phone_cipher, reporter_phone_masked, anonymous, address,
    place_path, location_source, resolution, level, suspended_from, clocks, breach_level,
    overdue, supervised, accepted_at, arrived_at, resolved_at, closed_at, resolved_on_time,
    result, feedback, feedback_at, reopen_count, support_count, public_note, grid_id,
    place_id, category_id, idempotency_key, resolve_due)
SELECT created_at, COALESCE(closed_at, resolved_at, arrived_at, accepted_at, created_at),
    %(prefix)s || lpad(n::text, 7, '0'), 'normal', 'app',
    CASE WHEN rejected THEN 'rejected' WHEN feedback_at IS NOT NULL THEN 'closed'
        WHEN resolved_at IS NOT NULL THEN 'resolved'
        WHEN arrived_at IS NOT NULL THEN 'in_progress' ELSE 'accepted' END,
    'bench', '{}', '', '', '', false, '', path, '', '{}', '', '', '{}', 0,
    resolved_at IS NOT NULL AND resolved_at > resolve_due, false,
    accepted_at, arrived_at, resolved_at, closed_at,
    CASE WHEN resolved_at IS NOT NULL THEN resolved_at <= resolve_due END,
    '', CASE WHEN feedback_at IS NULL THEN '' WHEN random() < 0.9 THEN 'satisfied'
        ELSE 'basic' END,
    feedback_at, 0, 0, '', grid_id, grid_id, category_id, '', resolve_due
FROM (
    SELECT *, CASE WHEN rejected THEN created_at + interval '1 hour' ELSE feedback_at END
        AS closed_at
    FROM (
        SELECT *,
            CASE WHEN resolved_at IS NOT NULL AND random() < 0.85
                THEN resolved_at + interval '1 minute' * (120 + floor(random() * 2600)) END
                AS feedback_at
        FROM (
            SELECT *,
                CASE WHEN NOT rejected AND u > 0.08
                    THEN accepted_at + interval '1 minute' * (60 + floor(random() * 600)) END
                    AS arrived_at,
                CASE WHEN NOT rejected AND u > 0.13
                    THEN accepted_at + interval '1 minute' * (600 + floor(random() * 4000))
                    END AS resolved_at,
                created_at + interval '48 hours' AS resolve_due
            FROM (
                SELECT n, created_at, u, u < 0.03 AS rejected,
                    CASE WHEN u >= 0.03
                        THEN created_at + interval '1 minute' * (5 + floor(random() * 295))
                        END AS accepted_at,
                    (%(grids)s::bigint[])[g] AS grid_id, (%(paths)s::text[])[g] AS path,
                    (%(categories)s::bigint[])[1 + LEAST(
                        cardinality(%(categories)s::bigint[]) - 1,
                        floor(-ln(1 - random()) / 0.25)::int)] AS category_id
                FROM (
                    SELECT n, %(start)s::timestamptz
                            + interval '1 second' * floor(random() * %(span)s) AS created_at,
                        random() AS u,
                        1 + floor(random() * cardinality(%(grids)s::bigint[]))::int AS g
                    FROM generate_series(1, %(cases)s) AS n
                ) AS drawn
            ) AS received
        ) AS worked
    ) AS followed
) AS closed
"""

EVENTS_SQL = """
INSERT INTO cases_caseevent (case_id, seq, at, actor_label, act, from_state, to_state, note,
    public, data)
SELECT c.id, e.seq, e.at, '', e.act, e.from_state, e.to_state, '', true, '{}'
FROM cases_case AS c CROSS JOIN LATERAL (VALUES
    (1, c.created_at, 'report', '', 'reported'),
    (2, CASE WHEN c.state = 'rejected' THEN c.closed_at END, 'reject', 'reported', 'rejected'),
    (2, c.accepted_at, 'accept', 'reported', 'accepted'),
    (3, c.accepted_at + (c.arrived_at - c.accepted_at) / 2, 'dispatch', 'accepted',
        'dispatched'),
    (4, c.arrived_at, 'start', 'dispatched', 'in_progress'),
    (5, c.arrived_at + (c.resolved_at - c.arrived_at) / 3, 'note', '', ''),
    (6, c.resolved_at, 'resolve', 'in_progress', 'resolved'),
    (7, c.feedback_at, 'feedback', 'resolved', 'closed')
) AS e(seq, at, act, from_state, to_state)
WHERE c.ref LIKE %(prefix)s AND e.at IS NOT NULL
ORDER BY c.created_at, e.seq
"""


def load_cases(prefix: str, day_from: dt.date, day_to: dt.date, per_day: int) -> int:
    """``per_day`` cases a day received over the local days ``day_from``…``day_to``, in the
    district's grids and categories, worked through the workflow (3 % rejected, some still
    open, most resolved and followed up), with their events: drawn on the server. Their
    refs start with ``prefix``. Returns how many."""
    from django.db import connection, transaction

    from tongxin.cases.models import Case, CaseCategory
    from tongxin.core import clock
    from tongxin.places.models import Place

    found = Case.objects.filter(ref__startswith=prefix).count()
    if found:
        return found
    grids = list(Place.objects.filter(kind="grid").order_by("pk").values_list("pk", "path"))
    categories = list(
        CaseCategory.objects.filter(parent__isnull=False)
        .order_by("order", "code")
        .values_list("pk", flat=True)
    )
    days = (day_to - day_from).days + 1
    params = {
        "prefix": prefix,
        "start": clock.start_of_day(day_from),
        "span": days * 86_400,
        "cases": per_day * days,
        "grids": [g for g, _ in grids],
        "paths": [p for _, p in grids],
        "categories": categories,
    }
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [zlib.crc32(prefix.encode()) / 2**32])
        cursor.execute(CASES_SQL, params)
        made = cursor.rowcount
        cursor.execute(EVENTS_SQL, {"prefix": prefix + "%"})
        events = cursor.rowcount
    print(
        f"  {made:,} cases received {day_from}…{day_to}, {events:,} events: "
        f"{time.perf_counter() - started:.1f} s"
    )
    return made


RAW_ANCHOR = (
    # the case figures, as rollups._rows groups them
    """
    SELECT (c.created_at AT TIME ZONE %(tz)s)::date AS day,
        COALESCE(g.path, substr(c.place_path, 1, %(community)s)) AS area, c.category_id,
        MAX(c.grid_id), COUNT(*), COUNT(c.accepted_at),
        COUNT(*) FILTER (WHERE c.resolved_at IS NOT NULL
            OR (c.state = 'closed' AND c.feedback > '')),
        COUNT(*) FILTER (WHERE c.resolved_on_time), COUNT(*) FILTER (WHERE c.reopen_count > 0),
        COUNT(*) FILTER (WHERE c.overdue), COUNT(*) FILTER (WHERE c.state IN
            ('reported', 'accepted', 'dispatched', 'in_progress', 'escalated', 'suspended')),
        COUNT(*) FILTER (WHERE c.feedback > ''),
        COUNT(*) FILTER (WHERE c.feedback IN ('satisfied', 'basic')),
        SUM(c.accepted_at - c.created_at), COUNT(c.resolved_at),
        SUM(c.resolved_at - c.created_at)
    FROM cases_case AS c LEFT JOIN places_place AS g ON g.id = c.grid_id
    WHERE c.state <> 'merged' AND c.created_at >= %(since)s AND c.created_at < %(until)s
    GROUP BY 1, 2, 3
    """,
    # the time in each state: each state-changing event ends the stay begun by the one before
    """
    SELECT (c.created_at AT TIME ZONE %(tz)s)::date, COALESCE(g.path, c.place_path),
        c.category_id, e.was, COUNT(*), SUM(e.at - COALESCE(e.since, c.created_at))
    FROM (
        SELECT e.case_id, e.at, e.to_state,
            COALESCE(LAG(e.to_state) OVER w, 'reported') AS was, LAG(e.at) OVER w AS since
        FROM cases_caseevent AS e JOIN cases_case AS c ON c.id = e.case_id
        WHERE c.created_at >= %(since)s AND c.created_at < %(until)s AND e.to_state <> ''
        WINDOW w AS (PARTITION BY e.case_id ORDER BY e.seq)
    ) AS e JOIN cases_case AS c ON c.id = e.case_id
    LEFT JOIN places_place AS g ON g.id = c.grid_id
    WHERE e.to_state <> e.was
    GROUP BY 1, 2, 3, 4
    """,
)


def raw_anchor(day_from: dt.date, day_to: dt.date) -> Any:
    from django.conf import settings
    from django.db import connection

    from tongxin.core import clock
    from tongxin.datacentre import rollups

    params = {
        "tz": settings.TIME_ZONE,
        "community": rollups.community_path_length(),
        "since": clock.start_of_day(day_from),
        "until": clock.start_of_day(day_to + dt.timedelta(days=1)),
    }

    def run() -> None:
        with connection.cursor() as cursor:
            for sql in RAW_ANCHOR:
                cursor.execute(sql, params)
                cursor.fetchall()

    return run


MONTH = (dt.date(2020, 6, 1), dt.date(2020, 6, 30))  # before the generated year: own rows
NIGHT = dt.date(2020, 7, 1)


def nightly(args: argparse.Namespace) -> None:
    """The rollup's cost on real records: a month of cases with their events, and the next
    day's. A month rebuilt (what the nightly job does for its last 35 days), one day rebuilt,
    and the incremental run that follows the day (the mark set as it stood before the day),
    each beside the raw GROUP BY of the same figures."""
    from tongxin.cases.models import CaseEvent
    from tongxin.core import clock
    from tongxin.datacentre import rollups
    from tongxin.datacentre.models import CaseRollup, RollupMark

    made = load_cases("BM202006-", *MONTH, args.day_cases)
    made_day = load_cases("BD20200701-", NIGHT, NIGHT, args.day_cases)
    print(f"raw records: {made:,} cases in {MONTH[0]:%Y-%m}, {made_day:,} on {NIGHT}")
    print(f"VACUUM ANALYZE: {bench_run.analyze():.1f} s")

    def month() -> None:
        rollups.rebuild(*MONTH)

    report(
        f"rebuild of one month ({MONTH[0]}…{MONTH[1]}, {made:,} cases)",
        month,
        raw_anchor(*MONTH),
        args,
        repeat=args.month_repeat,
        warmup=0,
    )
    rows = CaseRollup.objects.filter(day__range=MONTH).count()
    print(f"   {rows:,} case rollup rows written")

    def day() -> None:
        rollups.rebuild(NIGHT, NIGHT)

    report(
        f"rebuild of one day ({NIGHT}, {made_day:,} cases)",
        day,
        raw_anchor(NIGHT, NIGHT),
        args,
        repeat=args.night_repeat,
        warmup=1,
    )

    before = CaseEvent.objects.filter(case__ref__startswith="BM").order_by("-pk")
    event_to = before.values_list("pk", flat=True).first() or 0
    summaries = []

    def incremental() -> None:
        RollupMark.objects.update_or_create(
            name=rollups.CASES,
            defaults={"changed_to": clock.start_of_day(NIGHT), "event_to": event_to},
        )
        summaries.append(rollups.incremental())

    touched = len(
        rollups.touched_days(RollupMark(changed_to=clock.start_of_day(NIGHT), event_to=event_to))
    )
    report(
        f"nightly incremental after {NIGHT} (the mark at its midnight: {touched} days touched)",
        incremental,
        raw_anchor(NIGHT - dt.timedelta(days=touched - 1), NIGHT),
        args,
        repeat=args.night_repeat,
        warmup=1,
    )
    print(f"   {summaries[-1]}")
    started = time.perf_counter()
    again = rollups.incremental()
    print(f"   again, nothing changed: {(time.perf_counter() - started) * 1000:.0f} ms ({again})")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    label = configure(args)
    print(f"database: {label}; load {load()}")
    prepare(args)
    if args.setup_only:
        return 0
    if "pages" in args.only:
        measure(args)
    if "nightly" in args.only:
        nightly(args)
    print(f"\nload at the end: {load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
