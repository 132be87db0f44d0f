"""Writes of the 邻里互助站 and the 互助基金.

Goods: a donation is refused by rule (medicine; food with under six months' shelf life, or
without a date) or taken into the station's stock; goods go out to registered families only.
Each movement is an append-only row (``Donation``, ``Distribution``) and the stock figure
(``StockItem``) moves with it, locked, in the same transaction, never below zero.

Money: the fund is a ledger account in fen (``ledger.fund_account``); a donation moves money
from the community's fen issuer (the world outside) into the fund, help moves it back out; a
``FundRecord`` beside each ledger transaction says who gave or which household was helped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core import audit, clock
from tongxin.core.actors import Actor, as_account
from tongxin.people.models import Household
from tongxin.places.models import Place
from tongxin.volunteering import ledger
from tongxin.volunteering.models import Account, TxKind
from tongxin.volunteering.policies import require_manager

from ..errors import DonationRefused, FundShort, StockShort
from ..models import (
    Condition,
    Distribution,
    Donation,
    FundKind,
    FundRecord,
    GoodsCategory,
    Station,
    StationFamily,
    StockItem,
)
from .needs import _choice, _field_error, _int, _text

MIN_FOOD_SHELF_MONTHS = 6
MAX_FEN = 100_000_000  # one movement of the fund: at most 1,000,000 元


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day (31 Aug + 6 → 28/29 Feb)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, d))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - 28 always exists


def refusal(*, category: str, best_before: dt.date | None, today: dt.date) -> str | None:
    """Why the station may not take these goods, or None: the rules of the station."""
    if category == GoodsCategory.MEDICINE:
        return _("互助站不接收药品")
    if category == GoodsCategory.FOOD:
        if best_before is None:
            return _("食品须注明保质期")
        if best_before < add_months(today, MIN_FOOD_SHELF_MONTHS):
            return _("食品保质期不足 {n} 个月，不予接收").format(n=MIN_FOOD_SHELF_MONTHS)
    return None


def station_create(*, actor: Actor, community: Place, name: str, address: str = "") -> Station:
    require_manager(actor, community)
    with transaction.atomic():
        station = Station.objects.create(
            community=community,
            name=_text(name, "name", limit=60, required=True),
            address=_text(address, "address", limit=200),
        )
        audit.record(actor=actor, action="station_create", obj=station)
    return station


def _locked_stock(station: Station, item: str) -> StockItem:
    row, _created = StockItem.objects.get_or_create(station=station, item=item)
    return StockItem.objects.select_for_update().get(pk=row.pk)


def donation_receive(
    *,
    actor: Actor,
    station: Station,
    donor_name: str,
    category: str,
    item: str,
    quantity: int,
    condition: str = Condition.NEW,
    best_before: dt.date | None = None,
) -> Donation:
    """Take donated goods into the station's stock, or refuse them by rule (422
    ``DONATION_REFUSED``, with the reason)."""
    require_manager(actor, station.community)
    donor_name = _text(donor_name, "donor_name", limit=60, required=True)
    category = _choice(category, "category", GoodsCategory)
    item = _text(item, "item", limit=60, required=True)
    quantity = _int(quantity, "quantity", low=1, high=100_000)
    condition = _choice(condition, "condition", Condition)
    why = refusal(category=category, best_before=best_before, today=clock.today())
    if why:
        raise DonationRefused(why, fields=[{"field": "category", "reason": why}])
    with transaction.atomic():
        stock = _locked_stock(station, item)
        stock.quantity += quantity
        stock.save(update_fields=["quantity"])
        donation = Donation.objects.create(
            station=station,
            donor_name=donor_name,
            category=category,
            item=item,
            quantity=quantity,
            condition=condition,
            best_before=best_before,
            received_by=as_account(actor),
            at=clock.now(),
        )
        audit.record(
            actor=actor,
            action="station_donation",
            obj=donation,
            detail={"item": item, "quantity": quantity},
        )
    return donation


def family_register(
    *, actor: Actor, station: Station, household: Household, note: str = ""
) -> StationFamily:
    """Register a family (reached by the caller through ``visible_to``) to receive goods;
    registering again reactivates the same row."""
    require_manager(actor, station.community)
    if not household.place_path.startswith(station.community.path):
        raise _field_error("household_id", _("该户不在本社区"))
    with transaction.atomic():
        family, created = StationFamily.objects.get_or_create(
            station=station,
            household=household,
            defaults={"registered_by": as_account(actor), "note": _text(note, "note", limit=200)},
        )
        if not created and not family.is_active:
            family.is_active = True
            family.save(update_fields=["is_active", "updated_at"])
        audit.record(actor=actor, action="station_family_register", obj=family)
    return family


def distribution_give(
    *, actor: Actor, station: Station, family: StationFamily, item: str, quantity: int
) -> Distribution:
    """Give goods to a registered family: the stock is locked and must hold enough (409
    ``STOCK_SHORT`` otherwise)."""
    require_manager(actor, station.community)
    if family.station_id != station.pk or not family.is_active:
        raise _field_error("family", _("该家庭未在本站登记"))
    item = _text(item, "item", limit=60, required=True)
    quantity = _int(quantity, "quantity", low=1, high=100_000)
    with transaction.atomic():
        stock = StockItem.objects.select_for_update().filter(station=station, item=item).first()
        if stock is None or stock.quantity < quantity:
            held = stock.quantity if stock else 0
            raise StockShort(
                _("库存不足：{item} 仅剩 {n}").format(item=item, n=held),
                context={"item": item, "quantity": held},
            )
        stock.quantity -= quantity
        stock.save(update_fields=["quantity"])
        given = Distribution.objects.create(
            station=station,
            family=family,
            item=item,
            quantity=quantity,
            handed_by=as_account(actor),
            at=clock.now(),
        )
        audit.record(
            actor=actor,
            action="station_distribution",
            obj=given,
            detail={"item": item, "quantity": quantity, "household": family.household_id},
        )
    return given


# ---------------------------------------------------------------------------- the fund


def _fund_pair(community: Place) -> tuple[Account, Account]:
    """The fund and the community's fen issuer, locked in key order."""
    fund = ledger.fund_account(community)
    issuer = ledger.issuer_account(community, fund.unit)
    rows = {
        a.pk: a
        for a in Account.objects.select_for_update()
        .filter(pk__in=[fund.pk, issuer.pk])
        .order_by("pk")
    }
    return rows[fund.pk], rows[issuer.pk]


