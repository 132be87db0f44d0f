"""Benchmark of the year-end party scorecards (评星定级): every branch's and every member's card
of a generated area, computed from the records by the one scoring engine, beside an anchor.

    .venv/bin/python bench/partylife.py                    # a street (10 communities), SQLite
    .venv/bin/python bench/partylife.py --postgres --scale district --database NAME
                                      # 800 grids (the area ~18 min, its party life ~4 min)
    .venv/bin/python bench/partylife.py --postgres
    .venv/bin/python bench/partylife.py --postgres --database NAME   # a database of one's own
    .venv/bin/python bench/partylife.py --setup-only                 # generate, then stop
    .venv/bin/python bench/partylife.py --only members,stored        # some cases (and the anchor)

The area is bench/run.py's (same database, same generation); a year of party life is added to
every community's branches by the demo's loader (``tongxin.demo.partylife.life_for``) when
there is none yet, on PostgreSQL written by ``COPY`` (``partylife_load.py``), with the
volunteering sign-ups and in-service pledges the member cards also read. Measured, each warm,
median and 95th percentile of ``--repeat`` runs:

- ``branches``: ``selectors.cards.evaluate_branches`` of each committee's branches (the stars'
  cap is per committee), all committees;
- ``members``: ``selectors.cards.evaluate_members`` of every party member, in pages of 500;
- ``stored``: ``services.cards_compute`` of each committee by an officer of it: both kinds of
  card computed again and written as drafts (created on the first run, updated after);
- ``anchor``: the raw SQL a card cannot do without — per member, the count of seats and of
  sign-ins at the year's held party meetings (one GROUP BY) — so the ratio says what the
  collectors, the evidence and the engine cost on top of reading the records.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import run as bench_run  # noqa: E402  (bench/run.py: database, settings, generation)


def timed(fn, repeat: int) -> tuple[float, float, object]:
    fn()  # warm-up
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
    return statistics.median(times), p95, out


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not any(a.startswith("--scale") for a in argv):
        argv += ["--scale", "street"]
    if not any(a.startswith("--repeat") for a in argv):
        argv += ["--repeat", "5"]
    database = None
    if "--database" in argv:  # a PostgreSQL database of one's own (default: the scale's)
        i = argv.index("--database")
        database = argv[i + 1]
        del argv[i : i + 2]
    args = bench_run.parse_args(argv)
    label = bench_run.configure_django(args, database=database)
    bench_run.prepare_database(args)
    from django.db import connection, transaction

    from tongxin.core import clock
    from tongxin.orgs.models import Organisation, OrgKind
    from tongxin.partylife.models import LifeRecord
    from tongxin.partylife.selectors import cards
    from tongxin.people.models import PartyMembership

    print(f"database: {label} ({connection.vendor})")
    committees = list(Organisation.objects.filter(kind=OrgKind.PARTY_COMMITTEE).order_by("path"))
    if not LifeRecord.objects.exists():
        from partylife_load import copying, volunteering_and_pledges

        from tongxin.accounts.models import User
        from tongxin.demo.partylife import life_for

        recorder, _new = User.objects.get_or_create(username="bench_party")
        started = time.perf_counter()
        totals: dict[str, int] = {}
        # On PostgreSQL the demo loader's bulk_create goes through COPY (partylife_load.py).
        with transaction.atomic(), copying():
            for c in committees:
                for key, n in life_for(
                    c, accounts=False, scorecards=False, recorder=recorder
                ).items():
                    totals[key] = totals.get(key, 0) + n
            print(f"  party life: {time.perf_counter() - started:.1f} s", flush=True)
            from tongxin.volunteering.models import Signup

            if not Signup.objects.exists():
                totals.update(volunteering_and_pledges(recorder))
        print(
            f"party life generated in {time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{n:,} {key}" for key, n in totals.items())
        )
        print(f"ANALYZE: {bench_run.analyze():.1f} s")
    if args.setup_only:
        return 0
    year = clock.today().year
    by_committee = [
        list(
            Organisation.objects.filter(
                kind=OrgKind.BRANCH, path__startswith=c.path, is_active=True
            ).order_by("path")
        )
        for c in committees
    ]
    members = list(
        PartyMembership.objects.all().select_related("person", "organisation").order_by("id")
    )
    n_branches = sum(len(b) for b in by_committee)
    print(f"{len(committees)} committees, {n_branches:,} branches, {len(members):,} members")

    def branches() -> int:
        return sum(len(cards.evaluate_branches(bs, year)) for bs in by_committee if bs)

    def member_cards() -> int:
        n = 0
        for i in range(0, len(members), 500):
            n += len(cards.evaluate_members(members[i : i + 500], year))
        return n

    def anchor() -> int:
        lo, hi = cards.year_range(year)
        with connection.cursor() as cur:
            cur.execute(
                "SELECT i.person_id, COUNT(*), COUNT(a.id) FROM meetings_invitation i"
                " JOIN meetings_meeting m ON m.id = i.meeting_id"
                " JOIN meetings_meetingkind k ON k.id = m.kind_id"
                " LEFT JOIN meetings_attendance a ON a.invitation_id = i.id"
                " WHERE k.code IN %s AND m.state IN ('held', 'minuted', 'closed')"
                " AND m.starts_at >= %s AND m.starts_at < %s AND i.person_id IS NOT NULL"
                " GROUP BY i.person_id".replace("IN %s", "IN (" + ",".join(["%s"] * 7) + ")", 1),
                [*cards.PARTY_KINDS, lo, hi],
            )
            return len(cur.fetchall())

    officers = {c.pk: officer_of(c) for c in committees}

    def stored() -> int:
        from tongxin.partylife import services

        return sum(
            len(services.cards_compute(actor=officers[c.pk], organisation=c, year=year))
            for c in committees
        )

    rows = []
    cases = (("anchor", anchor), ("branches", branches), ("members", member_cards))
    # --only branches,members,stored: some of them (the anchor always runs)
    wanted = set(args.only.split(",")) & {"branches", "members", "stored"}
    for name, fn in (*cases, ("stored", stored)):
        if wanted and name != "anchor" and name not in wanted:
            continue
        med, p95, out = timed(fn, args.repeat)
        counter = Counter()
        with connection.execute_wrapper(counter):  # one more run, its statements counted
            fn()
        rows.append((name, med, p95, out))
        print(
            f"  {name:<9} median {med:9.1f} ms   p95 {p95:9.1f} ms   ({out:,} rows/cards, "
            f"{counter.n:,} SQL statements)",
            flush=True,
        )
    a = rows[0][1]
    for name, med, _p95, out in rows[1:]:
        print(f"  {name:<9} {med / a:6.1f} × the anchor;  {med / max(out, 1):.2f} ms per card")
    return 0


class Counter:
    """An execute wrapper that counts the statements (a query log keeps at most 9,000)."""

    n = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.n += 1
        return execute(sql, params, many, context)


def officer_of(committee: object) -> object:
    """A user holding an officer's post in the committee (the year-end computation is an
    officer's act), created for the person when they have none."""
    from tongxin.accounts.models import User
    from tongxin.meetings.models import NON_OFFICER_ROLES
    from tongxin.orgs.models import Post

    post = (
        Post.objects.active()
        .filter(organisation=committee)
        .exclude(role__in=NON_OFFICER_ROLES)
        .order_by("id")
        .first()
    )
    if post is None:
        raise SystemExit(f"no officer in {committee}")
    return User.objects.filter(person_id=post.person_id).first() or User.objects.create(
        username=f"bench_party_{post.person_id}", person_id=post.person_id
    )


if __name__ == "__main__":
    raise SystemExit(main())
