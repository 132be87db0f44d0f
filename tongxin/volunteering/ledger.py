"""The double-entry core of the points ledger.

``post`` is the only writer of ``LedgerTransaction`` and ``Entry`` rows: it checks that the
legs sum to zero and share one unit, locks the accounts (``select_for_update``, ordered by
primary key so that two writers never wait on each other in opposite orders), refuses a
movement that would take a non-issuing account below zero, writes the transaction and its
entries, and moves the balances, all in one database transaction. ``check_ledger`` recomputes
every balance from the entries and every transaction's sum; ``manage.py ledger_check`` runs it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils.translation import gettext as _

from tongxin.core import clock
from tongxin.core.actors import Actor, as_account
from tongxin.core.errors import DomainError, ValidationFailed

from .errors import VolunteeringCode
from .models import Account, AccountKind, Entry, LedgerTransaction, TxKind, Unit


class InsufficientPoints(DomainError):
    """The account does not hold enough points (or minutes) for this movement."""

    code = VolunteeringCode.INSUFFICIENT_POINTS
    status = 409


@dataclass(frozen=True)
class Leg:
    """One side of a movement: ``amount`` (signed) on ``account``; credits of awarded
    points may carry the day they lapse."""

    account: Account
    amount: int
    expires_on: dt.date | None = None


# ---------------------------------------------------------------------------- accounts


def _account(**lookup: Any) -> Account:
    """Get or create one account; a concurrent creator loses the unique race and reads."""
    try:
        with transaction.atomic():
            account, _created = Account.objects.get_or_create(**lookup)
            return account
    except IntegrityError:
        return Account.objects.get(**{k: v for k, v in lookup.items() if k != "defaults"})


def person_account(person: Any, *, community: Any, unit: str = Unit.POINTS) -> Account:
    return _account(
        kind=AccountKind.PERSON, person=person, unit=unit, defaults={"community": community}
    )


def organisation_account(org: Any, *, community: Any) -> Account:
    return _account(
        kind=AccountKind.ORGANISATION,
        organisation=org,
        unit=Unit.POINTS,
        defaults={"community": community},
    )


def issuer_account(community: Any, unit: str = Unit.POINTS) -> Account:
    return _account(kind=AccountKind.ISSUER, community=community, unit=unit)


def store_account(community: Any) -> Account:
    return _account(kind=AccountKind.STORE, community=community, unit=Unit.POINTS)


def fund_account(community: Any) -> Account:
    """The community's 邻里互助基金, in fen (service matching's money account)."""
    return _account(kind=AccountKind.FUND, community=community, unit=Unit.FEN)


def new_project_account(community: Any) -> Account:
    """A fresh money account (fen) for one project of service matching's 项目清单; the
    project keeps the link (one account per project, so no lookup by community here)."""
    return Account.objects.create(kind=AccountKind.PROJECT, community=community, unit=Unit.FEN)


# ---------------------------------------------------------------------------- posting


def post(
    *,
    kind: str,
    legs: Sequence[Leg],
    reason: str,
    actor: Actor | None,
    community: Any,
    approved_by: Any = None,
    corrects: LedgerTransaction | None = None,
    idempotency_key: str | None = None,
    locked: Iterable[Account] = (),
) -> LedgerTransaction:
    """Write one balanced transaction and move the balances; all or nothing.

    ``locked``: accounts the caller has already locked in this transaction (their lock order
    was the caller's to choose, e.g. the redemption locks the account before the stock).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("请填写记账事由"), fields=[{"field": "reason", "reason": _("必填")}]
        )
    if kind not in TxKind.values:
        raise ValidationFailed(_("未知的记账类型：{kind}").format(kind=kind))
    if len(legs) < 2:
        raise ValidationFailed(_("一笔记账至少涉及两个账户"))
    if any(leg.amount == 0 for leg in legs):
        raise ValidationFailed(_("分录金额不能为零"))
    if any(not isinstance(leg.amount, int) or isinstance(leg.amount, bool) for leg in legs):
        raise ValidationFailed(_("金额必须是整数"))
    if sum(leg.amount for leg in legs) != 0:
        raise ValidationFailed(_("借贷不平：各分录之和必须为零"))
    units = {leg.account.unit for leg in legs}
    if len(units) != 1:
        raise ValidationFailed(_("一笔记账中的账户单位必须一致"))
    if kind == TxKind.CORRECT and (corrects is None or approved_by is None):
        raise ValidationFailed(_("更正必须指明被更正的记账和审批人"))

    delta: dict[int, int] = defaultdict(int)
    for leg in legs:
        delta[leg.account.pk] += leg.amount

    with transaction.atomic():
        rows = {a.pk: a for a in locked}
        to_lock = sorted(pk for pk in delta if pk not in rows)
        rows.update(
            {
                a.pk: a
                for a in Account.objects.select_for_update().filter(pk__in=to_lock).order_by("pk")
            }
        )
        short = [
            pk
            for pk, d in delta.items()
            if rows[pk].kind != AccountKind.ISSUER and rows[pk].balance + d < 0
        ]
        if short:
            raise InsufficientPoints(
                _("积分余额不足"),
                context={"accounts": short, "balance": {pk: rows[pk].balance for pk in short}},
            )
        tx = LedgerTransaction(
            kind=kind,
            community=community,
            unit=units.pop(),
            reason=reason[:200],
            created_by=as_account(actor) if actor is not None and actor.is_authenticated else None,
            approved_by=approved_by,
            corrects=corrects,
            idempotency_key=idempotency_key,
            created_at=clock.now(),
        )
        tx.save(force_insert=True)
        Entry.objects.bulk_create(
            [
                Entry(
                    transaction=tx,
                    account_id=leg.account.pk,
                    amount=leg.amount,
                    expires_on=leg.expires_on if leg.amount > 0 else None,
                )
                for leg in legs
            ]
        )
        for pk, d in sorted(delta.items()):
            if d:
                # QuerySet.update on Account (not Entry): the balance is the one mutable figure.
                Account.objects.filter(pk=pk).update(balance=F("balance") + d)
                rows[pk].balance += d
        for leg in legs:
            if leg.account.pk in rows:
                leg.account.balance = rows[leg.account.pk].balance
    return tx


