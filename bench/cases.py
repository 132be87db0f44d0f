"""The benchmarks themselves; ``bench/run.py`` sets Django up and calls ``run_benchmarks``.

Every case runs a few times untimed (warm caches), then ``--repeat`` timed times, and reports
the median and the 95th percentile (nearest rank) in milliseconds.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tongxin.accounts.models import User
from tongxin.core import vault
from tongxin.core.scoping import forget_scope, scope_for
from tongxin.orgs import selectors as org_selectors
from tongxin.orgs.models import Post
from tongxin.orgs.roles import Duty, Role
from tongxin.people.models import Person
from tongxin.people.selectors import persons_for
from tongxin.people.services import PHONE_CONTEXT
from tongxin.places.models import Place

PAGE_SIZE = 20
# A slow case is repeated fewer times (at least MIN_REPEAT) so one run stays within minutes.
BUDGET_SECONDS = 20.0
MIN_REPEAT = 5


# ---------------------------------------------------------------------------- measuring


@dataclass
class Timing:
    """Timed runs of one case, in seconds, per named part (``total`` always present)."""

    parts: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, seconds: float) -> None:
        self.parts.setdefault(name, []).append(seconds)

    @property
    def n(self) -> int:
        return len(self.parts.get("total", []))

    def median(self, name: str = "total") -> float:
        return statistics.median(self.parts[name]) * 1000

    def p95(self, name: str = "total") -> float:
        values = sorted(self.parts[name])
        return values[max(0, math.ceil(0.95 * len(values)) - 1)] * 1000


def measure(run_once: Callable[[Timing], Any], *, repeat: int, warmup: int) -> tuple[Timing, Any]:
    """Run ``run_once`` ``warmup`` times untimed, then up to ``repeat`` times timed.

    ``run_once`` records its own parts into the Timing it is given and returns a result (hits,
    status…); the last result is returned with the timings.
    """
    scratch = Timing()
    result = None
    for _ in range(warmup):
        result = run_once(scratch)
    first = Timing()
    started = time.perf_counter()
    result = run_once(first)
    elapsed = time.perf_counter() - started
    count = min(repeat, max(MIN_REPEAT, int(BUDGET_SECONDS / max(elapsed, 1e-6))))
    timing = first
    for _ in range(count - 1):
        result = run_once(timing)
    return timing, result


def query_count(action: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        action()
    return len(ctx.captured_queries)


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print()
    print(title)
    line = "  ".join("-" * w for w in widths)
    print(line)
    print(
        "  ".join(
            str(h).ljust(w) if i < 2 else str(h).rjust(w)
            for i, (h, w) in enumerate(zip(header, widths, strict=True))
        )
    )
    print(line)
    for r in rows:
        print(
            "  ".join(
                str(c).ljust(w) if i < 2 else str(c).rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    print(line)


def ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


# ---------------------------------------------------------------------------- query plans


def explain(sql: str) -> list[str]:
    """The database's plan for ``sql``: EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            rows = cursor.fetchall()
            parents = {row[0]: row[1] for row in rows}

            def depth(node: int) -> int:
                return 0 if node not in parents else 1 + depth(parents[node])

            return [f"{'  ' * depth(row[1])}{row[3]}" for row in rows]
        cursor.execute(f"EXPLAIN {sql}")
        return [row[0] for row in cursor.fetchall()]


def last_query(action: Callable[[], Any], *, contains: str = "") -> str:
    """The SQL (parameters inlined) of the last query ``action`` ran (containing ``contains``)."""
    with CaptureQueriesContext(connection) as ctx:
        action()
    sqls = [q["sql"] for q in ctx.captured_queries if contains in q["sql"]]
    return sqls[-1]


def full_scan_of(plan: list[str], table: str) -> bool:
    """Whether the plan reads all of ``table`` rather than a range of one of its indexes."""
    for line in plan:
        text = line.strip()
        if connection.vendor == "sqlite":
            if text.startswith(f"SCAN {table}") and "INDEX" not in text:
                return True
        elif f"Seq Scan on {table}" in text:
            return True
    return False


def print_plan(title: str, plan: list[str], table: str) -> None:
    verdict = "FULL SCAN of " + table if full_scan_of(plan, table) else "uses an index"
    print(f"  {title}: {verdict}")
    for line in plan:
        print(f"      {line}")


