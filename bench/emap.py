"""The e-map (一张图) on district-scale data: ``python bench/emap.py [--setup-only]``.

Measures what the map page asks for when a street or district officer opens it at district
zoom: the GeoJSON layers (``GET /api/v1/geo/{layer}``) through the real middleware stack
(sessions, security headers, gzip), their server time and payload sizes raw and gzipped, per
layer and zoom; and, when Chromium is installed, a real page load against ``runserver`` on the
same database (time until every layer is drawn).

The database is its own: PostgreSQL ``tongxin_bench_map`` on ``$TONGXIN_BENCH_PG`` (default
``postgres://postgres@127.0.0.1:5432``), created when missing. When it holds no places, the
script generates the district (scale ``district``: 800 grids, ~20,000 buildings, POIs and
facilities, organisations and posts) **without residents** — the map needs places, posts,
features and cases, not a million people — gives each building a head (one person and one
楼栋长 post per building) and writes 100,000 open cases spread over the district's buildings.
See bench/README.md, section "E-map".
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tongxin.core import clock

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEED = 2026
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "tongxin_bench_map"
OPEN_CASES = 100_000
BUILDINGS = 20_000  # the district the issue names; the generator makes ~13,000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setup-only", action="store_true", help="generate, then stop")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per request")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium page load")
    return parser.parse_args(argv)


def configure_django() -> str:
    from run import bench_dir, ensure_pg_database  # bench/run.py, next to this file

    folder = bench_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["TONGXIN_VAR_DIR"] = str(folder)
    os.environ["TONGXIN_PII_KEY_FILE"] = str(folder / "pii.key")
    os.environ.pop("TONGXIN_PII_KEY", None)
    os.environ.pop("DATABASE_URL", None)
    import dj_database_url
    from django.conf import settings

    base_url = os.environ.get("TONGXIN_BENCH_PG", DEFAULT_PG)
    ensure_pg_database(base_url, DB_NAME)
    url = f"{base_url.rstrip('/')}/{DB_NAME}"
    settings.DATABASES = {"default": dj_database_url.parse(url, conn_max_age=600)}
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    import django

    django.setup()
    return url


# ---------------------------------------------------------------------------------- generation
def generate() -> None:
    from django.db import transaction

    from tongxin.demo.generator import DemoGenerator, bulk_load_tuning

    class PlacesOnly(DemoGenerator):
        """The district without residents: no households, persons or care tags."""

        def build_people(self) -> None:
            self.households = []
            self.members_by_hh = {}

        def build_care_tags(self) -> None:
            return None

    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"  [{time.perf_counter() - started:7.1f} s] {message}", flush=True)

    gen = PlacesOnly(seed=SEED, scale="district", progress=progress)
    gen.run(with_users=False)
    with transaction.atomic(), bulk_load_tuning():
        progress("楼栋长……")
        building_heads(gen)
        progress("民情诉求……")
        open_cases(gen)
    print(f"generation took {time.perf_counter() - started:.1f} s")


def building_heads(gen: Any) -> None:
    """One person and one 楼栋长 post per building (the generator draws heads from residents,
    which this district has none of)."""
    from tongxin.demo.generator import insert_rows
    from tongxin.orgs.models import Post
    from tongxin.orgs.roles import Role
    from tongxin.people.models import Person

    rng = random.Random(SEED)
    persons = []
    for b in gen.built.buildings:
        name = gen._name(rng.choice("MF"))
        persons.append(
            Person(name=name, gender="M", place=b, place_path=b.path, phone_masked="138****0000")
        )
    insert_rows(persons)
    posts = [
        Post(person=p, role=Role.BUILDING_HEAD, place=b, place_path=b.path, public_contact=True)
        for p, b in zip(persons, gen.built.buildings, strict=True)
    ]
    Post.objects.bulk_create(posts, batch_size=4000)


def top_up_buildings(target: int = BUILDINGS) -> int:
    """Add buildings (points inside their estate, each with a 楼栋长) until the district has
    ``target``: the generator draws 2–4 a estate, the issue's district has 20,000."""
    from django.db import transaction
    from django.db.models import F

    from tongxin.demo.generator import DemoGenerator, insert_rows, point, seg
    from tongxin.orgs.models import Post
    from tongxin.orgs.roles import Role
    from tongxin.people.models import Person
    from tongxin.places.models import Place

    need = target - Place.objects.filter(kind="building").count()
    if need <= 0:
        return 0
    rng = random.Random(SEED + 2)
    estates = list(Place.objects.filter(kind="estate").order_by("path"))
    namer = DemoGenerator(seed=SEED, scale="district")
    added: list[Place] = []
    extra_children: dict[int, int] = {}
    for i in range(need):
        estate = estates[i % len(estates)]
        n = estate.numchild + extra_children.get(estate.pk, 0) + 1
        extra_children[estate.pk] = extra_children.get(estate.pk, 0) + 1
        lat = rng.uniform(estate.min_lat, estate.max_lat)
        lng = rng.uniform(estate.min_lng, estate.max_lng)
        building = namer._place(
            path=estate.path + seg(n),
            kind="building",
            code=f"{estate.code}-X{n}",
            name=f"{n}栋",
            geometry=point(lat, lng),
            address=f"{estate.name}{n}栋",
        )
        added.append(building)
    with transaction.atomic():
        insert_rows(added)
        for estate_id, count in extra_children.items():
            Place.objects.filter(pk=estate_id).update(numchild=F("numchild") + count)
        heads = [
            Person(
                name=namer._name(rng.choice("MF")),
                gender="M",
                place=b,
                place_path=b.path,
                phone_masked="138****0000",
            )
            for b in added
        ]
        insert_rows(heads)
        Post.objects.bulk_create(
            [
                Post(
                    person=h,
                    role=Role.BUILDING_HEAD,
                    place=b,
                    place_path=b.path,
                    public_contact=True,
                )
                for h, b in zip(heads, added, strict=True)
            ],
            batch_size=4000,
        )
    return len(added)


