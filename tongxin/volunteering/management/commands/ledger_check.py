"""``manage.py ledger_check``: prove that every balance equals the sum of its entries and that
every transaction sums to zero. Exits 1 and names the accounts and transactions otherwise."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongxin.volunteering.ledger import check_ledger
from tongxin.volunteering.models import Account, Entry, LedgerTransaction


class Command(BaseCommand):
    help = "核对积分账本：余额与分录一致、每笔记账借贷平衡"

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        problems = check_ledger()
        took = time.perf_counter() - started
        if problems:
            for p in problems:
                self.stderr.write(f"{p.what}\t{p.ref}\t{p.detail}")
            accounts = sorted({p.ref for p in problems if p.what in ("balance", "negative")})
            txs = sorted({p.ref for p in problems if p.what in ("unbalanced", "units")})
            raise CommandError(
                f"账本核对未通过：{len(problems)} 处不一致；"
                f"账户 {accounts or '无'}；记账 {txs or '无'}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"账本核对通过：{Account.objects.count()} 个账户，"
                f"{LedgerTransaction.objects.count()} 笔记账，{Entry.objects.count()} 条分录，"
                f"用时 {took:.2f} 秒"
            )
        )