def _fund_move(
    *,
    actor: Actor,
    community: Place,
    kind: str,
    amount: int,
    reason: str,
    audit_detail: dict[str, Any],
    **record: Any,
) -> FundRecord:
    """Move ``amount`` fen into the fund (a donation) or out of it (help), under the locks of
    ``_fund_pair``, and write its ``FundRecord`` and audit row in the same transaction."""
    with transaction.atomic():
        fund, issuer = _fund_pair(community)
        into_fund = kind == FundKind.DONATION
        if not into_fund and fund.balance < amount:
            raise FundShort(
                _("互助基金余额不足：尚有 {yuan} 元").format(yuan=_yuan(fund.balance)),
                context={"balance": fund.balance},
            )
        sign = 1 if into_fund else -1
        tx = ledger.post(
            kind=TxKind.DONATE if into_fund else TxKind.HELP,
            legs=[ledger.Leg(issuer, -sign * amount), ledger.Leg(fund, sign * amount)],
            reason=reason,
            actor=actor,
            community=community,
            locked=[fund, issuer],
        )
        row = FundRecord.objects.create(
            community=community,
            kind=kind,
            amount=amount,
            reason=reason,
            tx=tx,
            recorded_by=as_account(actor),
            at=clock.now(),
            **record,
        )
        audit.record(
            actor=actor,
            action="fund_donation" if into_fund else "fund_help",
            obj=row,
            detail=audit_detail,
        )
    return row


def fund_donate(
    *, actor: Actor, community: Place, amount: int, donor_name: str, reason: str = ""
) -> FundRecord:
    """A donation of ``amount`` fen into the community's 互助基金."""
    require_manager(actor, community)
    amount = _int(amount, "amount", low=1, high=MAX_FEN)
    donor_name = _text(donor_name, "donor_name", limit=60, required=True)
    reason = _text(reason, "reason", limit=200) or _("{donor} 捐款").format(donor=donor_name)
    return _fund_move(
        actor=actor,
        community=community,
        kind=FundKind.DONATION,
        amount=amount,
        reason=reason,
        audit_detail={"amount": amount},
        donor_name=donor_name,
    )


def fund_help(
    *, actor: Actor, community: Place, amount: int, household: Household, reason: str
) -> FundRecord:
    """Help a household (reached through ``visible_to``) with ``amount`` fen from the fund;
    409 ``FUND_SHORT`` when the fund holds less."""
    require_manager(actor, community)
    amount = _int(amount, "amount", low=1, high=MAX_FEN)
    reason = _text(reason, "reason", limit=200, required=True)
    if not household.place_path.startswith(community.path):
        raise _field_error("household_id", _("该户不在本社区"))
    return _fund_move(
        actor=actor,
        community=community,
        kind=FundKind.HELP,
        amount=amount,
        reason=reason,
        audit_detail={"amount": amount, "household": household.pk},
        household=household,
    )


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"
