"""Local development and the embedded demo (``make run``)."""

from .base import *  # noqa: F403

DEBUG = True
TONGXIN_PII_KEY_AUTOCREATE = True  # the demo creates var/pii.key on first use