def transfer(
    *,
    source: Account,
    target: Account,
    amount: int,
    kind: str,
    reason: str,
    actor: Actor | None,
    community: Any,
    expires_on: dt.date | None = None,
    **kwargs: Any,
) -> LedgerTransaction:
    """Move ``amount`` (> 0) from ``source`` to ``target``."""
    if not isinstance(amount, int) or amount <= 0:
        raise ValidationFailed(
            _("金额必须是正整数"), fields=[{"field": "amount", "reason": _("应大于 0")}]
        )
    return post(
        kind=kind,
        legs=[Leg(source, -amount), Leg(target, amount, expires_on)],
        reason=reason,
        actor=actor,
        community=community,
        **kwargs,
    )


def reversal_legs(tx: LedgerTransaction) -> list[Leg]:
    """The legs that undo ``tx`` exactly (each entry negated)."""
    return [Leg(e.account, -e.amount) for e in tx.entries.select_related("account").order_by("id")]


# ---------------------------------------------------------------------------- expiry


def expiring_amount(account: Account, on: dt.date) -> int:
    """Points of ``account`` that lapse by ``on``: spending uses the earliest-expiring points
    first, so what lapses is what was due by ``on`` less everything taken out so far."""
    agg = Entry.objects.filter(account=account).aggregate(
        due=Sum("amount", filter=Q(amount__gt=0, expires_on__lte=on)),
        out=Sum("amount", filter=Q(amount__lt=0)),
    )
    due = agg["due"] or 0
    out = -(agg["out"] or 0)
    return max(0, min(due - out, account.balance))


