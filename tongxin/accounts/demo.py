"""The demo flag: this database was made by ``manage.py demo_seed`` and holds generated data.

When the flag is set every page shows a banner, and — only where the settings allow it
(``TONGXIN_ALLOW_DEMO_EXEMPTION``, on in development and tests, always off in production) —
the demo accounts log in without a second factor so that a newcomer can try every role.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy

from .models import SiteFlag

DEMO_FLAG = "demo"
DEMO_BANNER = gettext_lazy("演示环境：数据均为随机生成，请勿录入真实个人信息")
_MEMO = "_tongxin_demo_database"


def mark_demo_database() -> None:
    """Called by the demo generator once it has created the demo accounts."""
    SiteFlag.objects.update_or_create(key=DEMO_FLAG, defaults={"value": "1"})


def clear_demo_flag() -> None:
    SiteFlag.objects.filter(key=DEMO_FLAG).delete()


def is_demo_database(request: Any = None) -> bool:
    """Whether the flag is set; asked once per request when a request is given."""
    if request is not None and hasattr(request, _MEMO):
        return bool(getattr(request, _MEMO))
    value = SiteFlag.objects.filter(key=DEMO_FLAG).exists()
    if request is not None:
        setattr(request, _MEMO, value)
    return value


def demo_exemption_active(request: Any = None) -> bool:
    """Whether demo accounts skip the second factor here: the settings allow it *and* the
    database is a demo database."""
    if not getattr(settings, "TONGXIN_ALLOW_DEMO_EXEMPTION", False):
        return False
    return is_demo_database(request)
