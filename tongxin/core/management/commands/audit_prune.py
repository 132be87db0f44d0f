"""Remove audit rows older than a date, never inside the 183-day retention period."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.audit import RETENTION_DAYS, prune
from tongxin.core.commands import TranslatedCommand


class Command(TranslatedCommand):
    help = cast(
        str,
        format_lazy(
            gettext_lazy("清理早于指定日期的审计日志（至少保留 {retention_days} 天）"),
            retention_days=RETENTION_DAYS,
        ),
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--before", required=True, help=_("YYYY-MM-DD，清理此日期之前的记录"))

    def handle(self, *args: Any, before: str, **options: Any) -> None:
        try:
            day = dt.date.fromisoformat(before)
        except ValueError:
            raise CommandError(_("日期格式应为 YYYY-MM-DD")) from None
        cutoff = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        try:
            deleted = prune(before=cutoff)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _("已清理 {deleted} 条审计记录；哈希链的起点已记录，可继续校验。").format(
                deleted=deleted
            )
        )
