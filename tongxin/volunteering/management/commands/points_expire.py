"""``manage.py points_expire [--on YYYY-MM-DD]``: post the expiry of lapsed points. Safe to run
again (a second run finds nothing to expire); also queued daily as a task."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from tongxin.core.commands import TranslatedCommand
from tongxin.core.i18n import lazy_str
from tongxin.volunteering.services import points_expire


class Command(TranslatedCommand):
    help = lazy_str("处理到期积分")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--on", help=_("按该日期处理（默认今天），格式 YYYY-MM-DD"))

    def handle(self, *args: Any, **options: Any) -> None:
        on = None
        if options.get("on"):
            try:
                on = dt.date.fromisoformat(options["on"])
            except ValueError:
                raise CommandError(_("日期格式应为 YYYY-MM-DD")) from None
        written = points_expire(on=on)
        self.stdout.write(_("处理到期积分：{written} 个账户").format(written=written))
