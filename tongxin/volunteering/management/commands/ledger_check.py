"""``manage.py ledger_check``: prove that every balance equals the sum of its entries and that
every transaction sums to zero. Exits 1 and names the accounts and transactions otherwise."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from tongxin.core.commands import TranslatedCommand
from tongxin.core.i18n import lazy_str
from tongxin.volunteering.ledger import check_ledger
from tongxin.volunteering.models import Account, Entry, LedgerTransaction


class Command(TranslatedCommand):
    help = lazy_str("核对积分账本：余额与分录一致、每笔记账借贷平衡")

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
                _(
                    "账本核对未通过：{n_problems} 处不一致；账户 {accounts}；记账 {transactions}"
                ).format(
                    n_problems=len(problems),
                    accounts=accounts or _("无"),
                    transactions=txs or _("无"),
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "账本核对通过：{accounts} 个账户，{transactions} 笔记账，"
                    "{entries} 条分录，用时 {took:.2f} 秒"
                ).format(
                    accounts=Account.objects.count(),
                    transactions=LedgerTransaction.objects.count(),
                    entries=Entry.objects.count(),
                    took=took,
                )
            )
        )
