"""Production: PostgreSQL, Redis, HTTPS behind a proxy; every secret from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ.get("TONGXIN_SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("TONGXIN_SECRET_KEY must be set to at least 50 random characters")
ALLOWED_HOSTS = [h for h in os.environ.get("TONGXIN_ALLOWED_HOSTS", "").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("TONGXIN_CSRF_ORIGINS", "").split(",") if o]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies stand in front of the app: the client IP (audit log, per-IP rate
# limits and login lockout) is read from X-Forwarded-For accordingly. Set 0 without a proxy.
TONGXIN_PROXY_COUNT = int(os.environ.get("TONGXIN_PROXY_COUNT", "1"))
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# Static files from the app server (after ``collectstatic``), with compressed copies; a reverse
# proxy may serve STATIC_ROOT itself instead.
MIDDLEWARE = [
    *MIDDLEWARE[:1],  # noqa: F405
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[1:],  # noqa: F405
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Production always asks staff for the second factor, even on a demo database.
TONGXIN_ALLOW_DEMO_EXEMPTION = False

# One JSON object per log line (tongxin/core/logs.py), unless TONGXIN_LOG_FORMAT=text.
TONGXIN_LOG_FORMAT = os.environ.get("TONGXIN_LOG_FORMAT", "json")
LOGGING["handlers"]["console"]["formatter"] = TONGXIN_LOG_FORMAT  # noqa: F405
