"""邻里互助站 and 互助基金: refusals by rule (on hard dates), stock that never goes below zero
and always equals what came in less what went out, the monthly donor list, and the fund's
money exact through the ledger (the ledger check passes)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db.models import Sum
from django.utils import timezone

from tongxin.matching import services
from tongxin.matching.errors import DonationRefused, FundShort, StockShort
from tongxin.matching.models import Distribution, Donation, FundRecord, StationFamily, StockItem
from tongxin.matching.services.station import add_months
from tongxin.people.models import Household
from tongxin.volunteering import ledger
from tongxin.volunteering.models import Account, AccountKind


@pytest.fixture
def station(world):
    return services.station_create(
        actor=world.user("secretary"), community=world.community, name="文化路邻里互助站"
    )


def _household(world, n=0):
    return Household.objects.filter(place_path__startswith=world.community.path).order_by("id")[n]


def _give(world, station, **kw):
    base = {"donor_name": "爱心企业", "category": "daily", "item": "洗衣粉", "quantity": 10}
    base.update(kw)
    return services.donation_receive(actor=world.user("secretary"), station=station, **base)


def test_add_months_keeps_the_end_of_february():
    assert add_months(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 12, 15), 6) == dt.date(2027, 6, 15)


def test_medicine_is_refused(world, station):
    with pytest.raises(DonationRefused) as refused:
        _give(world, station, category="medicine", item="感冒药")
    assert refused.value.status == 422
    assert not StockItem.objects.filter(station=station, item="感冒药").exists()


@pytest.mark.dates
def test_food_needs_six_months_of_shelf_life_on_hard_dates(world, station):
    with time_machine.travel(timezone.make_aware(dt.datetime(2027, 8, 31, 23, 50)), tick=False):
        with pytest.raises(DonationRefused):
            _give(world, station, category="food", item="大米", best_before=dt.date(2028, 2, 28))
        with pytest.raises(DonationRefused):
            _give(world, station, category="food", item="大米")  # no date
        _give(world, station, category="food", item="大米", best_before=dt.date(2028, 2, 29))
    assert StockItem.objects.get(station=station, item="大米").quantity == 10


def test_stock_in_and_out_is_exact_and_never_below_zero(world, station):
    _give(world, station, quantity=10)
    _give(world, station, quantity=5, donor_name="张阿姨")
    family = services.family_register(
        actor=world.user("secretary"), station=station, household=_household(world)
    )
    services.distribution_give(
        actor=world.user("secretary"), station=station, family=family, item="洗衣粉", quantity=12
    )
    with pytest.raises(StockShort) as short:
        services.distribution_give(
            actor=world.user("secretary"), station=station, family=family, item="洗衣粉", quantity=4
        )
    assert short.value.status == 409 and short.value.context == {"item": "洗衣粉", "quantity": 3}
    stock = StockItem.objects.get(station=station, item="洗衣粉")
    came = Donation.objects.filter(station=station, item="洗衣粉").aggregate(t=Sum("quantity"))
    went = Distribution.objects.filter(station=station, item="洗衣粉").aggregate(t=Sum("quantity"))
    assert stock.quantity == came["t"] - went["t"] == 3


def test_goods_go_only_to_registered_families(world, station):
    _give(world, station)
    other = services.station_create(
        actor=world.user("secretary"), community=world.community, name="第二互助站"
    )
    family = services.family_register(
        actor=world.user("secretary"), station=other, household=_household(world)
    )
    from tongxin.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.distribution_give(
            actor=world.user("secretary"), station=station, family=family, item="洗衣粉", quantity=1
        )


def test_the_monthly_donor_list(world, station):
    _give(world, station, donor_name="爱心企业", quantity=3)
    _give(world, station, donor_name="爱心企业", item="毛巾", quantity=2)
    _give(world, station, donor_name="李大爷", item="书包", category="stationery", quantity=1)
    from tongxin.core import clock

    r = world.demo.api("secretary").get(
        f"/api/v1/stations/{station.pk}/donors", {"month": clock.this_month()}
    )
    assert r.status_code == 200
    donors = {d["donor"]: d for d in r.json()["items"]}
    assert donors["爱心企业"]["count"] == 2 and donors["李大爷"]["count"] == 1
    bad = world.demo.api("secretary").get(
        f"/api/v1/stations/{station.pk}/donors", {"month": "2026-13"}
    )
    assert bad.status_code == 422
    assert (
        world.demo.api("resident").get(f"/api/v1/stations/{station.pk}/donors").status_code == 403
    )


def test_the_stock_is_public_to_the_community_the_books_are_not(world, station):
    _give(world, station)
    r = world.demo.api("resident").get(f"/api/v1/stations/{station.pk}")
    assert r.status_code == 200 and r.json()["stock"] == [{"item": "洗衣粉", "quantity": 10}]
    r = world.demo.api("resident").post(
        f"/api/v1/stations/{station.pk}/donations",
        {"donor_name": "我", "category": "daily", "item": "肥皂", "quantity": 1},
        content_type="application/json",
    )
    assert r.status_code == 403
    services.family_register(
        actor=world.user("secretary"), station=station, household=_household(world)
    )
    for who in ("resident", "grid1", "grid2", "building"):
        assert not StationFamily.objects.visible_to(world.user(who)).exists(), who
    assert StationFamily.objects.visible_to(world.user("secretary")).exists()


def test_refusal_through_the_api_is_a_clear_422(world, station):
    r = world.demo.api("secretary").post(
        f"/api/v1/stations/{station.pk}/donations",
        {"donor_name": "王先生", "category": "medicine", "item": "降压药", "quantity": 2},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["code"] == "DONATION_REFUSED"
    assert r.json()["fields"][0]["field"] == "category"


def test_the_fund_is_exact_through_the_ledger(world):
    secretary = world.user("secretary")
    api = world.demo.api("secretary")
    start = ledger.fund_account(world.community).balance  # the demo's fund
    records = FundRecord.objects.filter(community=world.community).count()
    for amount, donor in ((1_500_000, "爱心企业"), (1_500_001, "王先生")):
        r = api.post(
            "/api/v1/mutual-fund/donations",
            {"amount": amount, "donor_name": donor},
            content_type="application/json",
        )
        assert r.status_code == 201, r.content
    household = _household(world)
    r = api.post(
        "/api/v1/mutual-fund/help",
        {"amount": 50_000, "household_id": household.pk, "reason": "大病救助"},
        content_type="application/json",
    )
    assert r.status_code == 201
    assert r.json()["balance"] == start + 3_000_001 - 50_000
    with pytest.raises(FundShort) as short:
        services.fund_help(
            actor=secretary,
            community=world.community,
            amount=start + 10_000_000,
            household=household,
            reason="超额",
        )
    assert short.value.status == 409
    fund = ledger.fund_account(world.community)
    issuer = ledger.issuer_account(world.community, fund.unit)
    # The fen issuer (the world outside) balances the fund and the projects' accounts.
    projects = Account.objects.filter(community=world.community, kind=AccountKind.PROJECT)
    held = sum(a.balance for a in projects)
    assert fund.balance == start + 2_950_001 and issuer.balance == -(fund.balance + held)
    assert ledger.check_ledger() == []
    assert FundRecord.objects.filter(community=world.community).count() == records + 3
    # Bad input: 4xx, nothing written.
    for body in ({"amount": 0, "donor_name": "x"}, {"amount": 5, "donor_name": ""}):
        assert (
            api.post(
                "/api/v1/mutual-fund/donations", body, content_type="application/json"
            ).status_code
            == 422
        )
    assert ledger.fund_account(world.community).balance == start + 2_950_001
    assert world.demo.api("resident").get("/api/v1/mutual-fund").status_code == 403
