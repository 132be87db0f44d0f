"""Benchmark of the points ledger on PostgreSQL: award and redemption throughput, and the
balance check (``ledger_check``) over millions of entries.

    .venv/bin/python bench/volunteering.py                   # 10,000,000 entries
    .venv/bin/python bench/volunteering.py --entries 1000000 # quicker

The database is its own: ``tongxin_bench_points`` on ``$TONGXIN_BENCH_PG`` (default
``postgres://postgres@127.0.0.1:5432``), created and migrated when missing. The entries are
generated inside PostgreSQL (``INSERT … SELECT generate_series``, in batches of a million
transactions), then every balance is set from them, so the check has real work and must pass.
Later runs reuse them (``--regenerate`` starts again). See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DB = "tongxin_bench_points"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432"
PERSONS = 5000


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--entries", type=int, default=10_000_000, help="entries to hold (default 10M)")
    p.add_argument("--ops", type=int, default=2000, help="awards and redemptions to time (each)")
    p.add_argument("--threads", type=int, default=8, help="concurrent writers (default 8)")
    p.add_argument("--checks", type=int, default=3, help="timed runs of the check (default 3)")
    p.add_argument("--regenerate", action="store_true", help="drop the generated entries first")
    return p.parse_args()


def setup_database() -> None:
    import psycopg

    base = os.environ.get("TONGXIN_BENCH_PG", DEFAULT_PG)
    parts = urlsplit(base)
    with psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone():
            conn.execute(f'CREATE DATABASE "{DB}"')
            print(f"created database {DB}")
    os.environ["DATABASE_URL"] = urlunsplit((parts.scheme, parts.netloc, f"/{DB}", "", ""))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ.setdefault("TONGXIN_VAR_DIR", str(ROOT / "var" / "bench"))
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def world() -> dict:
    """One community with PERSONS volunteers, their accounts, a well-stocked reward."""
    from tongxin.accounts.models import User
    from tongxin.people.models import Person
    from tongxin.places.models import Place
    from tongxin.volunteering import ledger
    from tongxin.volunteering.models import Account, Reward, Volunteer

    community = Place.objects.filter(code="BENCH-C").first()
    if community is None:
        community = Place.objects.add_root(
            instance=Place(kind="community", code="BENCH-C", name="压测社区")
        )
        persons = Person.objects.bulk_create(
            [
                Person(name=f"志愿者{i}", place=community, place_path=community.path)
                for i in range(PERSONS)
            ]
        )
        User.objects.bulk_create([User(username=f"bench-vol-{p.pk}", person=p) for p in persons])
        Volunteer.objects.bulk_create(
            [
                Volunteer(
                    person=p, person_path=p.place_path, community=community, status="approved"
                )
                for p in persons
            ]
        )
        Account.objects.bulk_create(
            [Account(kind="person", unit="points", community=community, person=p) for p in persons]
        )
        ledger.issuer_account(community)
        ledger.store_account(community)
        User.objects.create(username="bench-admin")
    reward, _ = Reward.objects.get_or_create(
        community=community, name="压测大米", defaults={"kind": "goods", "cost": 1, "stock": 0}
    )
    Reward.objects.filter(pk=reward.pk).update(stock=10**9)
    return {
        "community": community,
        "admin": User.objects.get(username="bench-admin"),
        "users": list(User.objects.filter(username__startswith="bench-vol-").order_by("id")),
        "reward": reward,
        "issuer": ledger.issuer_account(community),
    }


def generate(w: dict, target: int, regenerate: bool) -> None:
    from django.db import connection, transaction

    from tongxin.volunteering.models import Account, Entry, LedgerTransaction

    et, tt, at = (m._meta.db_table for m in (Entry, LedgerTransaction, Account))
    with connection.cursor() as cur:
        if regenerate:
            cur.execute(f"TRUNCATE {et}, {tt} RESTART IDENTITY CASCADE")
            cur.execute(f"UPDATE {at} SET balance = 0")  # noqa: S608
        cur.execute(f"SELECT count(*) FROM {et}")  # noqa: S608
        have = cur.fetchone()[0]
    if have >= target:
        print(f"entries present: {have:,} (reuse; --regenerate to start again)")
        return
    accounts = list(
        Account.objects.filter(community=w["community"], kind="person")
        .order_by("id")
        .values_list("id", flat=True)
    )
    first, n = accounts[0], len(accounts)
    assert accounts == list(range(first, first + n)), "person accounts must be contiguous"
    issuer = w["issuer"].pk
    started = time.perf_counter()
    batch = 1_000_000  # transactions, two entries each
    with connection.cursor() as cur:
        cur.execute(f"SELECT coalesce(max(id), 0) FROM {tt}")  # noqa: S608
        next_tx = cur.fetchone()[0] + 1
        while have < target:
            k = min(batch, (target - have + 1) // 2)
            lo, hi = next_tx, next_tx + k - 1
            t0 = time.perf_counter()
            with transaction.atomic():
                cur.execute(
                    f"INSERT INTO {tt} (id, kind, community_id, unit, reason, created_at) "  # noqa: S608
                    "SELECT g, 'award', %s, 'points', '压测发放', "
                    "now() - make_interval(secs => g) FROM generate_series(%s, %s) g",
                    [w["community"].pk, lo, hi],
                )
                cur.execute(
                    f"INSERT INTO {et} (transaction_id, account_id, amount) "  # noqa: S608
                    "SELECT g, %s, -(1 + g %% 50) FROM generate_series(%s, %s) g "
                    "UNION ALL SELECT g, %s + (g %% %s), 1 + g %% 50 "
                    "FROM generate_series(%s, %s) g",
                    [issuer, lo, hi, first, n, lo, hi],
                )
            have += 2 * k
            next_tx = hi + 1
            print(
                f"  {have:>12,} entries  (+{2 * k:,} in {time.perf_counter() - t0:.1f} s)",
                flush=True,
            )
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{tt}', 'id'), %s)", [next_tx])
        t0 = time.perf_counter()
        cur.execute(
            f"UPDATE {at} a SET balance = s.t FROM (SELECT account_id, SUM(amount) AS t "  # noqa: S608
            f"FROM {et} GROUP BY account_id) s WHERE a.id = s.account_id"
        )
        print(f"balances set from the entries in {time.perf_counter() - t0:.1f} s")
    cur = connection.cursor()
    t0 = time.perf_counter()
    cur.execute(f"VACUUM ANALYZE {et}")
    cur.execute(f"VACUUM ANALYZE {tt}")
    cur.execute(f"VACUUM ANALYZE {at}")
    total, vacuum = time.perf_counter() - started, time.perf_counter() - t0
    print(f"generated in {total:.0f} s (VACUUM ANALYZE {vacuum:.0f} s)")


def timed_parallel(n_ops: int, threads: int, op) -> tuple[float, list[float]]:
    """Run ``op(i)`` n_ops times from ``threads`` threads; wall seconds and per-op latencies."""
    from django.db import connection

    lat: list[float] = []
    lock = threading.Lock()

    def work(ids: range) -> None:
        mine = []
        try:
            for i in ids:
                t0 = time.perf_counter()
                op(i)
                mine.append(time.perf_counter() - t0)
        finally:
            connection.close()
        with lock:
            lat.extend(mine)

    per = [range(t, n_ops, threads) for t in range(threads)]
    ts = [threading.Thread(target=work, args=(r,)) for r in per]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return time.perf_counter() - t0, lat


def report(label: str, n: int, wall: float, lat: list[float]) -> None:
    lat = sorted(lat)
    p95 = lat[max(0, int(len(lat) * 0.95) - 1)] * 1000
    print(
        f"{label:<44} {n / wall:>8.0f} /s   median {statistics.median(lat) * 1000:6.1f} ms"
        f"   p95 {p95:6.1f} ms   ({n} in {wall:.1f} s)"
    )


def throughput(w: dict, ops: int, threads: int) -> None:
    from tongxin.volunteering import ledger, services

    users, community, admin = w["users"], w["community"], w["admin"]
    accounts = {
        u.person_id: ledger.person_account(u.person, community=community) for u in users[:500]
    }
    issuer = w["issuer"]

    def award(i: int) -> None:
        u = users[i % 500]
        ledger.transfer(
            source=issuer,
            target=accounts[u.person_id],
            amount=10,
            kind="award",
            reason="压测",
            actor=admin,
            community=community,
        )

    from tongxin.core import clock

    stamp = int(clock.now().timestamp())
    ledger.transfer(  # enough for the one-account run below, whatever was generated
        source=issuer,
        target=ledger.person_account(users[0].person, community=community),
        amount=ops,
        kind="award",
        reason="压测准备",
        actor=admin,
        community=community,
    )

    def redeem(i: int) -> None:
        services.reward_redeem(
            actor=users[i % len(users)], reward=w["reward"], idempotency_key=f"b{stamp}-{i}"
        )

    def redeem_one_account(i: int) -> None:
        services.reward_redeem(actor=users[0], reward=w["reward"], idempotency_key=f"h{stamp}-{i}")

    for label, fn, t in (
        ("award, 1 thread", award, 1),
        (f"award, {threads} threads (one issuing account)", award, threads),
        ("redeem, 1 thread", redeem, 1),
        (f"redeem, {threads} threads (different persons)", redeem, threads),
        (f"redeem, {threads} threads (one person's account)", redeem_one_account, threads),
    ):
        wall, lat = timed_parallel(ops, t, fn)
        report(label, ops, wall, lat)


def check(runs: int) -> None:
    from django.db import connection

    from tongxin.volunteering.ledger import check_ledger
    from tongxin.volunteering.models import Entry

    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {Entry._meta.db_table}")  # noqa: S608
        n = cur.fetchone()[0]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        problems = check_ledger()
        times.append(time.perf_counter() - t0)
        assert problems == [], problems[:5]
    print(
        f"ledger check over {n:,} entries: median {statistics.median(times):.2f} s, "
        f"runs {', '.join(f'{t:.2f}' for t in times)} s — no problems"
    )


def main() -> None:
    args = parse_args()
    setup_database()
    from django.db import connection

    print(f"PostgreSQL {connection.cursor().connection.info.server_version}, database {DB}")
    w = world()
    generate(w, args.entries, args.regenerate)
    check(args.checks)
    throughput(w, args.ops, args.threads)
    check(1)


if __name__ == "__main__":
    main()
