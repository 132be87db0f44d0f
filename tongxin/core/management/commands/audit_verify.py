"""Verify the audit log's hash chain; exit non-zero naming the first altered or removed row.

Rows not chained yet (recorded since the chaining task last ran) are chained first, so the
check covers every row."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from tongxin.core.audit import chain_pending, verify_chain
from tongxin.core.commands import TranslatedCommand
from tongxin.core.i18n import lazy_str


class Command(TranslatedCommand):
    help = lazy_str("校验审计日志哈希链，指出第一条被篡改或删除的记录")

    def handle(self, *args: Any, **options: Any) -> None:
        chained = chain_pending()
        if chained:
            self.stdout.write(_("已将 {chained} 条新审计记录链入哈希链。").format(chained=chained))
        checked, problem = verify_chain()
        if problem is not None:
            raise CommandError(
                _("{message}（此前 {checked} 条记录校验通过）").format(
                    message=problem.message, checked=checked
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("审计日志完整：{checked} 条记录校验通过。").format(checked=checked)
            )
        )
