"""The ledger as a state machine: awards, redemptions, refunds, expiries, corrections and
transfers in any order. After every step every transaction sums to zero, every balance equals
the sum of its entries and the model's expectation, and no person's balance is negative."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tongxin.core.errors import DomainError
from tongxin.volunteering import ledger, services
from tongxin.volunteering.models import Account, OrderStatus, RewardOrder

pytestmark = pytest.mark.dates

TODAY = dt.date(2026, 6, 1)
_keys = itertools.count()


def test_ledger_state_machine(vol):
    users = [vol.new_volunteer(i) for i in range(3)]

    class LedgerMachine(RuleBasedStateMachine):
        orders = Bundle("orders")
        txs = Bundle("txs")

        def __init__(self) -> None:
            super().__init__()
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            self.accounts = [
                ledger.person_account(u.person, community=vol.community) for u in users
            ]
            self.reward = vol.reward(cost=7, stock=4, limit=3)
            self.expected = {a.pk: a.balance for a in self.accounts}

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

        def _refresh_expected(self) -> None:
            for a in self.accounts:
                a.refresh_from_db()

        @rule(
            target=txs, who=st.integers(0, 2), points=st.integers(1, 40), days=st.integers(-5, 30)
        )
        def award(self, who, points, days):
            tx = ledger.transfer(
                source=ledger.issuer_account(vol.community),
                target=self.accounts[who],
                amount=points,
                kind="award",
                reason="服务积分",
                actor=vol.secretary,
                community=vol.community,
                expires_on=TODAY + dt.timedelta(days=days),
            )
            self.expected[self.accounts[who].pk] += points
            return tx

        @rule(target=orders, who=st.integers(0, 2))
        def redeem(self, who):
            try:
                order, created = services.reward_redeem(
                    actor=users[who], reward=self.reward, idempotency_key=f"k{next(_keys)}"
                )
            except DomainError as exc:
                assert exc.code in ("INSUFFICIENT_POINTS", "OUT_OF_STOCK", "LIMIT_REACHED")
                return None
            assert created
            self.expected[self.accounts[who].pk] -= order.points
            return order

        @rule(order=orders)
        def refund(self, order):
            if order is None:
                return
            order = RewardOrder.objects.get(pk=order.pk)
            try:
                services.order_cancel(actor=vol.secretary, order=order, reason="不要了")
            except DomainError as exc:
                assert exc.code == "TRANSITION_NOT_ALLOWED"
                assert order.status == OrderStatus.CANCELLED
                return
            self.expected[order.account_id] += order.points

        @rule(who=st.integers(0, 2), days=st.integers(-5, 35))
        def expire(self, who, days):
            acct = Account.objects.get(pk=self.accounts[who].pk)
            tx = ledger.expire_account(account=acct, on=TODAY + dt.timedelta(days=days))
            if tx is not None:
                amount = -tx.entries.get(account=acct).amount
                assert 0 < amount <= self.expected[acct.pk]
                self.expected[acct.pk] -= amount

        @rule(target=txs, tx=txs)
        def correct(self, tx):
            if tx is None or tx.kind == "correct":
                return None
            try:
                fix = services.points_correct(actor=vol.secretary, original=tx, reason="录入有误")
            except DomainError as exc:
                assert exc.code == "INSUFFICIENT_POINTS"
                return None
            assert fix.corrects_id == tx.pk and fix.approved_by_id == vol.secretary.pk
            for e in fix.entries.all():
                if e.account_id in self.expected:
                    self.expected[e.account_id] += e.amount
            return fix

        @rule(target=txs, a=st.integers(0, 2), b=st.integers(0, 2), points=st.integers(1, 30))
        def transfer(self, a, b, points):
            if a == b:
                return None
            try:
                tx = ledger.transfer(
                    source=self.accounts[a],
                    target=self.accounts[b],
                    amount=points,
                    kind="transfer",
                    reason="转赠",
                    actor=vol.secretary,
                    community=vol.community,
                )
            except ledger.InsufficientPoints:
                assert self.expected[self.accounts[a].pk] < points
                return None
            self.expected[self.accounts[a].pk] -= points
            self.expected[self.accounts[b].pk] += points
            return tx

        @invariant()
        def books_balance(self):
            assert ledger.check_ledger() == []
            for a in self.accounts:
                a.refresh_from_db()
                assert a.balance == self.expected[a.pk] == ledger.recompute_balance(a)
                assert a.balance >= 0
            self.reward.refresh_from_db()
            assert self.reward.stock >= 0

    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )


@pytest.mark.parametrize("amounts", [[5, -4], [0, 0], [3]])
def test_unbalanced_or_empty_movements_are_refused(vol, amounts):
    from tongxin.core.errors import ValidationFailed

    a = ledger.person_account(vol.resident.person, community=vol.community)
    b = ledger.issuer_account(vol.community)
    legs = [ledger.Leg(acc, amt) for acc, amt in zip([a, b], amounts, strict=False)]
    before = a.balance
    with pytest.raises(ValidationFailed):
        ledger.post(
            kind="award", legs=legs, reason="x", actor=vol.secretary, community=vol.community
        )
    a.refresh_from_db()
    assert a.balance == before