def open_cases(gen: Any) -> None:
    """``OPEN_CASES`` open cases at the district's buildings, in every open state."""
    import datetime as dt

    from tongxin.cases.models import Case, CaseCategory
    from tongxin.cases.workflow import OPEN_STATES
    from tongxin.demo.generator import insert_rows

    rng = random.Random(SEED + 1)
    categories = list(CaseCategory.objects.filter(parent__isnull=False))
    grid_of = {g.path: g for g in gen.built.grids}
    buildings = gen.built.buildings
    states = sorted(OPEN_STATES)
    now = clock.now()
    batch: list[Case] = []
    for i in range(OPEN_CASES):
        b = rng.choice(buildings)
        grid = grid_of[b.path[:16]]
        overdue = rng.random() < 0.08
        batch.append(
            Case(
                ref=f"BM{i:08d}",
                category=rng.choice(categories),
                priority="normal",
                channel=rng.choice(("app", "hotline", "patrol")),
                state=rng.choice(states),
                description="楼道堆放杂物，影响通行",
                lat=b.centroid_lat + rng.uniform(-0.0003, 0.0003),
                lng=b.centroid_lng + rng.uniform(-0.0003, 0.0003),
                place=b,
                place_path=b.path,
                grid=grid,
                level="grid",
                overdue=overdue,
                resolve_due=now + dt.timedelta(days=rng.randint(-5, 10)),
            )
        )
        if len(batch) >= 5000:
            insert_rows(batch)
            batch = []
    insert_rows(batch)
    # bulk inserts stamp one time; spread the report times over the last 90 days
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "UPDATE cases_case SET created_at = now() - (random() * interval '90 days') "
                "WHERE ref LIKE 'BM%%'"
            )