# ---------------------------------------------------------------------------- fixtures


@dataclass
class Actors:
    """Bench users whose scopes come from posts the generator filled, and their places."""

    grid_worker: User
    secretary: User
    street_officer: User
    grid: Place
    community: Place
    street: Place
    building: Place


def _user_for(username: str, person: Person) -> User:
    existing = User.objects.filter(person=person).first()
    if existing is not None:
        return existing
    user, _ = User.objects.get_or_create(
        username=username, defaults={"person": person, "display_name": person.name}
    )
    if user.person_id != person.pk:
        user.person = person
        user.save(update_fields=["person"])
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def make_actors() -> Actors:
    """A community in the middle of the area, its secretary, one of its grid workers whose
    posts are all at grid level (A at one grid, B at the neighbouring one), and the officer of
    its street. Deterministic for a given generated database."""
    communities = list(Place.objects.filter(kind="community").order_by("path"))
    community = communities[len(communities) // 2]
    street = Place.objects.get(path=community.path[: -Place.steplen])
    secretary_post = (
        Post.objects.active().filter(role=Role.SECRETARY, place=community).order_by("id").first()
    )
    officer_post = (
        Post.objects.active().filter(role=Role.STREET_OFFICER, place=street).order_by("id").first()
    )
    grid_worker_post = None
    for post in (
        Post.objects.active()
        .filter(role=Role.GRID_WORKER, rank="A", place_path__prefix=community.path)
        .select_related("place")
        .order_by("place_path", "id")
    ):
        held_at = set(
            Post.objects.active()
            .filter(person_id=post.person_id)
            .values_list("place__kind", flat=True)
        )
        if held_at <= {"grid"}:
            grid_worker_post = post
            break
    if secretary_post is None or officer_post is None or grid_worker_post is None:
        raise SystemExit("the generated data lacks a secretary, street officer or grid worker")
    grid = grid_worker_post.place
    building = (
        Place.objects.filter(kind="building", path__prefix=grid.path).order_by("path").first()
    )
    return Actors(
        grid_worker=_user_for("bench_grid", grid_worker_post.person),
        secretary=_user_for("bench_secretary", secretary_post.person),
        street_officer=_user_for("bench_street", officer_post.person),
        grid=grid,
        community=community,
        street=street,
        building=building,
    )


def describe_actors(actors: Actors) -> None:
    print()
    print("bench users (scopes come from the posts the generator filled):")
    for label, user in (
        ("grid worker", actors.grid_worker),
        ("secretary", actors.secretary),
        ("street officer", actors.street_officer),
    ):
        forget_scope(user)
        scope = scope_for(user)
        roles = ", ".join(
            f"{p.get_role_display()}{p.rank or ''}@{p.place.name if p.place else '-'}"
            for p in Post.objects.active()
            .filter(person_id=user.person_id)
            .select_related("place")
            .order_by("id")
        )
        visible = persons_for(user).count()
        print(
            f"  {label:<15} {user.username:<16} {roles}; sees {visible:,} residents "
            f"in {len(scope.person_paths)} subtree(s)"
        )
    print(
        f"  places: street {actors.street.name} / community {actors.community.name} / "
        f"grid {actors.grid.name} ({actors.grid.code}) / building {actors.building.code}"
    )


# ---------------------------------------------------------------------------- a. search


def search_terms(actors: Actors) -> list[tuple[str, str]]:
    """(label, query) pairs; the phone belongs to a resident of the grid worker's grid, so
    every scope finds it."""
    sample = (
        Person.objects.filter(place_path__prefix=actors.grid.path, is_active=True)
        .exclude(phone_cipher="")
        .order_by("id")
        .first()
    )
    if sample is None:
        raise SystemExit("no resident with a phone in the grid")
    phone = vault.decrypt(sample.phone_cipher, context=PHONE_CONTEXT)
    return [
        ("pinyin initials", "zw"),
        ("full pinyin prefix", "zhangw"),
        ("name contains", "张伟"),
        ("phone last 4", phone[-4:]),
        ("full phone (hash)", phone),
    ]


def search_once(user: User, query: str) -> Callable[[Timing], int]:
    def run(timing: Timing) -> int:
        started = time.perf_counter()
        forget_scope(user)  # a request computes the scope once; so does every timed run
        qs = persons_for(user, search=query)
        page = list(qs[:PAGE_SIZE])
        mid = time.perf_counter()
        hits = qs.count()
        end = time.perf_counter()
        assert len(page) == min(PAGE_SIZE, hits)
        timing.add("page", mid - started)
        timing.add("count", end - mid)
        timing.add("total", end - started)
        return hits

    return run


def bench_search(actors: Actors, args: Any) -> None:
    terms = search_terms(actors)
    rows = []
    for scope_label, user in (
        ("grid worker", actors.grid_worker),
        ("secretary", actors.secretary),
        ("street officer", actors.street_officer),
    ):
        for label, query in terms:
            timing, hits = measure(search_once(user, query), repeat=args.repeat, warmup=args.warmup)
            rows.append(
                [
                    scope_label,
                    f"{label} '{mask(query)}'",
                    timing.n,
                    f"{hits:,}",
                    ms(timing.median()),
                    ms(timing.p95()),
                    ms(timing.median("page")),
                    ms(timing.median("count")),
                ]
            )
    print_table(
        f"a. resident search: persons_for(user, search=q), first page of {PAGE_SIZE} + count "
        "(ms; scope computed per run)",
        ["scope", "query", "n", "hits", "median", "p95", "page med", "count med"],
        rows,
    )

    show = (
        [actors.street_officer]
        if not args.plans
        else [actors.grid_worker, actors.secretary, actors.street_officer]
    )
    print()
    print(
        "query plans of the search page query "
        f"({'every scope' if args.plans else 'street officer; --plans for every scope'}):"
    )
    for user in show:
        for label, query in terms:
            qs = persons_for(user, search=query)
            sql = last_query(lambda qs=qs: list(qs[:PAGE_SIZE]), contains="people_person")
            print_plan(f"{user.username} {label}", explain(sql), "people_person")


def mask(query: str) -> str:
    return f"{query[:3]}****{query[-4:]}" if len(query) == 11 and query.isdigit() else query


# ---------------------------------------------------------------------------- b. place page


def url_or_none(name: str, pk: int | None = None) -> str | None:
    """``reverse(name, pk)`` if that page exists yet (others are building the views)."""
    from django.urls import NoReverseMatch, reverse

    if pk is None:
        try:
            return reverse(name)
        except NoReverseMatch:
            return None
    for how in ({"args": [pk]}, {"kwargs": {"pk": pk}}):
        try:
            return reverse(name, **how)  # type: ignore[arg-type]
        except NoReverseMatch:
            continue
    return None


def slowest_queries(action: Callable[[], Any], top: int = 2) -> list[tuple[float, str]]:
    """The ``top`` slowest SQL statements ``action`` ran, as (ms, sql)."""
    with CaptureQueriesContext(connection) as ctx:
        action()
    timed = sorted(
        ((float(q["time"]) * 1000, q["sql"]) for q in ctx.captured_queries), reverse=True
    )
    return timed[:top]


def signed_in(user: User) -> Any:
    """A test client signed in as ``user``, past the second factor (as after a TOTP code)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    try:
        from tongxin.accounts.second_factor import SESSION_KEY
    except ImportError:  # no second factor in this version
        return client
    session = client.session
    session[SESSION_KEY] = "totp"
    session.save()
    return client


def http_row(client: Any, url: str, label: str, args: Any) -> tuple[list[Any], list[Any]]:
    """Time GET ``url``; the table row, and the slowest queries of one more request."""
    timing, status = measure(page_once(client, url), repeat=args.repeat, warmup=args.warmup)
    if status != 200:
        NOTES.append(f"GET {url} as {label} answered {status}, not 200: not a page timing")
    queries = query_count(lambda: client.get(url))
    size = len(client.get(url).content)
    row = [
        label,
        url,
        timing.n,
        status,
        f"{size / 1024:.0f} KB",
        queries,
        ms(timing.median()),
        ms(timing.p95()),
    ]
    return row, slowest_queries(lambda: client.get(url))


def print_slowest(title: str, slow: list[tuple[str, list[tuple[float, str]]]]) -> None:
    print()
    print(title)
    for label, queries in slow:
        for elapsed, sql in queries:
            table = "people_person" if "people_person" in sql else "places_place"
            print(f"  {label}: {elapsed:.1f} ms  {shorten(sql)}")
            print_plan("plan", explain(sql), table)


def shorten(sql: str, width: int = 240) -> str:
    sql = sql.replace(chr(0x10FFFF), r"\U0010ffff")
    if 'FROM "' in sql and sql.startswith("SELECT "):
        sql = "SELECT … " + sql[sql.index('FROM "') :]
    return sql if len(sql) <= width else sql[: width - 1] + "…"


def page_once(client: Any, url: str) -> Callable[[Timing], int]:
    def run(timing: Timing) -> int:
        started = time.perf_counter()
        response = client.get(url)
        timing.add("total", time.perf_counter() - started)
        return response.status_code

    return run


NOTES: list[str] = []


def print_notes() -> None:
    for note in NOTES:
        print(f"NOTE: {note}")
    NOTES.clear()


def visible_places(user: User) -> Any:
    """``Place.objects.visible_to(user)``; if that is broken, the same filter written out."""
    try:
        return Place.objects.visible_to(user)
    except AttributeError as exc:
        note = (
            f"Place.objects.visible_to(user) fails ({exc}); the bench filters with "
            "Place.scope_q(scope_for(user)) instead"
        )
        if note not in NOTES:
            NOTES.append(note)
        return Place.objects.filter(Place.scope_q(scope_for(user)))


PLACE_PARTS = ("access", "children", "residents", "count", "posts", "responsible")


def posts_here(user: User, place: Place) -> list[Post]:
    """The posts shown on the place page, by whichever selector the code base has now."""
    try:
        from tongxin.workbench.workbench import visible_posts_at
    except ImportError:
        posts_at = getattr(org_selectors, "posts_at", None)
        if posts_at is not None:
            return list(posts_at(place))
        return list(Post.objects.active().filter(place=place).select_related("person"))
    return visible_posts_at(user, place)


def responsible_here(place: Place) -> list[Any]:
    """Who is responsible for the place for every duty (one batch, or one call per duty)."""
    batch = getattr(org_selectors, "responsibilities", None)
    if batch is not None:
        return list(batch(place).values())
    return [org_selectors.responsible_for(place, duty=duty) for duty in Duty.values]


def place_selectors(user: User, place: Place, timing: Timing | None = None) -> dict[str, Any]:
    """What the place page shows, through the selectors it would use; each part timed."""
    marks = [time.perf_counter()]

    def mark() -> None:
        marks.append(time.perf_counter())

    forget_scope(user)
    here = visible_places(user).get(pk=place.pk)
    ancestors = here.ancestors_list()
    mark()
    children = list(
        visible_places(user).filter(path__prefix=here.path, depth=here.depth + 1).order_by("path")
    )
    mark()
    residents = persons_for(user, place=here)
    page = list(residents[:PAGE_SIZE])
    mark()
    count = residents.count()
    mark()
    posts = posts_here(user, here)
    mark()
    responsible = responsible_here(here)
    mark()
    if timing is not None:
        for name, start, end in zip(PLACE_PARTS, marks, marks[1:], strict=False):
            timing.add(name, end - start)
        timing.add("total", marks[-1] - marks[0])
    return {
        "ancestors": ancestors,
        "children": children,
        "page": page,
        "count": count,
        "posts": posts,
        "responsible": responsible,
    }


def selectors_once(user: User, place: Place) -> Callable[[Timing], int]:
    def run(timing: Timing) -> int:
        return place_selectors(user, place, timing)["count"]

    return run


def bench_place_page(actors: Actors, args: Any) -> None:

    visits = [
        ("street", actors.street, actors.street_officer),
        ("community", actors.community, actors.secretary),
        ("grid", actors.grid, actors.grid_worker),
        ("building", actors.building, actors.grid_worker),
    ]
    has_view = url_or_none("places:detail", actors.grid.pk) is not None
    if has_view:
        rows, slow = [], []
        for kind, place, user in visits:
            client = signed_in(user)
            url = url_or_none("places:detail", place.pk)
            assert url is not None
            row, top = http_row(client, url, f"{kind} as {user.username}", args)
            rows.append(row)
            slow.append((kind, top))
        print_table(
            "b. place page: GET /places/<pk>/ through django.test.Client (ms; the whole request: "
            "session, scope, queries, template)",
            ["place", "url", "n", "status", "size", "queries", "median", "p95"],
            rows,
        )
        print_slowest("slowest SQL of one place page request each, with its plan:", slow)
    rows = []
    for kind, place, user in visits:
        timing, count = measure(selectors_once(user, place), repeat=args.repeat, warmup=args.warmup)
        queries = query_count(lambda user=user, place=place: place_selectors(user, place))
        rows.append(
            [
                kind,
                f"{place.name} as {user.username}",
                timing.n,
                f"{count:,}",
                queries,
                ms(timing.median()),
                ms(timing.p95()),
                *(ms(timing.median(part)) for part in PLACE_PARTS),
            ]
        )
    what = (
        "what the page needs, through the selectors (access + ancestors, visible children, "
        f"first page of {PAGE_SIZE} residents, their count, posts at the place, who is "
        f"responsible for each of the {len(Duty.values)} duties; ms, no template)"
    )
    print_table(
        (
            "b'. place page broken down: "
            if has_view
            else "b. place page: THE VIEW places:detail DOES NOT EXIST YET; timing "
        )
        + what,
        ["place", "as", "n", "residents", "queries", "median", "p95"]
        + [f"{part} med" for part in PLACE_PARTS],
        rows,
    )
    print_notes()


def bench_search_page(actors: Actors, args: Any) -> None:
    """The resident search page over HTTP, when it exists."""

    base = url_or_none("people:list")
    if base is None:
        print("\n(the resident search page people:list does not exist yet: not timed over HTTP)")
        return
    from urllib.parse import urlencode

    terms = search_terms(actors)
    chosen = [terms[0], terms[2], terms[3]]  # initials, name contains, phone last 4
    rows, slow = [], []
    for label, user in (
        ("grid worker", actors.grid_worker),
        ("secretary", actors.secretary),
        ("street officer", actors.street_officer),
    ):
        client = signed_in(user)
        for what, query in chosen:
            url = f"{base}?{urlencode({'q': query})}"
            row, top = http_row(client, url, f"{label}: {what}", args)
            rows.append(row)
            if label == "street officer":
                slow.append((f"{label} {what}", top[:1]))
    print_table(
        "a'. resident search page: GET /people/?q=... through django.test.Client (ms; the "
        "whole request)",
        ["as / query", "url", "n", "status", "size", "queries", "median", "p95"],
        rows,
    )
    print_slowest("slowest SQL of the street officer's search page requests:", slow)
    print_notes()


# ---------------------------------------------------------------------------- c. subtree


def bench_subtree(actors: Actors, args: Any) -> None:
    rows = []
    plans = []
    for kind, place in (
        ("street", actors.street),
        ("community", actors.community),
        ("grid", actors.grid),
        ("building", actors.building),
    ):
        qs = Person.objects.filter(place_path__prefix=place.path)

        def run(timing: Timing, qs: Any = qs) -> int:
            started = time.perf_counter()
            n = qs.count()
            timing.add("total", time.perf_counter() - started)
            return n

        timing, count = measure(run, repeat=args.repeat, warmup=args.warmup)
        rows.append(
            [
                kind,
                f"{place.path} {place.name}",
                timing.n,
                f"{count:,}",
                ms(timing.median()),
                ms(timing.p95()),
            ]
        )
        sql = last_query(qs.count, contains="people_person")
        plans.append((f"{kind} ({place.path})", sql, explain(sql)))
    print_table(
        "c. subtree: Person.objects.filter(place_path__prefix=path).count() (ms)",
        ["place", "path", "n", "persons", "median", "p95"],
        rows,
    )
    print()
    print("query plans of the subtree counts:")
    for title, sql, plan in plans:
        print("  " + sql.replace(chr(0x10FFFF), r"\U0010ffff"))
        print_plan(title, plan, "people_person")


# ---------------------------------------------------------------------------- all


def run_benchmarks(args: Any) -> None:
    only = {part.strip() for part in args.only.split(",") if part.strip()}
    actors = make_actors()
    describe_actors(actors)
    print(
        f"\nwarm-up {args.warmup} runs, then up to {args.repeat} timed runs per case "
        f"(fewer, at least {MIN_REPEAT}, when a case would exceed {BUDGET_SECONDS:.0f} s)"
    )
    if "search" in only:
        bench_search(actors, args)
        bench_search_page(actors, args)
    if "place" in only:
        bench_place_page(actors, args)
    if "subtree" in only:
        bench_subtree(actors, args)
