"""Service matching benchmark (issue 15): ``python bench/matching.py`` (``make bench-matching``).

Its own PostgreSQL database, ``tongxin_bench_matching`` (created when missing; SQLite
``var/bench/street-matching.sqlite3`` with ``--sqlite``). When the database has no places it
generates a street (``tongxin.demo.generator`` at scale ``street``: 10 communities, their
places, organisations and posts, no residents, as bench/case_workflow.py does), then bulk-loads
the resource list (``--resources``, 2,000 by default: 70 % persons — members and in-service
members, each a new person of a grid — and 30 % units, the street's organisations) and
``--needs`` needs (4,000) spread over the communities and over every state, the claimed and
done ones claimed by those resources, some rated. Then, in process:

a. ``matching.selectors.suggestions`` for a listed need, as the community's secretary;
b. the community board, ``GET /api/v1/needs`` through ``django.test.Client`` with a bearer
   token, as the secretary and as one of the community's grid workers;

each side by side with its **anchor**: the same rows read by raw SQL on the same connection
(the resources with their grids, units and areas and the two grouped reads; the page of
needs with the count), interleaved app / anchor, ≥ 20 warm runs each; it prints the median,
p95, the ratio of the medians and the number of SQL statements of each. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
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

DATABASE = "tongxin_bench_matching"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--resources", type=int, default=2_000, help="resources (2,000)")
    parser.add_argument("--needs", type=int, default=4_000, help="needs (4,000)")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs of each (≥ 20)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--setup-only", action="store_true")
    return parser.parse_args(argv)


def configure(args: argparse.Namespace) -> str:
    ns = argparse.Namespace(postgres=not args.sqlite, scale="street-matching")
    return bench_run.configure_django(ns, DATABASE)


# ---------------------------------------------------------------------------- data


def prepare(args: argparse.Namespace) -> None:
    from tongxin.matching.models import Need, Resource

    progress = bench_run.progress_printer()
    bench_run.places_and_posts("street", progress)
    if not Resource.objects.exists() and not Need.objects.exists():
        bench_run.bulk_load(
            "the lists", lambda: load_matching(args.resources, args.needs, progress)
        )
    print_counts()


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
EMPLOYERS = ("区教育局", "区人民医院", "供电公司", "区税务局", "街道中学", "区法院")


def load_matching(n_resources: int, n_needs: int, progress: Any) -> None:
    """Resources and needs, in bulk: persons (members, in-service members) and units (the
    organisations, dealt out to the communities in turn) offering resources; needs in every
    state at the communities' buildings, the claimed ones claimed by those resources."""
    import datetime as dt

    from tongxin.accounts.models import User
    from tongxin.core import clock
    from tongxin.matching.models import (
        KIND_SKILLS,
        Need,
        NeedKind,
        NeedState,
        Resource,
        ResourceKind,
        Urgency,
        VerifyMethod,
    )
    from tongxin.orgs.models import Organisation
    from tongxin.people.models import Person
    from tongxin.places.models import Place

    rng = random.Random(bench_run.SEED)
    communities = list(Place.objects.filter(kind="community").order_by("path"))
    orgs = list(Organisation.objects.order_by("id").values_list("id", flat=True))
    poster, _ = User.objects.get_or_create(username="bench_poster")
    kinds = [k.value for k in NeedKind]
    per_c_res = n_resources // len(communities)
    per_c_needs = n_needs // len(communities)
    now = clock.now()
    states = [
        (NeedState.POSTED, 10), (NeedState.VERIFIED, 8), (NeedState.LISTED, 25),
        (NeedState.CLAIMED, 10), (NeedState.IN_PROGRESS, 7), (NeedState.DONE, 10),
        (NeedState.RATED, 12), (NeedState.CLOSED, 10), (NeedState.WITHDRAWN, 4),
        (NeedState.EXPIRED, 4),
    ]  # fmt: skip
    state_pool = [s for s, w in states for _ in range(w)]
    org_i = 0
    n_res = n_need = 0
    for community in communities:
        grids = list(Place.objects.filter(kind="grid", path__startswith=community.path))
        buildings = list(
            Place.objects.filter(kind="building", path__startswith=community.path).order_by("path")
        )
        if not grids or not buildings:
            continue
        grid_of = {g.path: g for g in grids}

        def grid_for(path: str, grid_of: dict[str, Place] = grid_of) -> Place | None:
            return next((g for p, g in grid_of.items() if path.startswith(p)), None)

        n_persons = per_c_res * 7 // 10
        persons = []
        for i in range(n_persons):
            b = buildings[rng.randrange(len(buildings))]
            g = grid_for(b.path)
            persons.append(
                Person(
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    place=b,
                    place_path=b.path,
                    grid=g,
                    political_status="member" if i % 2 == 0 else "",
                    employer=EMPLOYERS[i % len(EMPLOYERS)] if i % 3 == 0 else "",
                )
            )
        persons = Person.objects.bulk_create(persons, batch_size=1000)
        resources = []
        for p in persons:
            served = rng.sample(kinds, rng.randint(1, 3))
            skills = sorted({s for k in served for s in KIND_SKILLS.get(NeedKind(k), ())})
            resources.append(
                Resource(
                    community=community, kind=ResourceKind.IN_SERVICE if p.employer
                    else ResourceKind.MEMBER, person=p, person_path=p.place_path,
                    employer=p.employer, need_kinds=served, skills=skills[:3],
                    hours_per_month=rng.choice((4, 6, 8, 10)),
                )
            )  # fmt: skip
        for i in range(per_c_res - n_persons):
            served = rng.sample(kinds, rng.randint(2, 4))
            skills = sorted({s for k in served for s in KIND_SKILLS.get(NeedKind(k), ())})
            resources.append(
                Resource(
                    community=community,
                    kind=(ResourceKind.TEAM, ResourceKind.UNIT, ResourceKind.STUDIO)[i % 3],
                    organisation_id=orgs[org_i % len(orgs)], need_kinds=served, skills=skills,
                    hours_per_month=rng.choice((20, 40, 80)),
                    area=grids[i % len(grids)] if i % 2 else community,
                )
            )  # fmt: skip
            org_i += 1
        resources = Resource.objects.bulk_create(resources, batch_size=1000)
        n_res += len(resources)
        needs = []
        for i in range(per_c_needs):
            b = buildings[rng.randrange(len(buildings))]
            state = state_pool[rng.randrange(len(state_pool))]
            need = Need(
                community=community, place=b, place_path=b.path, posted_by=poster,
                kind=rng.choice(kinds), description=f"基准测试需求第{i + 1}件",
                urgency=rng.choice([u.value for u in Urgency]), state=state,
                round=1 + (state == NeedState.EXPIRED) + (i % 17 == 0),
                priority=i % 17 == 0,
            )  # fmt: skip
            if state != NeedState.POSTED and state != NeedState.WITHDRAWN:
                need.verify_method = rng.choice([VerifyMethod.PHONE, VerifyMethod.VISIT])
                need.verified_by = poster
            if state in (NeedState.LISTED, NeedState.EXPIRED):
                need.listed_until = clock.today() + dt.timedelta(days=rng.randint(-5, 30))
            if state in (
                NeedState.CLAIMED, NeedState.IN_PROGRESS, NeedState.DONE, NeedState.RATED,
                NeedState.CLOSED,
            ):  # fmt: skip
                r = resources[rng.randrange(len(resources))]
                need.claimed_by_person_id = r.person_id
                need.claimed_by_org_id = r.organisation_id
                need.claimed_at = now - dt.timedelta(days=rng.randint(0, 40))
                need.contact_by = (need.claimed_at + dt.timedelta(days=7)).date()
            if state in (NeedState.DONE, NeedState.RATED, NeedState.CLOSED):
                need.minutes = rng.choice((30, 60, 90, 120))
                need.proof = "已上门服务"
            if state in (NeedState.RATED, NeedState.CLOSED):
                need.rating = rng.choice((3, 4, 4, 5, 5))
            needs.append(need)
        Need.objects.bulk_create(needs, batch_size=1000)
        n_need += len(needs)
        progress(f"{community.name}: {len(resources)} resources, {len(needs)} needs")
    progress(f"{n_res:,} resources, {n_need:,} needs")


