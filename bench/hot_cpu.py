"""CPU per request of the hot paths, in process, beside the anchor (issue 13):
``.venv/bin/python bench/hot_cpu.py`` (PostgreSQL, the street-scale case database).

Throughput over HTTP (bench/hot_paths.py) moves with whatever else the two shared cores run;
the CPU time a request costs the Python process does not. This script measures that: on the
database of hot_paths.py (``tongxin_bench_cases_street``, generated when missing, with the
same tokens and request bodies) it starts two child processes,

- **Tongxin** on the settings of the benchmark's gunicorn (``bench/bench_settings.py``:
  production, ``CONN_HEALTH_CHECKS`` and all), and
- **the anchor** (``bench/anchor_app.py``: bare django-ninja endpoints, one insert; 20 rows
  and their count),

and drives each through its own WSGI handler (``WSGIHandler``, the object gunicorn calls: every
middleware, no network), ``--requests`` requests a route at a time, interleaved (app, anchor,
app, anchor… for ``--rounds`` rounds). Each child reports ``time.process_time()`` per request
(its own CPU: Python, the driver, not PostgreSQL's), the wall time, and the statements per
request (counted by an execute wrapper). The script prints the medians and the ratio of CPU.

``--profile intake|mine|grid``: cProfile ``--requests`` requests of one route in the app's
child and print the functions with the most time (cumulative and own).

Figures in bench/README.md ("Hot paths over HTTP").
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

ROUTES = ("intake", "mine", "grid")
ANCHOR_OF = {"intake": "anchor_intake", "mine": "anchor_mine", "grid": "anchor_grid"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100, help="requests per route and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default=",".join(ROUTES))
    parser.add_argument("--profile", default="", choices=("", *ROUTES))
    parser.add_argument("--top", type=int, default=40, help="rows of the profile")
    parser.add_argument("--save", default="", help="with --profile: write the pstats file here")
    parser.add_argument(
        "--serve", default="", choices=("", "app", "anchor"), help=argparse.SUPPRESS
    )
    return parser.parse_args(argv)


# ------------------------------------------------------------------------------ the children


def _requests(folder: Path, name: str) -> list[tuple[str, str, str, bytes]]:
    rows = []
    with open(folder / f"{name}.tsv", encoding="utf-8") as lines:
        for line in lines:
            method, path, token, body = line.rstrip("\n").split("\t", 3)
            rows.append((method, path, token, body.encode()))
    return rows


def _environ(method: str, path: str, token: str, body: bytes) -> dict[str, Any]:
    """What gunicorn hands the application for one request from wrk (hot_paths.py)."""
    path_info, _sep, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8711",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_X_FORWARDED_PROTO": "https",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if body:
        environ["CONTENT_TYPE"] = "application/json"
        environ["CONTENT_LENGTH"] = str(len(body))
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return environ


def serve(kind: str, folder: Path) -> int:
    """A child: set up Django for ``kind``, then answer ``run NAME N`` and ``profile NAME N
    TOP`` lines on stdin with one JSON line each on stdout."""
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(ROOT))
    if kind == "anchor":
        import anchor_app

        application = anchor_app.application
    else:
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
        from django.core.wsgi import get_wsgi_application

        application = get_wsgi_application()
    from django.core.signals import got_request_exception
    from django.db import connection

    def show(sender: Any, request: Any = None, **kwargs: Any) -> None:
        import traceback

        traceback.print_exc(file=sys.stderr)

    got_request_exception.connect(show, weak=False)
    counted = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        counted[0] += 1
        return execute(sql, params, many, context)

    connection.execute_wrappers.append(count)
    status: dict[str, int] = {}

    def start_response(code: str, headers: Any, exc_info: Any = None) -> Any:
        status[code.split()[0]] = status.get(code.split()[0], 0) + 1
        return lambda _data: None

    errors: list[str] = []

    def one(request: tuple[str, str, str, bytes]) -> None:
        before = sum(status.values()) - status.get("200", 0) - status.get("201", 0)
        result = application(_environ(*request), start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        after = sum(status.values()) - status.get("200", 0) - status.get("201", 0)
        if after > before and len(errors) < 3:
            errors.append(body[:300].decode(errors="replace"))

    cache: dict[str, list[tuple[str, str, str, bytes]]] = {}
    position: dict[str, int] = {}
    print(json.dumps({"ready": kind}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        command, name, n = words[0], words[1], int(words[2])
        rows = cache.setdefault(name, _requests(folder, name))
        status.clear()
        errors.clear()
        counted[0] = 0
        start = position.get(name, 0)
        batch = [rows[(start + i) % len(rows)] for i in range(n)]
        position[name] = (start + n) % len(rows)
        if command == "profile":
            import cProfile
            import io
            import pstats

            profiler = cProfile.Profile(time.process_time)  # CPU, not waits
            profiler.enable()
            for request in batch:
                one(request)
            profiler.disable()
            if len(words) > 4:
                profiler.dump_stats(words[4])
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("cumulative").print_stats(int(words[3]))
            stats.sort_stats("tottime").print_stats(int(words[3]))
            print(json.dumps({"profile": out.getvalue(), "status": status}), flush=True)
            continue
        wall, cpu = time.perf_counter(), time.process_time()
        for request in batch:
            one(request)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        answer = {"cpu_ms": 1000 * cpu / n, "wall_ms": 1000 * wall / n}
        answer.update(statements=counted[0] / n, status=status, errors=errors)
        print(json.dumps(answer), flush=True)
    return 0


class Child:
    def __init__(self, kind: str, folder: Path, env: dict[str, str]) -> None:
        self.kind = kind
        self.proc = subprocess.Popen(  # noqa: S603
            [sys.executable, __file__, "--serve", kind],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**env, "TONGXIN_HOT_FOLDER": str(folder)},
            cwd=ROOT,
        )
        self.read()

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"the {self.kind} child stopped")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def ask(self, command: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.read()

    def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


# ------------------------------------------------------------------------------ the parent


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        return serve(args.serve, Path(os.environ["TONGXIN_HOT_FOLDER"]))
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(ROOT))
    import hot_paths
    import run as bench_run

    from tongxin.core.tokens import mint

    ns = hot_paths.parse_args([])
    hot_paths.prepare(ns)  # the database (generated when missing) and the anchor's table
    folder = bench_run.bench_dir() / "hot"
    folder.mkdir(parents=True, exist_ok=True)
    hot_paths.request_files(folder)
    env = {
        **os.environ,
        "DATABASE_URL": f"{hot_paths.PG}/{hot_paths.cw_database()}",
        "PYTHONPATH": f"{HERE}{os.pathsep}{ROOT}",
        "TONGXIN_SECRET_KEY": mint(64),
        "TONGXIN_ALLOWED_HOSTS": "127.0.0.1",
        "TONGXIN_PROXY_COUNT": "0",
        "TONGXIN_BENCH_DIR": str(bench_run.bench_dir()),
    }
    env.pop("REDIS_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    app = Child("app", folder, env)
    if args.profile:
        try:
            app.ask(f"run {args.profile} {min(args.requests, 20)}")  # warm
            save = f" {Path(args.save).resolve()}" if args.save else ""
            answer = app.ask(f"profile {args.profile} {args.requests} {args.top}{save}")
            print(answer["profile"])
            print("status:", answer["status"])
        finally:
            app.stop()
        return 0
    anchor = Child("anchor", folder, env)
    routes = [r for r in args.only.split(",") if r in ROUTES]
    print(f"machine: {os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}")
    print(
        f"in process, WSGI handler, {args.requests} requests a route, median of {args.rounds}"
        " interleaved rounds (CPU = the Python process's own time)"
    )
    header = "route | app CPU ms/req | wall ms | statements | anchor CPU ms/req | wall ms"
    print(header + " | statements | CPU ratio (anchor/app)")
    try:
        for route in routes:
            warm = max(5, args.requests // 10)
            app.ask(f"run {route} {warm}")
            anchor.ask(f"run {ANCHOR_OF[route]} {warm}")
            ours, theirs = [], []
            for _ in range(args.rounds):
                ours.append(app.ask(f"run {route} {args.requests}"))
                theirs.append(anchor.ask(f"run {ANCHOR_OF[route]} {args.requests}"))
            bad = [r["status"] for r in ours + theirs if set(r["status"]) - {"200", "201"}]
            for r in ours + theirs:
                for text in r["errors"]:
                    print("   answer:", text, file=sys.stderr)
            a = {k: statistics.median(r[k] for r in ours) for k in ("cpu_ms", "wall_ms")}
            b = {k: statistics.median(r[k] for r in theirs) for k in ("cpu_ms", "wall_ms")}
            print(
                f"{route} | {a['cpu_ms']:.2f} | {a['wall_ms']:.2f} | {ours[-1]['statements']:.1f}"
                f" | {b['cpu_ms']:.2f} | {b['wall_ms']:.2f} | {theirs[-1]['statements']:.1f}"
                f" | {100 * b['cpu_ms'] / a['cpu_ms']:.1f}%"
                + (f"  (answers other than 200/201: {bad})" if bad else ""),
                flush=True,
            )
    finally:
        app.stop()
        anchor.stop()
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
