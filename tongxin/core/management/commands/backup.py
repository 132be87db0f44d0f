"""``manage.py backup [--dir D] [--keep N]``: an encrypted, consistent backup of the database
(``tongxin.core.backup``), with the manifest that ``restore`` checks; ``--verify FILE`` checks a
backup file's integrity and prints its manifest without restoring it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from tongxin.core import backup, clock
from tongxin.core.commands import TranslatedCommand
from tongxin.core.i18n import lazy_str


class Command(TranslatedCommand):
    help = lazy_str("备份数据库（加密，含行数与校验和清单）；--verify 只检查一个备份文件")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dir", help=_("备份目录（默认 TONGXIN_BACKUP_DIR）"))
        parser.add_argument("--keep", type=int, help=_("只保留最新的 N 个备份"))
        parser.add_argument("--verify", metavar="FILE", help=_("检查备份文件并显示其清单"))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options.get("verify"):
                manifest = backup.read_manifest(Path(options["verify"]))
                self._describe(Path(options["verify"]), manifest)
                return
            directory = Path(options["dir"]) if options.get("dir") else None
            path, manifest = backup.make_backup(directory=directory, keep=options.get("keep"))
        except (backup.BackupError, OSError) as exc:
            raise CommandError(str(exc)) from None
        self._describe(path, manifest)

    def _describe(self, path: Path, manifest: dict[str, Any]) -> None:
        tables = manifest["tables"]
        rows = sum(t["rows"] for t in tables.values())
        self.stdout.write(
            _("备份 {path}：{engine}，{tables} 张表，{rows} 行，{size} 字节，生成于 {at}").format(
                path=path,
                engine=manifest["engine"],
                tables=len(tables),
                rows=rows,
                size=path.stat().st_size,
                at=clock.local(dt.datetime.fromisoformat(manifest["created_at"])).strftime(
                    "%Y-%m-%d %H:%M:%S"
                ),
            )
        )
