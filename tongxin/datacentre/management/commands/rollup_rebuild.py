"""Recompute the data centre's rollups from the records, for some days or for all."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from tongxin.core.commands import TranslatedCommand
from tongxin.core.i18n import lazy_str
from tongxin.datacentre import module_rollups, rollups


class Command(TranslatedCommand):
    help = lazy_str("从原始记录重建数据中心的汇总（指定日期范围，或全部）。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="day_from", type=dt.date.fromisoformat)
        parser.add_argument("--to", dest="day_to", type=dt.date.fromisoformat)

    def handle(self, *args: Any, **options: Any) -> None:
        day_from, day_to = options["day_from"], options["day_to"]
        if day_from is None and day_to is None:
            summary = f"{rollups.rebuild_all()}; {module_rollups.rebuild_every()}"
        elif day_from is None or day_to is None:
            raise CommandError(_("请同时给出 --from 和 --to（或都不给，重建全部）"))
        elif day_to < day_from:
            raise CommandError(_("--to 不能早于 --from"))
        else:
            summary = _("{rows} 行").format(rows=rollups.rebuild(day_from, day_to))
            summary += "; " + module_rollups.rebuild_every(day_from, day_to)
        self.stdout.write(_("汇总已重建：{summary}").format(summary=summary))
