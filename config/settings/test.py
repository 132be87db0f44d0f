"""The test suite: same database engines as production, fast hashing, a fixed PII key."""

import os

from .base import *  # noqa: F403
from .base import database_from_env

DATABASES = {"default": database_from_env(VAR_DIR / "test.sqlite3")}  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TONGXIN_PII_KEY = "test-key-" + "0" * 55
TONGXIN_DEMO_PASSWORD = "Tongxin-2026"
ALLOWED_HOSTS = ["*"]

# Lets several test runs share one PostgreSQL server (each with its own test database).
if os.environ.get("TONGXIN_TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TONGXIN_TEST_DB_NAME"]}

# Every response of the suite is scanned for ID and mobile numbers (see tongxin/core/testing.py).
MIDDLEWARE = ["tongxin.core.testing.PiiLeakScanner", *MIDDLEWARE]  # noqa: F405

# The demo database of the suite lets its accounts skip the second factor (tests of the
# factor clear the demo flag or turn this off).
TONGXIN_ALLOW_DEMO_EXEMPTION = True

# No scheduler runs beside the suite: /readyz does not require its heartbeat here (the
# end-to-end server, which runs one, does).
TONGXIN_READY_SCHEDULER = False
