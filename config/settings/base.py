"""Settings shared by every environment.

Environment variables:
- ``DATABASE_URL``: a database URL (``postgres://...``); the default is SQLite under ``var/``.
- ``TONGXIN_SECRET_KEY``: Django's secret key (required in production).
- ``TONGXIN_PII_KEY`` or ``TONGXIN_PII_KEY_FILE``: the key that encrypts ID and phone numbers.
- ``REDIS_URL``: use Redis for the cache (and so for rate limits) instead of local memory.
"""

import datetime
import importlib.util
import json
import os
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("TONGXIN_VAR_DIR", BASE_DIR / "var"))
# matplotlib (the data centre's charts) keeps its font cache here rather than in the home
# folder, which a service account may not have or may not be able to write.
os.environ.setdefault("MPLCONFIGDIR", str(VAR_DIR / "matplotlib"))

SECRET_KEY = os.environ.get("TONGXIN_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves its bundled Swagger UI instead of loading it from a CDN
    "treebeard",
    "django_tasks",
    "django_tasks_db",
    "tongxin.core",
    "tongxin.accounts",
    "tongxin.places",
    "tongxin.people",
    "tongxin.orgs",
    "tongxin.volunteering",
    "tongxin.notices",
    "tongxin.matching",
    "tongxin.meetings",
    "tongxin.alliance",
    "tongxin.property",
    "tongxin.insight",
    "tongxin.visits",
    "tongxin.alarms",
    "tongxin.deliberation",
    "tongxin.partylife",
    "tongxin.inbox",
    "tongxin.cases",
    "tongxin.open311",
    "tongxin.emap",
    "tongxin.ui",
    "tongxin.datacentre",
    "tongxin.workbench",
    "tongxin.demo",
]

MIDDLEWARE = [
    "tongxin.core.metrics.MetricsMiddleware",  # first: it times all the rest
    "django.middleware.security.SecurityMiddleware",
    "tongxin.core.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tongxin.core.input_guard.UnstorableInputMiddleware",  # before any view reads input
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tongxin.core.middleware.RequestIdMiddleware",
    "tongxin.core.replica.ReplicaMiddleware",
    "tongxin.core.ratelimit.RateLimitMiddleware",  # after RequestId: audit rows need the request
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tongxin.workbench.context_processors.workbench",
                "tongxin.inbox.context_processors.unread",
                "tongxin.accounts.context_processors.demo",  # the demo banner
            ],
        },
    },
]


