"""Settings of the Tongxin gunicorn in bench/hot_paths.py: production, on plain HTTP on
loopback (wrk sends ``X-Forwarded-Proto: https``), with the benchmark's personal-information
key and no per-request access log. Secrets and the database come from the environment that
hot_paths.py sets."""

import os
from pathlib import Path

from config.settings.production import *  # noqa: F403

_FOLDER = Path(
    os.environ.get("TONGXIN_BENCH_DIR", Path(__file__).resolve().parent.parent / "var" / "bench")
)
TONGXIN_PII_KEY_FILE = str(_FOLDER / "pii.key")
TONGXIN_PII_KEY = ""