def print_counts() -> None:
    from django.db.models import Count

    from tongxin.matching.models import Need, Resource
    from tongxin.orgs.models import Post
    from tongxin.places.models import Place

    print("rows:")
    for row in Place.objects.values("kind").annotate(n=Count("id")).order_by("kind"):
        print(f"  places.{row['kind']:<12} {row['n']:>10,}")
    print(f"  posts              {Post.objects.count():>10,}")
    print(f"  resources          {Resource.objects.count():>10,}")
    by_state = dict(Need.objects.values_list("state").annotate(n=Count("id")).order_by("state"))
    print(f"  needs              {sum(by_state.values()):>10,}  {by_state}")


# ---------------------------------------------------------------------------- measuring


def percentile95(values: list[float]) -> float:
    values = sorted(values)
    return values[max(0, -(-len(values) * 95 // 100) - 1)]


def side_by_side(app: Any, anchor: Any, repeat: int, warmup: int) -> tuple[list[float], ...]:
    """Time ``app`` and ``anchor`` interleaved (app, anchor, app, anchor…)."""
    for _ in range(warmup):
        app()
        anchor()
    a_times, b_times = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        app()
        a_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        anchor()
        b_times.append(time.perf_counter() - t)
    return a_times, b_times


def statements(fn: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def report(title: str, app: Any, anchor: Any, args: argparse.Namespace) -> None:
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


def anchor_suggestions(community_id: int, month_start: Any) -> Any:
    """The rows ``suggestions`` reads, by hand: the community's active resources with their
    person's grid, unit and area, the month's use per claimer, the ratings per claimer; and
    the same ranking loop's bare minimum (sort by a score over the rows)."""
    from django.db import connection

    def run() -> list[Any]:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT r.id, r.need_kinds, r.skills, r.hours_per_month, r.person_id, "
                "r.organisation_id, g.path, a.path, o.name, p.name "
                "FROM matching_resource r "
                "LEFT JOIN people_person p ON p.id = r.person_id "
                "LEFT JOIN places_place g ON g.id = p.grid_id "
                "LEFT JOIN orgs_organisation o ON o.id = r.organisation_id "
                "LEFT JOIN places_place a ON a.id = r.area_id "
                "WHERE r.community_id = %s AND r.is_active ORDER BY r.id",
                [community_id],
            )
            rows = cur.fetchall()
            cur.execute(
                "SELECT claimed_by_person_id, claimed_by_org_id, state, sum(minutes), count(*) "
                "FROM matching_need WHERE community_id = %s AND (state IN "
                "('claimed', 'in_progress') OR (state IN ('done', 'rated', 'closed') "
                "AND claimed_at >= %s)) GROUP BY 1, 2, 3",
                [community_id, month_start],
            )
            used = cur.fetchall()
            cur.execute(
                "SELECT claimed_by_person_id, claimed_by_org_id, avg(rating), count(*) "
                "FROM matching_need WHERE community_id = %s AND rating IS NOT NULL "
                "GROUP BY 1, 2",
                [community_id],
            )
            rated = cur.fetchall()
        return sorted(rows, key=lambda r: -r[3])[:10] + used[:0] + rated[:0]

    return run


def anchor_board(where: str, params: list[Any], size: int) -> Any:
    """The board's page by hand: the count and the first page of needs with the columns the
    cards show (community, place, person and claimer names), newest first, priority first."""
    from django.db import connection

    def run() -> tuple[int, list[Any]]:
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM matching_need n WHERE {where}", params)  # noqa: S608 (our SQL)
            (count,) = cur.fetchone()
            # The page first (an index range and a top-20 sort), then its names: the join
            # after the LIMIT, so the planner never hashes the whole places table.
            cur.execute(
                "WITH page AS (SELECT n.* FROM matching_need n "  # noqa: S608 (our SQL; paths are parameters)
                f"WHERE {where} ORDER BY n.priority DESC, n.id DESC LIMIT %s) "
                "SELECT n.id, n.kind, n.description, n.urgency, n.state, n.community_id, "
                "n.round, n.priority, n.wanted_on, n.estimated_value, n.listed_until, "
                "n.created_at, n.rating, n.contact_by, n.minutes, n.points, n.verify_method, "
                "pl.name, pl.path, pe.name, cp.name, co.name "
                "FROM page n JOIN places_place pl ON pl.id = n.place_id "
                "LEFT JOIN people_person pe ON pe.id = n.person_id "
                "LEFT JOIN people_person cp ON cp.id = n.claimed_by_person_id "
                "LEFT JOIN orgs_organisation co ON co.id = n.claimed_by_org_id "
                "ORDER BY n.priority DESC, n.id DESC",
                [*params, size],
            )
            return count, cur.fetchall()

    return run


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.repeat = max(20, args.repeat)
    label = configure(args)
    print(f"database: {label}")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    prepare(args)
    if args.setup_only:
        return 0
    from case_workflow import bearer
    from cases import make_actors
    from django.db import connection

    from tongxin.core import clock
    from tongxin.core.api_support import page_size
    from tongxin.core.scoping import forget_scope, scope_for
    from tongxin.matching import selectors
    from tongxin.matching.models import Need, NeedState, Resource
    from tongxin.matching.models.common import home_community_paths
    from tongxin.places.models import Place

    actors = make_actors()
    community, secretary, grid_worker = actors.community, actors.secretary, actors.grid_worker
    print(f"community {community.name} ({community.path}); grid worker's grid {actors.grid.path}")
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    n_res = Resource.objects.filter(community=community, is_active=True).count()
    print(f"   {n_res} active resources in the community")

    # a. suggestions for a listed need of the community.
    need = (
        Need.objects.filter(community=community, state=NeedState.LISTED, kind="home_help")
        .order_by("id")
        .first()
    ) or Need.objects.filter(community=community, state=NeedState.LISTED).order_by("id").first()
    if need is None:
        raise SystemExit("no listed need in the benchmark community")
    forget_scope(secretary)
    ranked = selectors.suggestions(secretary, need)
    print(f"   need #{need.pk} ({need.kind}); top suggestion score {ranked[0].score}: "
          f"{ranked[0].reasons}")  # fmt: skip
    month = clock.start_of_day(clock.today().replace(day=1))
    report(
        f"a. selectors.suggestions(secretary, need) over {n_res} resources (top 10)",
        lambda: selectors.suggestions(secretary, need),
        anchor_suggestions(community.pk, month),
        args,
    )

    # b. the community board through the API.
    size = page_size()
    like = connection.ops.prep_for_like_query
    for user, who in ((secretary, "the community secretary"), (grid_worker, "a grid worker")):
        # The rows the board shows: the needs under the places the user handles.
        forget_scope(user)
        paths = sorted(scope_for(user).case_paths)
        where = " OR ".join(["n.place_path LIKE %s"] * len(paths))
        params: list[Any] = [like(p) + "%" for p in paths]
        # … and, as cards, the listed needs of the user's own community.
        homes = sorted(home_community_paths(user, scope_for(user)))
        home_ids = list(
            Place.objects.filter(kind="community", path__in=homes).values_list("id", flat=True)
        )
        if home_ids:
            marks = ", ".join(["%s"] * len(home_ids))  # IN: SQLite has no = ANY(array)
            where += f" OR (n.state = 'listed' AND n.community_id IN ({marks}))"
            params.extend(home_ids)
        where = f"({where})"
        client = bearer(user)
        r = client.get("/api/v1/needs")
        body = r.json()
        print(f"\n   GET /api/v1/needs as {who}: {r.status_code}, count {body.get('count')}, "
              f"{len(body.get('items', []))} on the page")  # fmt: skip
        board = anchor_board(where, params, size)
        print(f"   anchor count {board()[0]}")
        report(
            f"b. GET /api/v1/needs as {who} (whole request, test client)",
            lambda c=client: c.get("/api/v1/needs"),
            board,
            args,
        )
    print("\nload average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