def prepare() -> None:
    from django.core.management import call_command
    from django.db import connection

    from tongxin.places.models import Place

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"migrate: {time.perf_counter() - started:.1f} s")
    if not Place.objects.exists():
        print("the database is empty: generating the district without residents (seed 2026)")
        generate()
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    else:
        print("reusing the generated district (DROP DATABASE tongxin_bench_map to regenerate)")
    added = top_up_buildings()
    if added:
        print(f"added {added:,} buildings to reach {BUILDINGS:,}")
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    from tongxin.cases.models import Case
    from tongxin.places.models import Facility, PointOfInterest

    for label, n in (
        ("grids", Place.objects.filter(kind="grid").count()),
        ("estates", Place.objects.filter(kind="estate").count()),
        ("buildings", Place.objects.filter(kind="building").count()),
        ("pois", PointOfInterest.objects.count()),
        ("facilities", Facility.objects.count()),
        ("open cases", Case.objects.filter(state__in=OPEN).count()),
    ):
        print(f"  {label:<12} {n:>9,}")


OPEN = ("reported", "accepted", "dispatched", "in_progress", "escalated", "suspended")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = configure_django()
    print(f"database: {url}")
    prepare()
    if args.setup_only:
        return 0
    measure(args, url)
    return 0


# --------------------------------------------------------------------------------- measuring
BENCH_PASSWORD = "Bench-Map-2026!"  # noqa: S105 — a benchmark database's own account
DEFAULT_LAYERS = ("grids", "estates", "buildings")  # what the page draws when it opens


def district_user() -> Any:
    """``bench_district``: a district officer (an access grant on the district, no care)."""
    from tongxin.accounts.demo import mark_demo_database
    from tongxin.accounts.models import AccessGrant, User
    from tongxin.places.models import Place

    district = Place.objects.get(kind="district")
    user, created = User.objects.get_or_create(
        username="bench_district", defaults={"display_name": "区级干部（基准测试）"}
    )
    if created:
        user.set_password(BENCH_PASSWORD)
        user.save()
    if not AccessGrant.objects.filter(user=user, place=district).exists():
        AccessGrant.objects.create(user=user, place=district, reason="一张图基准测试")
    mark_demo_database()  # no second factor for the bench account (a benchmark database)
    return user


def district_view(width_px: int = 1280, height_px: int = 800) -> tuple[str, int]:
    """The bbox and the zoom at which the whole district fits a desktop map."""
    import math

    from django.db.models import Max, Min

    from tongxin.places.models import Place

    b = Place.objects.filter(kind="grid").aggregate(
        w=Min("min_lng"), s=Min("min_lat"), e=Max("max_lng"), n=Max("max_lat")
    )
    span = max((b["e"] - b["w"]) / width_px, (b["n"] - b["s"]) / height_px)
    zoom = math.floor(math.log2(360 / (256 * span)))
    return f"{b['w']:.5f},{b['s']:.5f},{b['e']:.5f},{b['n']:.5f}", zoom


def community_view() -> str:
    from tongxin.places.models import Place

    c = Place.objects.filter(kind="community").order_by("path")[60]
    return f"{c.min_lng:.5f},{c.min_lat:.5f},{c.max_lng:.5f},{c.max_lat:.5f}"


def timed_get(client: Any, url: str, params: dict[str, Any], repeat: int) -> dict[str, Any]:
    times = []
    response = None
    for i in range(repeat + 1):
        started = time.perf_counter()
        response = client.get(url, params, HTTP_ACCEPT_ENCODING="gzip")
        elapsed = time.perf_counter() - started
        if i:  # the first run warms the caches
            times.append(elapsed)
    assert response is not None and response.status_code == 200, (
        url,
        response and response.content[:200],
    )
    body = response.content
    raw = gzip.decompress(body) if response.get("Content-Encoding") == "gzip" else body
    import json

    data = json.loads(raw)
    return {
        "ms": statistics.median(times) * 1000,
        "raw": len(raw),
        "gzip": len(body)
        if response.get("Content-Encoding") == "gzip"
        else len(gzip.compress(raw)),
        "features": len(data["features"]),
        "clustered": bool(data.get("clustered")),
    }


def kb(n: int) -> str:
    return f"{n / 1024:,.1f}"


