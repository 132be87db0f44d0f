"""The embedded demo as ``make run`` serves it: the production server (gunicorn, static files
through whitenoise) with ``DEBUG`` off, on this machine, on SQLite by default. What it keeps
from development is only what a demo on one machine needs: a PII key created on first use,
the demo accounts without a second factor, plain HTTP on localhost. Real deployments use
``production.py``, which stays strict."""

import os

from .base import *  # noqa: F403

DEBUG = False
# A random secret key kept in var/ beside the PII key, unless one is given.
if not os.environ.get("TONGXIN_SECRET_KEY"):
    _key_file = VAR_DIR / "secret.key"  # noqa: F405
    if not _key_file.exists():
        from tongxin.core import tokens

        _key_file.parent.mkdir(parents=True, exist_ok=True)
        _key_file.write_text(tokens.mint(60))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()
ALLOWED_HOSTS = [
    "127.0.0.1",
    "localhost",
    "[::1]",
    *[h for h in os.environ.get("TONGXIN_ALLOWED_HOSTS", "").split(",") if h],
]
TONGXIN_PII_KEY_AUTOCREATE = True  # the demo creates var/pii.key on first use
TONGXIN_ALLOW_DEMO_EXEMPTION = True  # demo accounts skip the second factor (demo DB only)
# Static files from the app server, straight from the apps and packages (no collectstatic
# step for the demo).
MIDDLEWARE = [
    *MIDDLEWARE[:1],  # noqa: F405
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[1:],  # noqa: F405
]
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# One JSON object per log line (tongxin/core/logs.py), unless TONGXIN_LOG_FORMAT=text.
TONGXIN_LOG_FORMAT = os.environ.get("TONGXIN_LOG_FORMAT", "json")
LOGGING["handlers"]["console"]["formatter"] = TONGXIN_LOG_FORMAT  # noqa: F405
