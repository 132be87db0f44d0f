"""The real server of the end-to-end tests (``tongxin/workbench/tests/e2e.py``): the settings of
``make run`` (gunicorn, DEBUG off), with a sign-in limit high enough for every app's browser
tests signing in from one address within a minute,
and Open311 filing under load. The limits themselves are tested in process
(``tongxin/core/tests/test_ratelimit.py``)."""

import hashlib

from .demo import *  # noqa: F403
from .demo import TONGXIN_RATE_LIMITS

# The backup drill and the fault test file requests through Open311 as fast as they can, on
# the demo partner's key, before the Open311 client tests use it.
TONGXIN_RATE_LIMITS = {**TONGXIN_RATE_LIMITS, "login": "600/m", "open311_post": "100000/h"}

# Each run's server has topics and a listener session of its own on the shared broker (the
# browser test's simulator reads the same settings from the same TONGXIN_VAR_DIR).
_RUN = hashlib.sha256(str(VAR_DIR).encode()).hexdigest()[:12]  # noqa: F405
TONGXIN_ALARM_TOPIC_ROOT = f"e2e-{_RUN}/alarm"
TONGXIN_ALARM_LISTENER_ID = f"e2e-listener-{_RUN}"
