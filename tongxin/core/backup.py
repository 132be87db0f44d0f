"""Backups that restore: ``manage.py backup`` and ``manage.py restore``.

A backup is one file, encrypted at rest, holding a consistent copy of the database and a
manifest of it (each table's row count and checksum, taken from the same snapshot):

- **SQLite**: the online backup API copies the live database (WAL mode: writers carry on);
  the manifest is read from the copy.
- **PostgreSQL**: a ``REPEATABLE READ`` transaction exports its snapshot; ``pg_dump`` (custom
  format) dumps exactly that snapshot, and the manifest is read inside the same transaction.

Encryption: AES-256-GCM in 1 MiB chunks under a key derived (HKDF-SHA256, a random salt per
file) from the backup secret, ``TONGXIN_BACKUP_KEY`` or the file ``TONGXIN_BACKUP_KEY_FILE``.
Each chunk's nonce and associated data carry its index and whether it is the last, so a
reordered, altered or truncated file is refused. The backup secret must differ from the PII
key, and neither is ever written into a backup: the personal fields inside stay sealed under
the PII key, which the operator keeps separately (losing it loses them, restore or not).

``restore`` decrypts (checking every chunk), loads the copy into an empty database (SQLite: a
file that does not exist yet; PostgreSQL: an existing database without tables) and compares
its row counts and checksums with the manifest; any difference is an error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from . import audit, clock, tokens

MAGIC = b"TXBK1\n"
CHUNK = 1 << 20
SUFFIX = ".txbk"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


# ------------------------------------------------------------------------------ the secret


def backup_secret() -> bytes:
    secret = getattr(settings, "TONGXIN_BACKUP_KEY", "")
    if not secret:
        path = Path(getattr(settings, "TONGXIN_BACKUP_KEY_FILE", ""))
        if (
            path.name
            and not path.exists()
            and getattr(settings, "TONGXIN_PII_KEY_AUTOCREATE", False)
        ):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(tokens.mint(60))
            path.chmod(0o600)
        if not path.name or not path.exists():
            raise BackupError(
                "no backup key: set TONGXIN_BACKUP_KEY or create TONGXIN_BACKUP_KEY_FILE "
                "(32+ random characters, kept apart from the backups and from the PII key)"
            )
        secret = path.read_text().strip()
    if len(secret) < 32:
        raise BackupError("the backup key must be at least 32 characters")
    from .vault import _read_secrets

    try:
        pii = _read_secrets()
    except Exception:
        pii = []
    if secret in pii:
        raise BackupError("the backup key must not be the PII key")
    return secret.encode()


def _key(secret: bytes, salt: bytes) -> AESGCM:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"tongxin backup v1").derive(
        secret
    )
    return AESGCM(raw)


# ---------------------------------------------------------------------- the encrypted file


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def _aad(salt: bytes, index: int, last: bool) -> bytes:
    return MAGIC + salt + struct.pack(">Q?", index, last)


def encrypt_to(out: IO[bytes], manifest: dict[str, Any], payload: IO[bytes], secret: bytes) -> None:
    """Write the manifest (chunk 0) and the payload (chunks 1…) to ``out``."""
    salt, prefix = os.urandom(16), os.urandom(8)
    aead = _key(secret, salt)
    out.write(MAGIC + salt + prefix)
    chunks = [json.dumps(manifest, ensure_ascii=False).encode()]
    index = 0

    def emit(data: bytes, last: bool) -> None:
        sealed = aead.encrypt(_nonce(prefix, index), data, _aad(salt, index, last))
        out.write(struct.pack(">I", len(sealed)) + sealed)

    emit(chunks[0], False)
    pending = payload.read(CHUNK)
    while True:
        index += 1
        following = payload.read(CHUNK)
        emit(pending, not following)
        if not following:
            break
        pending = following


def decrypt_from(src: IO[bytes], out: IO[bytes], secret: bytes) -> dict[str, Any]:
    """Check and decrypt every chunk; the payload goes to ``out``; returns the manifest."""
    from cryptography.exceptions import InvalidTag

    head = src.read(len(MAGIC) + 24)
    if len(head) < len(MAGIC) + 24 or not head.startswith(MAGIC):
        raise BackupError("not a Tongxin backup file")
    salt, prefix = head[len(MAGIC) : len(MAGIC) + 16], head[len(MAGIC) + 16 :]
    aead = _key(secret, salt)
    manifest: dict[str, Any] | None = None
    index = 0
    while True:
        size = src.read(4)
        if len(size) < 4:
            raise BackupError("the backup file is truncated")
        sealed = src.read(struct.unpack(">I", size)[0])
        plain = None
        for last in (False, True):
            try:
                plain = aead.decrypt(_nonce(prefix, index), sealed, _aad(salt, index, last))
            except InvalidTag:
                continue
            break
        if plain is None:
            raise BackupError("the backup file was altered, or it was made with another backup key")
        if index == 0:
            manifest = json.loads(plain)
        else:
            out.write(plain)
            if last:
                break
        index += 1
    if src.read(1):
        raise BackupError("the backup file has data after its last chunk")
    assert manifest is not None
    return manifest


# ------------------------------------------------------------------------------- checksums


def _tables(cursor: Any, engine: str) -> list[str]:
    if engine == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    else:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
    return [row[0] for row in cursor.fetchall()]


def _normal(value: Any) -> Any:
    if isinstance(value, memoryview | bytearray):
        return bytes(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def table_digests(conn: Any, engine: str) -> dict[str, dict[str, Any]]:
    """Each table's row count and an order-free checksum of its rows (the sum of the rows'
    SHA-256, modulo 2^256), read through the DB-API connection ``conn``."""
    digests: dict[str, dict[str, Any]] = {}
    for i, table in enumerate(_tables(conn.cursor(), engine)):
        # PostgreSQL: a server-side cursor, so a large table is read in batches.
        cursor = conn.cursor() if engine == "sqlite" else conn.cursor(name=f"tongxin_digest_{i}")
        cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 — names from the catalogue
        total, rows = 0, 0
        while batch := cursor.fetchmany(2000):
            for row in batch:
                digest = hashlib.sha256(repr(tuple(_normal(v) for v in row)).encode()).digest()
                total = (total + int.from_bytes(digest, "big")) % (1 << 256)
                rows += 1
        cursor.close()
        digests[table] = {"rows": rows, "checksum": f"{total:064x}"}
    return digests


# ---------------------------------------------------------------------------- the databases


@dataclass(frozen=True)
class Target:
    engine: str  # "sqlite" or "postgresql"
    params: dict[str, Any]

    @classmethod
    def of(cls, db: dict[str, Any]) -> Target:
        engine = db["ENGINE"].rsplit(".", 1)[-1]
        if engine == "sqlite3":
            return cls("sqlite", {"path": str(db["NAME"])})
        if engine == "postgresql":
            return cls(
                "postgresql",
                {
                    "host": db.get("HOST") or "127.0.0.1",
                    "port": str(db.get("PORT") or 5432),
                    "user": db.get("USER") or "postgres",
                    "password": db.get("PASSWORD") or "",
                    "dbname": db["NAME"],
                },
            )
        raise BackupError(f"backups support SQLite and PostgreSQL, not {engine}")

    @classmethod
    def from_url(cls, url: str) -> Target:
        import dj_database_url

        return cls.of(dict(dj_database_url.parse(url)))

    def pg_env(self) -> dict[str, str]:
        p = self.params
        env = {**os.environ, "PGHOST": p["host"], "PGPORT": p["port"], "PGUSER": p["user"]}
        if p["password"]:
            env["PGPASSWORD"] = p["password"]
        return env

    def pg_connect(self, **kwargs: Any) -> Any:
        import psycopg

        p = self.params
        return psycopg.connect(
            host=p["host"],
            port=p["port"],
            user=p["user"],
            password=p["password"] or None,
            dbname=p["dbname"],
            **kwargs,
        )

    def describe(self) -> str:
        if self.engine == "sqlite":
            return self.params["path"]
        return f"postgresql {self.params['host']}:{self.params['port']}/{self.params['dbname']}"


def _manifest(engine: str, tables: dict[str, Any]) -> dict[str, Any]:
    from django.db.migrations.recorder import MigrationRecorder

    latest = MigrationRecorder.Migration.objects.order_by("-applied").values_list("app", "name")[:1]
    return {
        "format": FORMAT,
        "engine": engine,
        "created_at": clock.now().isoformat(),
        "latest_migration": "/".join(latest[0]) if latest else "",
        "tables": tables,
    }


def _snapshot_sqlite(target: Target, into: Path) -> dict[str, Any]:
    source = sqlite3.connect(target.params["path"], timeout=30)
    copy = sqlite3.connect(into)
    try:
        with copy:
            source.backup(copy)  # one step: a consistent copy while writers go on (WAL)
        copy.execute("PRAGMA journal_mode=DELETE")
        return _manifest("sqlite", table_digests(copy, "sqlite"))
    finally:
        copy.close()
        source.close()


def _snapshot_postgresql(target: Target, into: Path) -> dict[str, Any]:
    with target.pg_connect(autocommit=True) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        dump = subprocess.Popen(  # noqa: S603 — pg_dump with our own arguments
            [
                shutil.which("pg_dump") or "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={into}",
                target.params["dbname"],
            ],
            env=target.pg_env(),
            stderr=subprocess.PIPE,
        )
        tables = table_digests(conn, "postgresql")  # the same snapshot as the dump
        _out, err = dump.communicate(timeout=6 * 3600)
        conn.execute("ROLLBACK")
    if dump.returncode != 0:
        raise BackupError(f"pg_dump failed: {err.decode(errors='replace')[-500:]}")
    return _manifest("postgresql", tables)


def backup_dir() -> Path:
    return Path(getattr(settings, "TONGXIN_BACKUP_DIR", settings.VAR_DIR / "backups"))


def make_backup(*, directory: Path | None = None, keep: int | None = None) -> tuple[Path, dict]:
    """Back up the configured database into ``directory``; keep the newest ``keep`` backups
    there (all by default). Returns the file and its manifest."""
    from django.db import connections

    secret = backup_secret()
    target = Target.of(connections["default"].settings_dict)
    directory = directory or backup_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    final = directory / f"tongxin-{target.engine}-{stamp}{SUFFIX}"
    with tempfile.TemporaryDirectory(prefix="tongxin-backup-") as tmp:
        plain = Path(tmp) / "copy"
        snapshot = _snapshot_sqlite if target.engine == "sqlite" else _snapshot_postgresql
        manifest = snapshot(target, plain)
        partial = final.with_suffix(".partial")
        with plain.open("rb") as payload, partial.open("wb") as out:
            encrypt_to(out, manifest, payload, secret)
            out.flush()
            os.fsync(out.fileno())
        partial.chmod(0o600)
        partial.replace(final)
    removed = []
    if keep:
        for old in sorted(directory.glob(f"tongxin-*{SUFFIX}"))[:-keep]:
            old.unlink()
            removed.append(old.name)
    # A copy of everyone's data has been made (or thinned): the audit log says so.
    audit.record(
        actor=None,
        action="backup",
        detail={"file": final.name, "tables": len(manifest["tables"]), "removed": removed},
    )
    return final, manifest


def nightly() -> str:
    """The scheduled backup: into ``TONGXIN_BACKUP_DIR``, keeping ``TONGXIN_BACKUP_KEEP``."""
    path, manifest = make_backup(keep=int(getattr(settings, "TONGXIN_BACKUP_KEEP", 14)))
    rows = sum(t["rows"] for t in manifest["tables"].values())
    return f"{path.name}: {len(manifest['tables'])} tables, {rows} rows"


@contextmanager
def _decrypted(file: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    secret = backup_secret()
    with tempfile.TemporaryDirectory(prefix="tongxin-restore-") as tmp:
        plain = Path(tmp) / "copy"
        with file.open("rb") as src, plain.open("wb") as out:
            manifest = decrypt_from(src, out, secret)
        yield plain, manifest


def read_manifest(file: Path) -> dict[str, Any]:
    with _decrypted(file) as (_plain, manifest):
        return manifest


def differences(expected: dict[str, Any], found: dict[str, Any]) -> list[str]:
    problems = []
    for table in sorted(set(expected) | set(found)):
        want, got = expected.get(table), found.get(table)
        if want is None or got is None:
            problems.append(f"{table}: {'missing' if got is None else 'not in the backup'}")
        elif want != got:
            problems.append(f"{table}: {want['rows']} rows expected, {got['rows']} found")
    return problems


def restore(file: Path, target: Target) -> dict[str, Any]:
    """Load the backup ``file`` into the empty database ``target`` and verify it against the
    manifest. Returns the manifest."""
    with _decrypted(file) as (plain, manifest):
        if manifest.get("format") != FORMAT or manifest.get("engine") != target.engine:
            raise BackupError(
                f"this is a {manifest.get('engine')} backup; the target is {target.engine}"
            )
        if target.engine == "sqlite":
            dest = Path(target.params["path"])
            if dest.exists() and dest.stat().st_size > 0:
                raise BackupError(f"{dest} exists: restore into a new file")
            dest.parent.mkdir(parents=True, exist_ok=True)
            partial = dest.with_name(dest.name + ".partial")
            shutil.copyfile(plain, partial)
            partial.replace(dest)
            conn = sqlite3.connect(dest)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                found = table_digests(conn, "sqlite")
            finally:
                conn.close()
        else:
            with target.pg_connect() as conn:
                if _tables(conn.cursor(), "postgresql"):
                    raise BackupError(f"{target.describe()} has tables: restore into an empty one")
            done = subprocess.run(  # noqa: S603 — pg_restore with our own arguments
                [
                    shutil.which("pg_restore") or "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    f"--dbname={target.params['dbname']}",
                    str(plain),
                ],
                env=target.pg_env(),
                capture_output=True,
                timeout=6 * 3600,
            )
            if done.returncode != 0:
                raise BackupError(
                    f"pg_restore failed: {done.stderr.decode(errors='replace')[-500:]}"
                )
            with target.pg_connect() as conn:
                found = table_digests(conn, "postgresql")
    problems = differences(manifest["tables"], found)
    if problems:
        raise BackupError("the restored database differs from the backup: " + "; ".join(problems))
    # Recorded in the configured database (the restored one when it was the target).
    audit.record(
        actor=None,
        action="restore",
        detail={"file": file.name, "into": target.describe(), "made": manifest["created_at"]},
    )
    return manifest


def age_of(manifest: dict[str, Any]) -> dt.timedelta:
    return clock.now() - dt.datetime.fromisoformat(manifest["created_at"])