def expire_account(
    *, account: Account, on: dt.date, actor: Actor | None = None
) -> LedgerTransaction | None:
    """Post the expiry of ``account``'s lapsed points (to the issuer), if any. Idempotent."""
    issuer = issuer_account(account.community, account.unit)
    with transaction.atomic():
        both = {
            a.pk: a
            for a in Account.objects.select_for_update()
            .filter(pk__in=[account.pk, issuer.pk])
            .order_by("pk")
        }
        account, issuer = both[account.pk], both[issuer.pk]
        amount = expiring_amount(account, on)
        if amount <= 0:
            return None
        return post(
            kind=TxKind.EXPIRE,
            legs=[Leg(account, -amount), Leg(issuer, amount)],
            reason=_("积分到期（截至 {date:%Y-%m-%d}）").format(date=on),
            actor=actor,
            community=account.community,
            locked=[account, issuer],
        )


def accounts_with_expiring(on: dt.date) -> list[int]:
    return sorted(
        set(
            Entry.objects.filter(amount__gt=0, expires_on__lte=on, account__balance__gt=0)
            .values_list("account_id", flat=True)
            .distinct()
        )
    )


# ---------------------------------------------------------------------------- the check


@dataclass(frozen=True)
class Problem:
    """One disagreement the check found."""

    what: str  # "balance" | "unbalanced" | "units" | "negative"
    ref: int  # account or transaction id
    detail: str


def check_ledger() -> list[Problem]:
    """Every balance against the sum of its entries, every transaction against zero, every
    entry's unit against its transaction's, and no non-issuing account below zero. Three
    grouped scans of the entries, in SQL (it must stay fast at tens of millions of rows)."""
    acc = Account._meta.db_table
    ent = Entry._meta.db_table
    txt = LedgerTransaction._meta.db_table
    problems: list[Problem] = []
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT a.id, a.kind, a.balance, COALESCE(s.total, 0) FROM {acc} a "  # noqa: S608
            f"LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM {ent} "
            "GROUP BY account_id) s ON s.account_id = a.id "
            "WHERE a.balance <> COALESCE(s.total, 0) OR (a.kind <> 'issuer' AND a.balance < 0) "
            "ORDER BY a.id"
        )
        for pk, kind, balance, total in cur.fetchall():
            if balance != total:
                problems.append(
                    Problem(
                        "balance",
                        pk,
                        _("账户 {pk}（{kind}）余额 {balance}，分录合计 {total}").format(
                            pk=pk, kind=kind, balance=balance, total=total
                        ),
                    )
                )
            else:
                problems.append(
                    Problem(
                        "negative",
                        pk,
                        _("账户 {pk}（{kind}）余额为负：{balance}").format(
                            pk=pk, kind=kind, balance=balance
                        ),
                    )
                )
        cur.execute(
            f"SELECT transaction_id, SUM(amount) FROM {ent} "  # noqa: S608
            "GROUP BY transaction_id HAVING SUM(amount) <> 0 ORDER BY transaction_id"
        )
        for pk, total in cur.fetchall():
            problems.append(
                Problem(
                    "unbalanced",
                    pk,
                    _("记账 #{pk} 分录合计 {total}，不为零").format(pk=pk, total=total),
                )
            )
        cur.execute(
            f"SELECT t.id FROM {txt} t WHERE NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {ent} e WHERE e.transaction_id = t.id) ORDER BY t.id"
        )
        for (pk,) in cur.fetchall():
            problems.append(Problem("unbalanced", pk, _("记账 #{pk} 没有分录").format(pk=pk)))
        cur.execute(
            f"SELECT DISTINCT e.transaction_id FROM {ent} e "  # noqa: S608
            f"JOIN {acc} a ON a.id = e.account_id JOIN {txt} t ON t.id = e.transaction_id "
            "WHERE a.unit <> t.unit ORDER BY e.transaction_id"
        )
        for (pk,) in cur.fetchall():
            problems.append(
                Problem("units", pk, _("记账 #{pk} 混用了积分与时间单位").format(pk=pk))
            )
    return problems


def recompute_balance(account: Account) -> int:
    """The balance as the entries say it is."""
    return int(Entry.objects.filter(account=account).aggregate(t=Sum("amount"))["t"] or 0)
