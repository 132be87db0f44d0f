"""Local development and the embedded demo (``make run``)."""

from .base import *  # noqa: F403

DEBUG = True
TONGXIN_PII_KEY_AUTOCREATE = True  # the demo creates var/pii.key on first use
TONGXIN_ALLOW_DEMO_EXEMPTION = True  # demo accounts skip the second factor (demo DB only)
