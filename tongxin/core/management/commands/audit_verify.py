"""Verify the audit log's hash chain; exit non-zero naming the first altered or removed row.

Rows not chained yet (recorded since the chaining task last ran) are chained first, so the
check covers every row."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongxin.core.audit import chain_pending, verify_chain


class Command(BaseCommand):
    help = "校验审计日志哈希链，指出第一条被篡改或删除的记录"

    def handle(self, *args: Any, **options: Any) -> None:
        chained = chain_pending()
        if chained:
            self.stdout.write(f"已将 {chained} 条新审计记录链入哈希链。")
        checked, problem = verify_chain()
        if problem is not None:
            raise CommandError(f"{problem.message}（此前 {checked} 条记录校验通过）")
        self.stdout.write(self.style.SUCCESS(f"审计日志完整：{checked} 条记录校验通过。"))