def database_from_env(default_sqlite: Path) -> dict[str, Any]:
    """One database from ``DATABASE_URL``, or SQLite tuned for a web server plus a worker."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(default_sqlite),
        "OPTIONS": {
            # WAL lets the web server read while the worker writes; IMMEDIATE takes the write
            # lock at BEGIN so two writers queue on the busy timeout instead of failing.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


DATABASES = {"default": database_from_env(VAR_DIR / "tongxin.sqlite3")}
# A PostgreSQL streaming replica for the heavy reads (tongxin/core/replica.py): lists, worklists,
# measures and map layers read from it; a client that has just written reads from the primary.
TONGXIN_REPLICA_URL = os.environ.get("TONGXIN_REPLICA_URL", "")
if TONGXIN_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(TONGXIN_REPLICA_URL, conn_max_age=60, conn_health_checks=True),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["tongxin.core.replica.ReplicaRouter"]
TONGXIN_REPLICA_PIN_SECONDS = 10
# By URL pattern (the API shares one pattern between a list and its create; only GET and HEAD
# are ever sent to the replica).
TONGXIN_REPLICA_ROUTES = frozenset(
    {
        "",  # the workbench's home: the dashboard
        "cases/",
        "people/",
        "api/v1/cases",
        "api/v1/cases/measures",
        "api/v1/persons",
        "api/v1/households",
        "api/v1/places",
        "api/v1/organisations",
        "api/v1/posts",
        "api/v1/volunteers",
        "api/v1/activities",
        "api/v1/geo/<layer>",
    }
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Django's model backend behind the login lockout (tongxin/accounts/lockout.py).
AUTHENTICATION_BACKENDS = ["tongxin.accounts.backends.LockoutModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# The password policy (tongxin/accounts/validators.py): the 等保 profile for staff accounts —
# ≥10 characters, three of four character classes, not common, not containing the username.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "tongxin.accounts.validators.PasswordPolicyValidator",
        "OPTIONS": {"staff_profile": "dengbao", "default_profile": "basic"},
    },
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workbench:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Leaflet's files come from the django-leaflet package. Its Django app needs GDAL for the admin
# widget, which we do not use, so we take only its static folder.
_leaflet = importlib.util.find_spec("leaflet")
_leaflet_dirs = list((_leaflet and _leaflet.submodule_search_locations) or [])
STATICFILES_DIRS = [Path(_leaflet_dirs[0]) / "static"] if _leaflet_dirs else []
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 3600
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_FAILURE_VIEW = "tongxin.core.views.csrf_failure"

# Web hardening (tongxin/core/security.py; docs/security.md). The Content-Security-Policy is
# security.DEFAULT_CSP unless TONGXIN_CSP is set here (e.g. to add an intranet tile server to
# img-src for the map).
# Path prefix → directives merged over TONGXIN_CSP for those pages only (none needed today).
TONGXIN_CSP_PATH_OVERRIDES: dict[str, dict[str, str]] = {}

# Reverse proxies in front of the app; the client IP comes from X-Forwarded-For when > 0.
TONGXIN_PROXY_COUNT = 0

# Rate limits (tongxin/core/ratelimit.py): N per s/m/h/d, or per k units ("5/15m").
TONGXIN_RATE_LIMITS = {
    "login": "10/m",  # POST /login/ and POST /api/v1/auth/token, per client IP
    "reveal": "20/h",  # showing a full ID or phone number, per user
    "export": "10/h",  # resident exports, per user
    "public_report": "5/h",  # residents' public report form, per client IP
    "open311_post": "120/h",  # Open311 POST requests, per partner key
    "open311_read": "600/m",  # Open311 GET calls, per client IP
}

# Uploads (tongxin/core/uploads.py): stored outside the web root, served after a permission check.
TONGXIN_UPLOAD_ROOT = Path(os.environ.get("TONGXIN_UPLOAD_ROOT", VAR_DIR / "uploads"))
TONGXIN_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
TONGXIN_UPLOAD_MAX_PIXELS = 40_000_000
TONGXIN_UPLOAD_MAX_FILES = 9  # per upload
TONGXIN_UPLOAD_MAX_PER_OWNER = 30  # per case, visit record, ...
TONGXIN_UPLOAD_MAX_UNATTACHED_PER_DAY = 50  # per uploader, files not yet attached to anything

REDIS_URL = os.environ.get("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Personal information vault: see tongxin/core/vault.py.
TONGXIN_PII_KEY = os.environ.get("TONGXIN_PII_KEY", "")
# Old secrets, comma-separated, kept only while rotate_pii_key runs.
TONGXIN_PII_OLD_KEYS = os.environ.get("TONGXIN_PII_OLD_KEYS", "")
TONGXIN_PII_KEY_FILE = os.environ.get("TONGXIN_PII_KEY_FILE", str(VAR_DIR / "pii.key"))
TONGXIN_PII_KEY_AUTOCREATE = False  # the demo and development settings also create the backup key
# Backups (tongxin/core/backup.py, docs/operations.md): their own key, never the PII key.
TONGXIN_BACKUP_KEY = os.environ.get("TONGXIN_BACKUP_KEY", "")
TONGXIN_BACKUP_KEY_FILE = os.environ.get("TONGXIN_BACKUP_KEY_FILE", str(VAR_DIR / "backup.key"))
TONGXIN_BACKUP_DIR = Path(os.environ.get("TONGXIN_BACKUP_DIR", VAR_DIR / "backups"))
TONGXIN_BACKUP_KEEP = int(os.environ.get("TONGXIN_BACKUP_KEEP") or 14)  # nightly backups kept

TONGXIN_DEMO_PASSWORD = os.environ.get("TONGXIN_DEMO_PASSWORD", "Tongxin-2026")
TONGXIN_PAGE_SIZE = 20

# Cases (tongxin.cases). Office hours for working-time deadlines (local time).
TONGXIN_WORKING_HOURS = (("08:30", "12:00"), ("14:00", "18:00"))
# Warnings before a deadline, as the share of the allowed time that has gone by.
TONGXIN_CASE_WARNINGS = {"yellow": 0.75, "red": 0.9}
# A new case near an open case of the same category is a possible duplicate.
TONGXIN_CASE_DUPLICATE_RADIUS_M = 150
TONGXIN_CASE_DUPLICATE_DAYS = 7
# Two texts nearby that say the same in other words (cases/suggest/similar.py): a possible
# duplicate of another category when at least this alike (0–1).
TONGXIN_CASE_DUPLICATE_TEXT_SIMILARITY = 0.5
# Category suggestion (cases/suggest): the top suggestion is preselected from this confidence;
# a community's model is retrained from its closed cases once it has this many.
TONGXIN_SUGGEST_CONFIDENT = 0.6
TONGXIN_SUGGEST_MIN_CASES = 20
# How departments called in (吹哨) must report in (报到), in minutes.
TONGXIN_CASE_REPORT_IN_MINUTES = {"emergency": 30, "urgent": 120, "normal": 24 * 60}
# Notification channels beside the in-app inbox (dotted paths of Channel classes).
TONGXIN_NOTIFY_CHANNELS = ["tongxin.inbox.channels.LogChannel"]

# The eldercare alarm's MQTT broker and topics (tongxin/alarms, docs/alarms.md). The listener's
# client id names its persistent session at the broker: one listener per deployment.
TONGXIN_MQTT_HOST = os.environ.get("TONGXIN_MQTT_HOST", "127.0.0.1")
TONGXIN_MQTT_PORT = int(os.environ.get("TONGXIN_MQTT_PORT") or 1883)
TONGXIN_MQTT_USER = os.environ.get("TONGXIN_MQTT_USER", "")
TONGXIN_MQTT_PASSWORD = os.environ.get("TONGXIN_MQTT_PASSWORD", "")
TONGXIN_MQTT_CA = os.environ.get("TONGXIN_MQTT_CA", "")
TONGXIN_ALARM_TOPIC_ROOT = os.environ.get("TONGXIN_ALARM_TOPIC_ROOT", "tongxin/alarm")
TONGXIN_ALARM_LISTENER_ID = os.environ.get("TONGXIN_ALARM_LISTENER_ID", "tongxin-alarm-listener")
# Seconds of silence before a device is offline; the listener's MQTT 5 Receive Maximum; the
# seconds heartbeats are gathered before one write; days the device log keeps what is not an
# alarm's (tongxin/alarms/config.py, docs/alarms.md).
TONGXIN_ALARM_HEARTBEAT_TIMEOUT = int(os.environ.get("TONGXIN_ALARM_HEARTBEAT_TIMEOUT") or 1900)
TONGXIN_ALARM_RECEIVE_MAXIMUM = int(os.environ.get("TONGXIN_ALARM_RECEIVE_MAXIMUM") or 20000)
TONGXIN_ALARM_BEAT_FLUSH = float(os.environ.get("TONGXIN_ALARM_BEAT_FLUSH") or 2.0)
TONGXIN_ALARM_EVENT_LOG_DAYS = int(os.environ.get("TONGXIN_ALARM_EVENT_LOG_DAYS") or 90)
TONGXIN_IMPORT_MAX_ROWS = 20000
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LEAFLET_CONFIG = {"DEFAULT_CENTER": (30.925, 113.915), "DEFAULT_ZOOM": 16, "TILES": []}

# The e-map (tongxin/emap, docs/emap.md). By default it draws our own geometry on a plain
# background. A deployment with a base map (天地图 or an intranet tile server, WGS-84/CGCS2000
# tiles) sets a Leaflet URL template, e.g. "https://t{s}.example.gov.cn/{z}/{x}/{y}.png"; the
# map page's Content-Security-Policy then allows images from that host.
TONGXIN_MAP_TILE_URL = os.environ.get("TONGXIN_MAP_TILE_URL", "")
TONGXIN_MAP_TILE_ATTRIBUTION = os.environ.get("TONGXIN_MAP_TILE_ATTRIBUTION", "")
if TONGXIN_MAP_TILE_URL:
    from urllib.parse import urlsplit as _urlsplit

    _tiles = _urlsplit(TONGXIN_MAP_TILE_URL)
    _host = _tiles.netloc  # a {s} subdomain placeholder becomes a *. wildcard
    if "{s}" in _host:
        _host = "*." + _host.split(".", 1)[1]
    TONGXIN_CSP_PATH_OVERRIDES["/map/"] = {"img-src": f"'self' data: {_tiles.scheme}://{_host}"}

# --------------------------------------------------- periodic jobs (tongxin/core/schedule.py)
# Operators retime or switch off a job by name: {"points_expire": {"hour": 1}, "audit_chain": null}
# (APScheduler cron fields, in TIME_ZONE), here or as JSON in the environment.
TONGXIN_SCHEDULE: dict[str, Any] = json.loads(os.environ.get("TONGXIN_SCHEDULE") or "{}")
TONGXIN_SCHEDULER_LEASE = float(
    os.environ.get("TONGXIN_SCHEDULER_LEASE") or 60
)  # seconds; the holder renews every quarter of it
TONGXIN_JOB_RUN_DAYS = 90  # run records kept
# /readyz: the scheduler's heartbeat must be fresh (off in the test suite, where none runs).
TONGXIN_READY_SCHEDULER = True
# /metrics (tongxin/core/metrics.py): the client addresses it answers, and a bearer token
# that opens it from anywhere else (for a Prometheus server on another machine).
TONGXIN_METRICS_ALLOW = ("127.0.0.1", "::1")
TONGXIN_METRICS_TOKEN = os.environ.get("TONGXIN_METRICS_TOKEN", "")

# Logs (tongxin/core/logs.py): every record carries the request id, into background tasks
# too. TONGXIN_LOG_FORMAT=json writes one JSON object per line (production and the demo).
TONGXIN_LOG_FORMAT = os.environ.get("TONGXIN_LOG_FORMAT", "text")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "tongxin.core.logs.ContextFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "tongxin.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": "json" if TONGXIN_LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"tongxin": {"level": os.environ.get("TONGXIN_LOG_LEVEL", "INFO")}},
}


# ---------------------------------------------------------------- accounts: login and sessions
# (tongxin/accounts; docs/security.md "Accounts, login and sessions")
TONGXIN_LOCKOUT_FAILURES = 5  # failed logins within the window that lock an account or an IP
TONGXIN_LOCKOUT_WINDOW = datetime.timedelta(minutes=15)
TONGXIN_LOCKOUT_DURATION = datetime.timedelta(minutes=30)
TONGXIN_SESSION_IDLE = datetime.timedelta(minutes=30)
TONGXIN_SESSION_ABSOLUTE = datetime.timedelta(hours=12)
SESSION_COOKIE_AGE = int(TONGXIN_SESSION_ABSOLUTE.total_seconds())
TONGXIN_TOTP_ISSUER = "同心"
# Whether the accounts of a demo database (made by demo_seed) skip the second factor. On in
# development and tests; production settings turn it off, whatever the database says.
TONGXIN_ALLOW_DEMO_EXEMPTION = False
# Password profiles by name (defaults in tongxin/accounts/validators.py), e.g.
# {"dengbao": {"min_length": 12, "min_classes": 3}}.
TONGXIN_PASSWORD_PROFILES: dict[str, dict[str, Any]] = {}
MIDDLEWARE = [
    *MIDDLEWARE,
    "tongxin.accounts.middleware.SessionLifetimeMiddleware",
    "tongxin.accounts.middleware.SecondFactorMiddleware",
]
