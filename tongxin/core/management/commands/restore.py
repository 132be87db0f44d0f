"""``manage.py restore FILE [--into URL]``: load a backup into an empty database (the
configured one by default) and check every table's row count and checksum against the
backup's manifest. Afterwards run ``audit_verify`` and ``ledger_check`` on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db import connections
from django.utils.translation import gettext as _

from tongxin.core import backup
from tongxin.core.commands import TranslatedCommand
from tongxin.core.i18n import lazy_str


class Command(TranslatedCommand):
    help = lazy_str("把备份恢复到一个空数据库，并按清单核对每张表的行数与校验和")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help=_("备份文件"))
        parser.add_argument(
            "--into",
            metavar="URL",
            help=_(
                "目标数据库（如 sqlite:////path/new.sqlite3 或 postgres://…/db；默认当前数据库）"
            ),
        )

    def handle(self, *args: Any, file: str, into: str | None, **options: Any) -> None:
        try:
            target = (
                backup.Target.from_url(into)
                if into
                else backup.Target.of(connections["default"].settings_dict)
            )
            connections.close_all()  # the target may be this process's own database
            manifest = backup.restore(Path(file), target)
        except (backup.BackupError, OSError) as exc:
            raise CommandError(str(exc)) from None
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            _("已恢复到 {target}：{tables} 张表、{rows} 行，与备份清单一致。").format(
                target=target.describe(), tables=len(manifest["tables"]), rows=rows
            )
        )