def measure(args: argparse.Namespace, url: str) -> None:
    from django.test import Client

    user = district_user()
    client = Client()
    client.force_login(user)
    bbox, zoom = district_view()
    print(f"\ndistrict view: bbox {bbox}, zoom {zoom} (the district fits a 1280×800 map)")
    rows = []
    first_draw = {}
    for z, box, where in (
        (zoom, bbox, "district"),
        (zoom + 1, bbox, "district"),
        (16, community_view(), "community"),
        (18, community_view(), "community"),
    ):
        for name in ("grids", "estates", "buildings", "pois", "facilities", "cases"):
            r = timed_get(client, f"/api/v1/geo/{name}", {"bbox": box, "zoom": z}, args.repeat)
            rows.append((where, z, name, r))
            if where == "district" and z == zoom:
                first_draw[name] = r
        r = timed_get(
            client, "/api/v1/geo/cases", {"bbox": box, "zoom": z, "heat": "true"}, args.repeat
        )
        rows.append((where, z, "cases heat", r))
    head = ("view", "zoom", "layer", "server ms", "features", "raw KB", "gzip KB")
    print("\n{:<10} {:>4} {:<11} {:>9} {:>8} {:>9} {:>8}".format(*head))
    for where, z, name, r in rows:
        flag = " (clusters)" if r["clustered"] else ""
        print(
            f"{where:<10} {z:>4} {name:<11} {r['ms']:>9.1f} {r['features']:>8} {kb(r['raw']):>9} "
            f"{kb(r['gzip']):>8}{flag}"
        )
    base = sum(first_draw[n]["ms"] for n in DEFAULT_LAYERS)
    with_cases = base + first_draw["cases"]["ms"]
    size = sum(first_draw[n]["gzip"] for n in (*DEFAULT_LAYERS, "cases"))
    print(
        f"\nfirst complete drawing of the district view, server side: default layers "
        f"{base:.0f} ms (one after another), with the cases layer {with_cases:.0f} ms; "
        f"{kb(size)} KB gzipped over the wire"
    )
    if not args.no_browser:
        browser_load(url, bbox)


def browser_load(db_url: str, bbox: str) -> None:
    """A real page load in Chromium against runserver on this database: time from navigation
    until grids, estates, buildings and cases are all drawn."""
    import socket

    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        print("Chromium not installed: page load not measured")
        return
    from playwright.sync_api import sync_playwright

    from tongxin.workbench.tests.e2e import CHROMIUM_ARGS, _wait_until_up

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": db_url, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    log = Path(os.environ["TONGXIN_VAR_DIR"]) / "emap-server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 — our own manage.py
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "runserver",
                f"127.0.0.1:{port}",
                "--noreload",
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, proc, log)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
            page.goto(f"{base}/login/")
            page.fill("#id_username", "bench_district")
            page.fill("#id_password", BENCH_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            results = []
            for run in range(4):
                started = time.perf_counter()
                page.goto(f"{base}/map/")
                page.wait_for_selector("#emap[data-drawn-grids]", timeout=60000)
                grids_at = time.perf_counter() - started
                page.check("input[data-layer=cases]")
                page.wait_for_selector("#emap[data-drawn-cases]", timeout=60000)
                page.wait_for_function(
                    "() => !Object.keys(document.getElementById('emap').dataset)"
                    ".some(k => k.startsWith('loading'))",
                    timeout=60000,
                )
                done = time.perf_counter() - started
                if run:
                    results.append((grids_at, done))
            page.screenshot(path=str(ROOT / "var" / "screenshots" / "emap-bench-district.png"))
            browser.close()
        g = statistics.median(r[0] for r in results) * 1000
        d = statistics.median(r[1] for r in results) * 1000
        print(
            f"Chromium page load (runserver, 1600×1000): grids, estates and buildings drawn "
            f"{g:.0f} ms after navigation; with the cases layer switched on and drawn {d:.0f} ms "
            "(median of 3 warm runs)"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
