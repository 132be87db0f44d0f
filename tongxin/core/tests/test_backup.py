"""Backups that restore (``tongxin.core.backup``): the encrypted file refuses tampering,
truncation and the wrong key; the backup key is never the PII key; and the restore drill backs
up the live demo server while residents keep filing requests, restores it into a fresh
database, checks every table's row count and checksum, and runs ``audit_verify`` and
``ledger_check`` on the copy."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tongxin.core import backup

ROOT = Path(__file__).resolve().parents[3]
SECRET = b"a-backup-secret-of-more-than-32-characters"


def _sealed(payload: bytes, manifest: dict | None = None) -> bytes:
    out = io.BytesIO()
    backup.encrypt_to(out, manifest or {"format": 1, "tables": {}}, io.BytesIO(payload), SECRET)
    return out.getvalue()


def _open(data: bytes, secret: bytes = SECRET) -> tuple[dict, bytes]:
    out = io.BytesIO()
    manifest = backup.decrypt_from(io.BytesIO(data), out, secret)
    return manifest, out.getvalue()


@pytest.mark.parametrize("size", [0, 1, backup.CHUNK, backup.CHUNK * 2 + 17])
def test_a_backup_file_round_trips(size):
    payload = os.urandom(size)
    manifest, back = _open(_sealed(payload, {"format": 1, "tables": {"t": {"rows": 3}}}))
    assert back == payload and manifest["tables"]["t"]["rows"] == 3


def test_nothing_readable_is_in_the_file():
    data = _sealed("文化路社区 张三 13800000000".encode() * 100)
    assert "文化路".encode() not in data and b"13800000000" not in data


def test_a_tampered_truncated_or_foreign_file_is_refused():
    data = _sealed(os.urandom(backup.CHUNK + 100))
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 1
    with pytest.raises(backup.BackupError, match="altered"):
        _open(bytes(flipped))
    # Cut at the end of a whole chunk: each chunk verifies, but the last one is missing.
    first_chunk_end = len(backup.MAGIC) + 24
    for _ in range(2):
        (size,) = __import__("struct").unpack(">I", data[first_chunk_end : first_chunk_end + 4])
        first_chunk_end += 4 + size
    with pytest.raises(backup.BackupError, match="truncated"):
        _open(data[:first_chunk_end])
    with pytest.raises(backup.BackupError, match="another backup key"):
        _open(data, b"another-secret-that-is-long-enough-to-use")
    with pytest.raises(backup.BackupError, match="not a Tongxin backup"):
        _open(b"PGDMP" + data)
    with pytest.raises(backup.BackupError, match="after its last chunk"):
        _open(data + b"x")


def test_the_backup_key_must_not_be_the_pii_key(settings):
    settings.TONGXIN_BACKUP_KEY = settings.TONGXIN_PII_KEY
    with pytest.raises(backup.BackupError, match="not be the PII key"):
        backup.backup_secret()
    settings.TONGXIN_BACKUP_KEY = "short"
    with pytest.raises(backup.BackupError, match="at least 32"):
        backup.backup_secret()
    settings.TONGXIN_BACKUP_KEY = ""
    settings.TONGXIN_BACKUP_KEY_FILE = "/nonexistent/backup.key"
    settings.TONGXIN_PII_KEY_AUTOCREATE = False
    with pytest.raises(backup.BackupError, match="no backup key"):
        backup.backup_secret()


def _count(url: str, sql: str) -> int:
    target = backup.Target.from_url(url)
    if target.engine == "sqlite":
        import sqlite3

        with sqlite3.connect(target.params["path"]) as conn:
            return int(conn.execute(sql).fetchone()[0])
    with target.pg_connect() as conn:
        return int(conn.execute(sql).fetchone()[0])


def _manage(env: dict, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 — our own manage.py with fixed arguments
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.e2e
def test_restore_drill_of_the_live_demo_under_writes(e2e_server, tmp_path):
    from tongxin.demo.open311 import DEMO_JURISDICTION
    from tongxin.workbench.tests.e2e import (
        SERVER,
        _drop_pg,
        _pg_admin,
        _with_database,
        file_open311,
    )

    env = {
        **SERVER["env"],
        "TONGXIN_BACKUP_DIR": str(tmp_path / "backups"),
        "TONGXIN_BACKUP_KEY": "drill-backup-key-" + "k" * 32,
    }
    services = requests.get(
        f"{e2e_server}/open311/v2/services.json",
        params={"jurisdiction_id": DEMO_JURISDICTION},
        timeout=30,
    )
    assert services.status_code == 200
    stop, filed, failures = threading.Event(), [], []

    def write() -> None:  # residents keep filing requests through Open311 meanwhile
        session = requests.Session()
        while not stop.is_set():
            response = file_open311(session, e2e_server, "备份演练期间提交的井盖问题")
            (filed if response.status_code == 201 else failures).append(response.status_code)

    writers = [threading.Thread(target=write) for _ in range(2)]
    for w in writers:
        w.start()
    try:
        deadline = time.monotonic() + 60
        while len(filed) < 3 and not failures and time.monotonic() < deadline:
            time.sleep(0.1)
        before = len(filed)
        made = _manage(env, "backup")
        during = len(filed) - before
        time.sleep(0.5)
    finally:
        stop.set()
        for w in writers:
            w.join()
    assert made.returncode == 0, made.stderr
    assert failures == [] and before >= 3, (failures, before)
    (file,) = (tmp_path / "backups").glob("*.txbk")
    assert "文化路".encode() not in file.read_bytes()
    live = (
        SERVER["env"].get("DATABASE_URL")
        or f"sqlite:///{SERVER['env']['TONGXIN_VAR_DIR']}/tongxin.sqlite3"
    )
    audited = (
        "SELECT count(*) FROM core_auditevent WHERE action = 'backup'"
        f" AND CAST(detail AS TEXT) LIKE '%{file.name}%'"
    )
    assert _count(live, audited) == 1  # the copy is on the record

    base_url = os.environ.get("DATABASE_URL")
    if base_url:
        name = f"tongxin_restore_{os.getpid()}"
        _drop_pg(base_url, name)
        with _pg_admin(base_url) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        restored = _with_database(base_url, name)
    else:
        restored = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    try:
        done = _manage(env, "restore", str(file), "--into", restored)
        assert done.returncode == 0, done.stderr
        assert "与备份清单一致" in done.stdout or "matches" in done.stdout
        on_copy = {**env, "DATABASE_URL": restored}
        for check in ("audit_verify", "ledger_check"):
            result = _manage(on_copy, check)
            assert result.returncode == 0, (check, result.stdout, result.stderr)
        # The copy holds every request filed before the backup began, and at most those filed
        # by the time it ended: a snapshot taken while the writes went on.
        sql = "SELECT count(*) FROM cases_case WHERE description = '备份演练期间提交的井盖问题'"
        in_copy = _count(restored, sql)
        assert before <= in_copy <= before + during + 2, (before, during, in_copy)
        # A second restore into the same (now full) database is refused, not merged.
        again = _manage(env, "restore", str(file), "--into", restored)
        assert again.returncode != 0 and ("exists" in again.stderr or "tables" in again.stderr)
    finally:
        if base_url:
            _drop_pg(base_url, name)
    print(f"drill: {before} requests before the backup, {during} filed while it ran")
