"""Delete login attempts too old to matter for any lockout: ``manage.py prune_login_attempts``.

The audit log keeps the lasting record of every failure and lockout; these rows only feed the
lockout counts, which look back ``TONGXIN_LOCKOUT_WINDOW + TONGXIN_LOCKOUT_DURATION``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from tongxin.accounts import lockout
from tongxin.core.commands import TranslatedCommand
from tongxin.core.i18n import lazy_str


class Command(TranslatedCommand):
    help = lazy_str("删除过期的登录尝试记录（审计日志不受影响）")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=30, help=_("保留最近多少天（默认 30）"))

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        deleted = lockout.prune(dt.timedelta(days=days))
        self.stdout.write(_("已删除 {deleted} 条登录尝试记录。").format(deleted=deleted))
