"""A real server for the browser tests: a fresh database with the demo community, served by
``manage.py serve`` (gunicorn and the task worker, as ``make run``) in a subprocess, and
Debian's Chromium driven by Playwright.

SQLite: the database lives in a temporary ``TONGXIN_VAR_DIR``. PostgreSQL (``DATABASE_URL``
set): a database ``tongxin_e2e_<pid>`` is created on the same server for this run and dropped
at the end, so parallel runs do not collide.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = ROOT / "var" / "screenshots"
BOOT_TIMEOUT = 60
# The running server's environment (its database, var directory, settings), for tests that run
# manage.py commands against the same live database (the restore drill).
SERVER: dict[str, Any] = {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_admin(url: str) -> Any:
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname=parts.path.lstrip("/") or "postgres",
        autocommit=True,
    )


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _drop_pg(url: str, name: str) -> None:
    with _pg_admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + BOOT_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/login/", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the server did not answer within {BOOT_TIMEOUT}s:\n{log.read_text()}")


def api_token(base: str, username: str) -> str:
    """A bearer token for a demo account, from the server at ``base``."""
    import requests
    from django.conf import settings

    response = requests.post(
        f"{base}/api/v1/auth/token",
        json={"username": username, "password": settings.TONGXIN_DEMO_PASSWORD},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def file_open311(session: Any, base: str, description: str) -> Any:
    """One resident's report through Open311 on the demo partner's key, by address; the
    response, whatever it is (the drills count them)."""
    from tongxin.demo.open311 import DEMO_JURISDICTION, DEMO_KEY

    return session.post(
        f"{base}/open311/v2/requests.json",
        data={
            "api_key": DEMO_KEY,
            "jurisdiction_id": DEMO_JURISDICTION,
            "service_code": "municipal.manhole",
            "attribute[manhole_state]": "broken",
            "address_string": "文化路1号",
            "description": description,
        },
        timeout=30,
    )


@pytest.fixture(scope="session")
def e2e_server() -> Iterator[str]:
    """Base URL of a real server holding the demo community (seed 7)."""
    tmp = Path(tempfile.mkdtemp(prefix="tongxin-e2e-"))
    env = {
        **os.environ,
        "TONGXIN_VAR_DIR": str(tmp),
        "DJANGO_SETTINGS_MODULE": "config.settings.e2e",
    }
    env.pop("TONGXIN_PII_KEY", None)  # the dev settings create a key file in the temp dir
    base_url = os.environ.get("DATABASE_URL")
    pg_name = f"tongxin_e2e_{os.getpid()}"
    if base_url:
        _drop_pg(base_url, pg_name)
        with _pg_admin(base_url) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        env["DATABASE_URL"] = _with_database(base_url, pg_name)
    else:
        env.pop("DATABASE_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    log = tmp / "server.log"
    proc = None
    try:
        for cmd in (["migrate", "--noinput", "-v0"], ["demo_seed", "--seed", "7"]):
            done = subprocess.run(  # noqa: S603 — our own manage.py with fixed arguments
                [*manage, *cmd], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
            )
            if done.returncode != 0:
                raise RuntimeError(f"manage.py {cmd[0]} failed:\n{done.stderr[-3000:]}")
        port = _free_port()
        with log.open("wb") as out:
            proc = subprocess.Popen(  # noqa: S603 — our own manage.py with fixed arguments
                [*manage, "serve", "--addr", f"127.0.0.1:{port}", "--workers", "2"],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, proc, log)
        SERVER.update(env=env, url=url)
        yield url
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if base_url:
            _drop_pg(base_url, pg_name)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module; closed afterwards so that Playwright's event loop is
    gone before database tests run in this process again."""
    if not Path(CHROMIUM).exists():
        message = (
            f"!! {CHROMIUM} is missing: BROWSER TESTS SKIPPED. "
            "Install Debian's chromium and fonts-wqy-microhei (see scripts/browser-deps.sh)."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
