"""Owners' vote benchmark (issue 19): ``python bench/votes.py`` (``make bench-votes``).

Its own PostgreSQL database, ``tongxin_bench_votes`` (``--sqlite``: ``var/bench/votes.sqlite3``).
When it has no places it builds one estate of ``--units`` dwellings (5,000: 50 buildings × 4
units × 25), each with a deed (55.00–140.00 m²) and owners: every 10th owner also owns the next
unit (one head, areas summed), every 20th unit is co-owned by two persons. Then, each run:

1. opens an owners' vote (``art278_special``) on the estate — the electorate frozen — timed;
2. casts ``--ballots`` ballots (3,000) **concurrently** from ``--threads`` threads (8), each
   with its own connection, through ``services.ballot_cast`` (the service the API calls);
   ``--dupes`` (300) of the voters try a second time at once (their co-owner or themselves):
   each must be refused, none may count twice;
3. the **anchor**: the same number of ballots written by raw SQL (the conditional ``UPDATE``
   of the elector and the ballot's ``INSERT`` in one transaction each) from the same threads,
   into a second vote on the same electorate;
4. checks: exactly ``--ballots`` ballots and marked electors, ``--dupes`` refusals, the tally
   command's recount equal to the stored result after closing;
5. the result (``selectors.result_of``, the live meter's read) ≥ 20 warm runs, beside the raw
   grouped ``SUM`` as its anchor: median and p95 in ms.

It prints ballots per second (app and anchor, and their ratio), the result's medians and the
checks. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import statistics
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import run as bench_run  # noqa: E402  (bench/run.py: settings, database, ANALYZE)

DATABASE = "tongxin_bench_votes"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--units", type=int, default=5_000, help="dwellings (5,000)")
    parser.add_argument("--ballots", type=int, default=3_000, help="ballots cast (3,000)")
    parser.add_argument("--dupes", type=int, default=300, help="second attempts (300)")
    parser.add_argument("--threads", type=int, default=8, help="concurrent voters (8)")
    parser.add_argument("--repeat", type=int, default=30, help="timed result reads (≥ 20)")
    return parser.parse_args(argv)


def configure(args: argparse.Namespace) -> str:
    ns = argparse.Namespace(postgres=not args.sqlite, scale="votes")
    return bench_run.configure_django(ns, DATABASE)


# ---------------------------------------------------------------------------- data


def prepare(args: argparse.Namespace) -> Any:
    from django.core.management import call_command
    from django.db import transaction

    from tongxin.accounts.models import User
    from tongxin.orgs.models import Organisation, Post
    from tongxin.people.models import DwellingDeed, DwellingOwner, Person
    from tongxin.places.models import Place

    call_command("migrate", interactive=False, verbosity=0)
    estate = Place.objects.filter(code="BV-E").first()
    if estate is not None:
        return estate
    t0 = time.perf_counter()
    rng = random.Random(19)
    with transaction.atomic():
        community = Place.objects.add_root(
            instance=Place(kind="community", code="BV-C", name="表决基准社区")
        )
        estate = Place.objects.add_child(
            community, {"kind": "estate", "code": "BV-E", "name": "基准小区"}
        )
        places: list[Place] = []
        dwellings: list[Place] = []
        n_buildings = max(1, args.units // 100)
        for b in range(n_buildings):
            bp = Place._get_path(estate.path, estate.depth + 1, b + 1)
            places.append(
                Place(
                    path=bp,
                    depth=estate.depth + 1,
                    numchild=4,
                    kind="building",
                    code=f"BV-B{b}",
                    name=f"{b + 1}栋",
                )
            )
            for u in range(4):
                up = Place._get_path(bp, estate.depth + 2, u + 1)
                places.append(
                    Place(
                        path=up,
                        depth=estate.depth + 2,
                        numchild=25,
                        kind="unit",
                        code=f"BV-B{b}U{u}",
                        name=f"{u + 1}单元",
                    )
                )
                for d in range(25):
                    fl, door = divmod(d, 2)
                    dw = Place(
                        path=Place._get_path(up, estate.depth + 3, d + 1),
                        depth=estate.depth + 3,
                        numchild=0,
                        kind="dwelling",
                        code=f"BV-B{b}U{u}D{d}",
                        name=f"{fl + 1}{door + 1:02d}室",
                    )
                    places.append(dw)
                    dwellings.append(dw)
        Place.objects.bulk_create(places, batch_size=2000)
        Place.objects.filter(pk=estate.pk).update(numchild=n_buildings)
        dwellings = list(
            Place.objects.filter(kind="dwelling", code__startswith="BV-").order_by("path")
        )
        deeds = [
            DwellingDeed(
                dwelling=d, place_path=d.path, floor_area=Decimal(rng.randint(5500, 14000)) / 100
            )
            for d in dwellings
        ]
        DwellingDeed.objects.bulk_create(deeds, batch_size=2000)
        persons = [
            Person(name=f"业主{i}", place=d, place_path=d.path, birth_date=dt.date(1970, 1, 1))
            for i, d in enumerate(dwellings)
        ]
        Person.objects.bulk_create(persons, batch_size=2000)
        persons = list(Person.objects.filter(place__code__startswith="BV-").order_by("place__path"))
        extra = []
        owners = []
        i = 0
        while i < len(deeds):
            p = persons[i]
            owners.append(DwellingOwner(deed=deeds[i], person=p))
            if i % 20 == 5:
                q = Person(name=f"共有人{i}", place=dwellings[i], place_path=dwellings[i].path)
                extra.append((q, deeds[i]))
            if i % 10 == 3 and i + 1 < len(deeds):
                owners.append(DwellingOwner(deed=deeds[i + 1], person=p))
                i += 2
                continue
            i += 1
        Person.objects.bulk_create([q for q, _d in extra])
        owners += [DwellingOwner(deed=d, person=q, share=Decimal("0.5")) for q, d in extra]
        DwellingOwner.objects.bulk_create(owners, batch_size=2000)
        users = [
            User(username=f"bv{p.pk}", person=p, is_active=True)
            for p in Person.objects.filter(
                owned_dwellings__deed__place_path__prefix=estate.path
            ).distinct()
        ]
        User.objects.bulk_create(users, batch_size=2000)
        org = Organisation.objects.add_root(
            instance=Organisation(kind="residents_committee", code="BV-RC", name="基准居委会")
        )
        org.places.add(community)
        head = Person.objects.create(name="基准书记", place=community, place_path=community.path)
        Post.objects.create(
            person=head,
            role="secretary",
            place=community,
            place_path=community.path,
            organisation=org,
        )
        User.objects.create(username="bv-secretary", person=head)
    print(f"  built the estate in {time.perf_counter() - t0:.1f} s", flush=True)
    bench_run.analyze()
    return estate


# ---------------------------------------------------------------------------- measuring


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[max(0, min(len(s) - 1, round(p / 100 * len(s)) - 1))]


def run_threads(n: int, jobs: list[Any], work: Any) -> tuple[float, list[Any]]:
    from django.db import connections

    results: list[Any] = []
    lock = threading.Lock()
    chunks = [jobs[k::n] for k in range(n)]
    barrier = threading.Barrier(n)

    def worker(chunk: list[Any]) -> None:
        try:
            barrier.wait()
            mine = [work(job) for job in chunk]
            with lock:
                results.extend(mine)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    label = configure(args)
    estate = prepare(args)

    from django.core.management import call_command
    from django.db import connection, transaction

    from tongxin.accounts.models import User
    from tongxin.core import clock, tokens
    from tongxin.deliberation import selectors, services
    from tongxin.deliberation.errors import AlreadyVoted
    from tongxin.deliberation.models import Ballot, Elector, ElectorMember, Vote

    print(
        f"Owners' vote benchmark on {label}: {args.units} units, {args.ballots} ballots, "
        f"{args.threads} threads",
        flush=True,
    )
    secretary = User.objects.get(username="bv-secretary")

    def open_vote(title: str) -> Any:
        t0 = time.perf_counter()
        v = services.vote_open(
            actor=secretary,
            title=title,
            electorate="owners",
            place_id=estate.pk,
            rule="art278_special",
            closes_at=clock.now() + dt.timedelta(days=7),
        )
        return v, time.perf_counter() - t0

    vote, t_open = open_vote("基准表决")
    print(
        f"  opened: {vote.eligible_heads} heads, {vote.eligible_area / 100:.2f} m², "
        f"electorate frozen in {t_open * 1000:.0f} ms"
    )
    rng = random.Random(7)
    electors = list(Elector.objects.filter(vote=vote).values_list("id", flat=True))
    chosen = rng.sample(electors, args.ballots)
    voter_of: dict[int, int] = {}
    for eid, pid in ElectorMember.objects.filter(elector_id__in=chosen).values_list(
        "elector_id", "person_id"
    ):
        voter_of.setdefault(eid, pid)
    users = {u.person_id: u for u in User.objects.filter(person_id__in=voter_of.values())}
    jobs = [users[voter_of[e]] for e in chosen]
    jobs += rng.sample(jobs, args.dupes)  # second attempts, interleaved by the threads
    rng.shuffle(jobs)

    def cast(user: Any) -> str:
        try:
            services.ballot_cast(
                actor=user, vote=vote, choice=rng.choice(["yes", "yes", "no", "abstain"])
            )
            return "ok"
        except AlreadyVoted:
            return "dupe"

    elapsed, outcomes = run_threads(args.threads, jobs, cast)
    ok = outcomes.count("ok")
    app_rate = ok / elapsed
    print(
        f"  app: {ok} ballots + {outcomes.count('dupe')} refused in {elapsed:.2f} s "
        f"→ {app_rate:.0f} ballots/s"
    )

    # The anchor: the same writes in raw SQL, into a second vote on the same estate.
    anchor_vote, _t = open_vote("基准表决（锚）")
    a_electors = list(Elector.objects.filter(vote=anchor_vote).values_list("id", "area"))
    a_jobs = rng.sample(a_electors, args.ballots)
    e_table, b_table = Elector._meta.db_table, Ballot._meta.db_table

    def raw(job: tuple[int, int]) -> str:
        eid, area = job
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                f"UPDATE {e_table} SET voted = %s WHERE id = %s AND voted = %s",  # noqa: S608
                [True, eid, False],
            )
            if cur.rowcount != 1:
                return "dupe"
            cur.execute(
                f"INSERT INTO {b_table} (id, vote_id, choice, heads, area, receipt_hash) "  # noqa: S608
                "VALUES (%s, %s, %s, 1, %s, %s)",
                [tokens.mint(24), anchor_vote.pk, "yes", area, tokens.mint(32)],
            )
        return "ok"

    a_elapsed, a_out = run_threads(args.threads, a_jobs, raw)
    anchor_rate = a_out.count("ok") / a_elapsed
    print(
        f"  anchor (raw SQL): {a_out.count('ok')} ballots in {a_elapsed:.2f} s "
        f"→ {anchor_rate:.0f} ballots/s"
    )
    print(f"  ratio app/anchor throughput: {app_rate / anchor_rate:.2f}")

    # Checks: no lost, no doubled ballot.
    n_ballots = Ballot.objects.filter(vote=vote).count()
    n_marked = Elector.objects.filter(vote=vote, voted=True).count()
    problems = []
    if n_ballots != args.ballots or n_marked != args.ballots:
        problems.append(f"ballots {n_ballots}, marked {n_marked}, expected {args.ballots}")
    if outcomes.count("dupe") != args.dupes:
        problems.append(f"{outcomes.count('dupe')} refusals, expected {args.dupes}")

    # The result: the meter's read, beside the raw grouped sum.
    def app_result() -> Any:
        return selectors.result_of(Vote.objects.get(pk=vote.pk))

    def anchor_result() -> Any:
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT choice, SUM(heads), SUM(area) FROM {b_table} "  # noqa: S608
                "WHERE vote_id = %s GROUP BY choice",
                [vote.pk],
            )
            return cur.fetchall()

    times: dict[str, list[float]] = {"app": [], "anchor": []}
    for _ in range(3):
        app_result(), anchor_result()
    for _ in range(max(20, args.repeat)):
        for name, fn in (("app", app_result), ("anchor", anchor_result)):
            t0 = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t0) * 1000)
    am, bm = statistics.median(times["app"]), statistics.median(times["anchor"])
    print(
        f"  result (live): median {am:.2f} ms, p95 {percentile(times['app'], 95):.2f} ms; "
        f"anchor median {bm:.2f} ms; ratio {am / bm:.1f}"
    )
    t0 = time.perf_counter()
    closed = services.vote_close(actor=secretary, vote=vote)
    t_close = time.perf_counter() - t0
    print(
        f"  closed and stored in {t_close * 1000:.0f} ms: passed={closed.result['passed']} "
        f"({closed.result['outcome']}), {closed.result['participating_heads']} heads, "
        f"{closed.result['participating_area']} m²"
    )
    if am > 1000 or t_close > 1:
        problems.append("the result took a second or more")
    try:
        call_command("tally_vote", str(vote.pk), stdout=io.StringIO())
        print("  tally_vote: the recount matches the stored result")
    except Exception as exc:
        problems.append(f"tally_vote: {exc}")
    # Leave the estate for the next run: drop this run's votes.
    Vote.objects.filter(pk__in=[vote.pk, anchor_vote.pk]).delete()
    if problems:
        print("PROBLEMS: " + "; ".join(problems))
        return 1
    print("  no lost or doubled ballot")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
