"""The real server of the end-to-end tests (``tongxin/workbench/tests/e2e.py``): the settings of
``make run`` (gunicorn, DEBUG off), with a sign-in limit high enough for every app's browser
tests signing in from one address within a minute. The limits themselves are tested in process
(``tongxin/core/tests/test_ratelimit.py``)."""

from .demo import *  # noqa: F403
from .demo import TONGXIN_RATE_LIMITS

TONGXIN_RATE_LIMITS = {**TONGXIN_RATE_LIMITS, "login": "600/m"}
