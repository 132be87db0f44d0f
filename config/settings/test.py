"""The test suite: same database engines as production, fast hashing, a fixed PII key."""

from .base import *  # noqa: F403
from .base import database_from_env

DATABASES = {"default": database_from_env(VAR_DIR / "test.sqlite3")}  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TONGXIN_PII_KEY = "test-key-" + "0" * 55
TONGXIN_DEMO_PASSWORD = "Tongxin-2026"
ALLOWED_HOSTS = ["*"]
