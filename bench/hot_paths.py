"""Hot paths over HTTP, side by side with their anchors in one run (issue 13):
``.venv/bin/python bench/hot_paths.py`` (PostgreSQL; needs wrk and pgbench).

On the street-scale case database of bench/case_workflow.py (``tongxin_bench_cases_street``:
10 communities' places and posts, 300,000 cases; generated when missing) it starts two
gunicorns with the same worker count:

- **Tongxin**, production settings (``bench/bench_settings.py``: config.settings.production
  with the benchmark's secrets, plain HTTP and no access log);
- **the anchor** (``bench/anchor_app.py``): bare django-ninja endpoints outside the app's code
  path, one inserting a row into a table like ``cases_case``, one answering 20 rows + count.

and drives both with wrk, interleaved (app, anchor, app, anchor… for ``--rounds`` rounds of
``--duration`` seconds each), printing the median requests/s, p50 and p95 of each and the
ratio. Then:

- the intake's own statements, captured from one real request, replayed by pgbench at 1 and
  4 clients (in a transaction rolled back at the end, the new row's key from the sequence),
  and each statement's planning and execution time (``EXPLAIN ANALYZE``, rolled back);
- the community and street measures (``cases.selectors.measures``) against their own SQL
  run raw on the same connection, interleaved.

Figures and the machine are in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import case_workflow as cw  # noqa: E402  (bench/case_workflow.py: the database and its data)
import run as bench_run  # noqa: E402

from tongxin.core.tokens import mint  # noqa: E402

APP_PORT, ANCHOR_PORT = 8711, 8712
PG = os.environ.get("TONGXIN_BENCH_PG", bench_run.DEFAULT_PG).rstrip("/")

WRK_SCRIPT = r"""
local lines = {}
for line in io.lines(os.getenv("BENCH_REQUESTS")) do
  local method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
  lines[#lines + 1] = {method, path, token, body}
end
local i = math.random(#lines)
request = function()
  i = i % #lines + 1
  local r = lines[i]
  local headers = {["Content-Type"] = "application/json", ["X-Forwarded-Proto"] = "https"}
  if r[3] ~= "" then headers["Authorization"] = "Bearer " .. r[3] end
  return wrk.format(r[1], r[2], headers, r[4] ~= "" and r[4] or nil)
end
done = function(summary, latency, requests)
  io.write(string.format(
    "RESULT {\"requests\": %d, \"us\": %d, \"bad\": %d, \"p50\": %d, \"p95\": %d}\n",
    summary.requests, summary.duration,
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300_000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers of each")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs of each")
    parser.add_argument("--only", default="intake,lists,replay,measures")
    return parser.parse_args(argv)


# ------------------------------------------------------------------------------ setup


def prepare(args: argparse.Namespace) -> None:
    ns = argparse.Namespace(
        postgres=True, scale="street", cases=args.cases, copies=4, setup_only=True
    )
    cw.configure(ns)
    cw.prepare(ns)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_anchor_case (LIKE cases_case INCLUDING ALL)")


def request_files(folder: Path) -> dict[str, Any]:
    """The requests wrk sends, one file per measure: (method, path, token, body) lines."""
    from cases import _user_for, make_actors

    from tongxin.accounts.models import ApiToken
    from tongxin.orgs.models import Post
    from tongxin.orgs.roles import Role
    from tongxin.people.models import Person
    from tongxin.places.models import Place

    actors = make_actors()
    grid_users = [actors.grid_worker]
    posts = (
        Post.objects.active()
        .filter(role=Role.GRID_WORKER, rank="A", place_path__startswith=actors.community.path)
        .exclude(person_id=actors.grid_worker.person_id)
        .order_by("place_path")[:3]
    )
    grid_users += [_user_for(f"bench_grid{i + 2}", p.person) for i, p in enumerate(posts)]
    residents = []
    for i in range(4):
        person = Person.objects.filter(name=f"居民{i + 1}", place=actors.building).first()
        if person is None:
            person = Person.objects.create(
                name=f"居民{i + 1}",
                place=actors.building,
                place_path=actors.building.path,
                grid_id=actors.grid.pk,
            )
        residents.append(_user_for(f"bench_resident{i + 1}", person))
    token = {u.pk: ApiToken.issue(u, name="bench")[1] for u in grid_users + residents}
    buildings = list(
        Place.objects.filter(kind="building", path__startswith=actors.grid.path)
        .exclude(centroid_lat=None)
        .order_by("path")
    )
    codes = ["env.garbage", "env.litter", "noise", "municipal.manhole", "property.repair"]
    reporters = grid_users + residents
    intake = []
    for i in range(400):
        b = buildings[i * 7 % len(buildings)]
        body = {
            "category": codes[i % len(codes)],
            "description": f"基准测试上报第{i + 1}件：楼道灯不亮，晚上看不见",
            "lat": b.centroid_lat,
            "lng": b.centroid_lng,
        }
        intake.append(("POST", "/api/v1/cases", token[reporters[i % len(reporters)].pk], body))
    grid_token = token[actors.grid_worker.pk]
    files = {
        "intake": intake,
        "anchor_intake": [("POST", "/cases", "", b) for _m, _p, _t, b in intake],
        "mine": [("GET", "/api/v1/cases?view=mine", grid_token, "")],
        "anchor_mine": [("GET", f"/cases?assignee={actors.grid_worker.person_id}", "", "")],
        "grid": [("GET", "/api/v1/cases?view=grid", grid_token, "")],
        "anchor_grid": [("GET", f"/cases?grid={actors.grid.pk}", "", "")],
    }
    for name, rows in files.items():
        with open(folder / f"{name}.tsv", "w", encoding="utf-8") as out:
            for method, path, tok, body in rows:
                text = json.dumps(body, ensure_ascii=False) if body else ""
                out.write(f"{method}\t{path}\t{tok}\t{text}\n")
    (folder / "requests.lua").write_text(WRK_SCRIPT, encoding="utf-8")
    return {"actors": actors, "token": grid_token, "intake": intake}


class Servers:
    """The two gunicorns, started and stopped together."""

    def __init__(self, args: argparse.Namespace, folder: Path) -> None:
        db = f"{PG}/{cw_database()}"
        env = {
            **os.environ,
            "DATABASE_URL": db,
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "PYTHONPATH": f"{HERE}{os.pathsep}{ROOT}",
            "TONGXIN_SECRET_KEY": mint(64),
            "TONGXIN_ALLOWED_HOSTS": "127.0.0.1",
            "TONGXIN_PROXY_COUNT": "0",
        }
        env.pop("REDIS_URL", None)
        common = ["--workers", str(args.workers), "--worker-class", "sync"]
        common += ["--log-level", "warning", "--no-control-socket"]
        python = sys.executable
        self.procs = [
            subprocess.Popen(  # noqa: S603
                [
                    python,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    *common,
                    "--bind",
                    f"127.0.0.1:{APP_PORT}",
                ],
                env=env,
                cwd=ROOT,
            ),
            subprocess.Popen(  # noqa: S603
                [
                    python,
                    "-m",
                    "gunicorn",
                    "anchor_app:application",
                    *common,
                    "--bind",
                    f"127.0.0.1:{ANCHOR_PORT}",
                ],
                env=env,
                cwd=HERE,
            ),
        ]
        for port, url in ((APP_PORT, "/healthz"), (ANCHOR_PORT, "/cases?grid=0")):
            wait_for(f"http://127.0.0.1:{port}{url}")

    def stop(self) -> None:
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            proc.wait(timeout=30)


def cw_database() -> str:
    return "tongxin_bench_cases_street"


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} is needed (Debian: apt-get install {name})")
    return found


def wait_for(url: str) -> None:
    for _ in range(120):
        try:
            req = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310
            with urllib.request.urlopen(req, timeout=5):  # noqa: S310
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer")


# ------------------------------------------------------------------------------ wrk


def wrk(folder: Path, port: int, name: str, clients: int, duration: int) -> dict[str, float]:
    env = {**os.environ, "BENCH_REQUESTS": str(folder / f"{name}.tsv")}
    command = [tool("wrk"), f"-t{min(clients, 2)}", f"-c{clients}", f"-d{duration}s"]
    command += ["--timeout", "10s", "-s", str(folder / "requests.lua"), f"http://127.0.0.1:{port}"]
    out = subprocess.run(  # noqa: S603
        command,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"RESULT (\{.*\})", out)
    if not found:
        raise SystemExit(f"wrk said:\n{out}")
    r = json.loads(found.group(1))
    return {
        "rps": r["requests"] / (r["us"] / 1e6),
        "p50": r["p50"] / 1000,
        "p95": r["p95"] / 1000,
        "bad": r["bad"],
    }


def side_by_side(folder: Path, args: argparse.Namespace) -> list[list[str]]:
    rows = []
    measures = []
    if "intake" in args.only:
        measures += [("POST /api/v1/cases", "intake", "anchor_intake", c) for c in (1, 4, 16)]
    if "lists" in args.only:
        measures += [("GET view=mine", "mine", "anchor_mine", 50)]
        measures += [("GET view=grid", "grid", "anchor_grid", 50)]
    for label, mine, anchor, clients in measures:
        ours, theirs = [], []
        wrk(folder, APP_PORT, mine, clients, 2)  # warm both
        wrk(folder, ANCHOR_PORT, anchor, clients, 2)
        for _ in range(args.rounds):
            ours.append(wrk(folder, APP_PORT, mine, clients, args.duration))
            theirs.append(wrk(folder, ANCHOR_PORT, anchor, clients, args.duration))
        a = {k: statistics.median(r[k] for r in ours) for k in ours[0]}
        b = {k: statistics.median(r[k] for r in theirs) for k in theirs[0]}
        rows.append(
            [
                f"{label}, {clients} client{'s' if clients > 1 else ''}",
                f"{a['rps']:.1f}",
                f"{a['p50']:.1f}",
                f"{a['p95']:.1f}",
                str(int(sum(r["bad"] for r in ours))),
                f"{b['rps']:.1f}",
                f"{b['p50']:.1f}",
                f"{100 * a['rps'] / b['rps']:.1f}%",
            ]
        )
        print("   ", " | ".join(rows[-1]), flush=True)
    return rows


# ------------------------------------------------------------------------------ replay


def captured_intake(token: str, body: dict[str, Any]) -> list[str]:
    """The SQL of one real intake (through the test client, production settings' database),
    savepoints left out."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    client.post("/api/v1/cases", body, content_type="application/json")  # warm
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/api/v1/cases", body, content_type="application/json")
        # The commit callbacks (the queued tasks) ran: autocommit outside a transaction.
    if response.status_code != 201:
        raise SystemExit(f"intake answered {response.status_code}: {response.content[:300]!r}")
    case_id = response.json()["id"]
    skipped = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT")
    print(f"   captured: {len(ctx.captured_queries)} statements in all (BEGIN and COMMIT included)")
    statements = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(skipped)]
    return [replayable(s, case_id, response.json()["ref"]) for s in statements]


def replayable(sql: str, case_id: int, ref: str, cid: str = ":cid") -> str:
    """A captured statement that may run again and again, concurrently: the new case's key
    (and so its reference) is ``cid`` (pgbench's random ``:cid`` in the replay), the queued
    tasks' ids are made from it."""
    sql = sql.replace(ref, ref.replace(str(case_id), cid))
    sql = re.sub(rf"(?<![\w.-]){case_id}(?![\w.-])", cid, sql)
    n = iter(range(1, 1000))
    return re.sub(
        r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])",
        lambda _m: f"{next(n):08d}{'0' * 14}{cid}",
        sql,
    )


def pgbench(script: Path, clients: int, duration: int) -> float:
    command = [tool("pgbench"), "-n", "-f", str(script), "-c", str(clients), "-j", str(clients)]
    command += ["-T", str(duration), f"{PG}/{cw_database()}"]
    out = subprocess.run(  # noqa: S603
        command,
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"tps = ([\d.]+)", out.stdout)
    if not found:
        raise SystemExit(f"pgbench said:\n{out.stdout}\n{out.stderr}")
    return float(found.group(1))


def statement_times(statements: list[str]) -> list[tuple[float, float, str]]:
    """(planning ms, execution ms, statement) of each, in one transaction rolled back."""
    from django.db import connection, transaction

    out = []
    with transaction.atomic():
        with connection.cursor() as cur:
            for sql in statements:
                cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
                plan = cur.fetchone()[0]
                plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
                out.append((plan.get("Planning Time", 0.0), plan.get("Execution Time", 0.0), sql))
        transaction.set_rollback(True)
    return out


def replay(folder: Path, args: argparse.Namespace, prepared: dict[str, Any]) -> None:
    _m, _p, _t, body = prepared["intake"][0]
    statements = captured_intake(prepared["token"], body)
    script = folder / "intake.sql"
    script.write_text(
        "\\set cid random(1000000000, 1999999999)\nBEGIN;\n"
        + ";\n".join(statements)
        + ";\nROLLBACK;\n",
        encoding="utf-8",
    )
    kinds: dict[str, int] = {}
    for s in statements:
        kinds[s.split()[0]] = kinds.get(s.split()[0], 0) + 1
    print(
        f"\nc. the intake's statements: {len(statements)} ({kinds}), transaction control left out"
    )
    times = statement_times([s.replace(":cid", "2000000001") for s in statements])
    worst = max(times, key=lambda t: max(t[0], t[1]))
    print(
        f"   slowest: planning {max(t[0] for t in times):.2f} ms, execution "
        f"{max(t[1] for t in times):.2f} ms ({worst[2][:90]}…)"
    )
    for plan_ms, exec_ms, sql in times:
        print(f"   {plan_ms:6.2f} {exec_ms:6.2f}  {sql[:110]}")
    for clients in (1, 4):
        tps = [pgbench(script, clients, args.duration) for _ in range(args.rounds)]
        print(f"   pgbench replay, {clients} client(s): median {statistics.median(tps):.1f} tx/s")


# ------------------------------------------------------------------------------ measures


def measures(args: argparse.Namespace, prepared: dict[str, Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tongxin.cases import selectors
    from tongxin.core.scoping import forget_scope

    actors = prepared["actors"]
    print("\nd. measures (ms): selectors.measures against its own SQL run raw, interleaved")
    for who, user, by in (
        ("secretary", actors.secretary, "grid"),
        ("street officer", actors.street_officer, "community"),
    ):

        def ours(user: Any = user, by: str = by) -> Any:
            forget_scope(user)
            return selectors.measures(user, by=by)

        with CaptureQueriesContext(connection) as ctx:
            ours()
        captured = [q["sql"] for q in ctx.captured_queries]

        def raw(captured: list[str] = captured) -> Any:
            with connection.cursor() as cur:
                for sql in captured:
                    cur.execute(sql)
                    cur.fetchall()

        a, b = [], []
        for _ in range(max(5, args.rounds * 3)):
            t = time.perf_counter()
            ours()
            a.append(time.perf_counter() - t)
            t = time.perf_counter()
            raw()
            b.append(time.perf_counter() - t)
        ma, mb = statistics.median(a) * 1000, statistics.median(b) * 1000
        print(
            f"   {who:<15} by {by:<9} {ma:7.1f}  its {len(captured)} statements raw {mb:7.1f}"
            f"  ratio {ma / mb:.2f}×"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tool("wrk"), tool("pgbench")
    prepare(args)
    folder = bench_run.bench_dir() / "hot"
    folder.mkdir(parents=True, exist_ok=True)
    prepared = request_files(folder)
    print(f"machine: {os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}")
    if {"intake", "lists"} & set(args.only.split(",")):
        print(
            f"\na. b. over HTTP: gunicorn {args.workers} sync workers each, wrk, median of "
            f"{args.rounds} interleaved {args.duration}-s runs"
        )
        print(
            "    measure | Tongxin req/s | p50 ms | p95 ms | errors | anchor req/s | p50 ms | ratio"
        )
        servers = Servers(args, folder)
        try:
            side_by_side(folder, args)
        finally:
            servers.stop()
    if "replay" in args.only:
        replay(folder, args, prepared)
    if "measures" in args.only:
        measures(args, prepared)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
