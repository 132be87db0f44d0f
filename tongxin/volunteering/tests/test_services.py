"""Volunteering services on the real database: signups, waiting list, check-in by the
organiser and by QR code, confirmation into points or banked time, caps, expiry, awards,
corrections, redemption and refunds, and the append-only ledger."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tongxin.core import clock
from tongxin.core.errors import DomainError, Forbidden
from tongxin.core.models import AuditEvent
from tongxin.volunteering import ledger, services
from tongxin.volunteering.models import (
    Account,
    Entry,
    FixedAward,
    LedgerTransaction,
    SignupStatus,
    Volunteer,
)

pytestmark = pytest.mark.dates


def test_demo_volunteers_have_points_and_the_catalogue_has_stock(vol):
    from tongxin.volunteering.models import Reward

    assert vol.balance(vol.resident) > 0 and vol.balance(vol.member) > 0
    assert Reward.objects.filter(community=vol.community, stock__gt=0).count() >= 3
    assert ledger.check_ledger() == []


def test_signup_waitlist_cancel_promotes_the_first_waiting(vol):
    act = vol.activity(slots=1)
    a, b, c = (vol.new_volunteer(i) for i in range(3))
    sa = services.activity_signup(actor=a, activity=act)
    sb = services.activity_signup(actor=b, activity=act)
    sc = services.activity_signup(actor=c, activity=act)
    assert (sa.status, sb.status, sc.status) == ("signed_up", "waitlisted", "waitlisted")
    services.signup_cancel(actor=a, signup=sa)
    sb.refresh_from_db()
    sc.refresh_from_db()
    assert (sb.status, sc.status) == ("signed_up", "waitlisted")
    with pytest.raises(DomainError) as exc:
        services.signup_cancel(actor=a, signup=sa)
    assert exc.value.code == "TRANSITION_NOT_ALLOWED"


def test_unapproved_or_unregistered_cannot_sign_up(vol, demo):
    act = vol.activity()
    with pytest.raises(Forbidden) as exc:
        services.activity_signup(actor=demo.user("grid2"), activity=act)
    assert exc.value.code == "NOT_A_VOLUNTEER"


def test_check_in_out_and_confirm_pays_points_by_rule_and_difficulty(vol):
    act = vol.activity(difficulty=2)
    user = vol.new_volunteer()
    s = services.activity_signup(actor=user, activity=act)
    t0 = act.starts_at
    with pytest.raises(Forbidden):
        services.signup_check_in(actor=user, signup=s)  # not the organiser
    services.signup_check_in(actor=vol.secretary, signup=s, at=t0)
    s = services.signup_check_out(actor=vol.secretary, signup=s, at=t0 + dt.timedelta(minutes=95))
    assert s.minutes == 95
    s = services.signup_confirm(actor=vol.secretary, signup=s)
    rule = act.rule
    expected = min(
        95 * rule.points_per_hour * rule.factor_normal // 6000, rule.cap_per_activity or 10**9
    )
    assert s.status == SignupStatus.CONFIRMED and s.points == expected
    assert vol.balance(user) == expected
    entry = s.award_tx.entries.get(amount__gt=0)
    assert entry.expires_on == clock.today() + dt.timedelta(days=rule.expiry_days)


def test_daily_cap_limits_a_second_activity_of_the_same_day(vol):
    user = vol.new_volunteer()
    rule = vol.activity().rule
    rule.cap_per_day, rule.cap_per_activity = 25, None
    rule.save()
    paid = []
    # Both activities on one local day (tomorrow 09:00 and 12:00), whatever the hour now: at
    # 20:00 "in 1 and 4 hours" would straddle midnight and escape the daily cap.
    morning = clock.start_of_day(clock.today() + dt.timedelta(days=1)) + dt.timedelta(hours=9)
    for k in range(2):
        lead = morning - clock.now() + dt.timedelta(hours=3 * k)
        act = vol.activity(start_in=lead, rule=rule, title=f"活动{k}")
        s = services.activity_signup(actor=user, activity=act)
        services.signup_check_in(actor=vol.secretary, signup=s, at=act.starts_at)
        services.signup_check_out(
            actor=vol.secretary, signup=s, at=act.starts_at + dt.timedelta(hours=2)
        )
        paid.append(services.signup_confirm(actor=vol.secretary, signup=s).points)
    assert paid == [20, 5]
    assert vol.balance(user) == 25


def test_qr_scan_checks_time_window_and_distance(vol):
    act = vol.activity(lat=30.0, lng=114.0)
    user = vol.new_volunteer()
    s = services.activity_signup(actor=user, activity=act)
    far = dict(lat=30.01, lng=114.0)  # ~1.1 km away
    near = dict(lat=30.0005, lng=114.0)
    with pytest.raises(DomainError, match="签到码无效"):
        services.signup_scan(actor=user, activity=act, token="nope", at=act.starts_at, **near)
    with pytest.raises(DomainError, match="不在签到时间内"):
        services.signup_scan(
            actor=user,
            activity=act,
            token=act.checkin_token,
            at=act.starts_at - dt.timedelta(hours=3),
            **near,
        )
    with pytest.raises(DomainError, match="超出"):
        services.signup_scan(
            actor=user, activity=act, token=act.checkin_token, at=act.starts_at, **far
        )
    s = services.signup_scan(
        actor=user, activity=act, token=act.checkin_token, at=act.starts_at, **near
    )
    assert s.status == "checked_in" and s.check_method == "qr"
    s = services.signup_scan(
        actor=user,
        activity=act,
        token=act.checkin_token,
        at=act.starts_at + dt.timedelta(minutes=61),
        **near,
    )
    assert s.status == "checked_out" and s.minutes == 61


def test_banked_time_and_spending_it(vol):
    act = vol.activity()
    a, b = vol.new_volunteer(0), vol.new_volunteer(1)
    s = services.activity_signup(actor=a, activity=act, bank_time=True)
    services.signup_check_in(actor=vol.secretary, signup=s, at=act.starts_at)
    services.signup_check_out(
        actor=vol.secretary, signup=s, at=act.starts_at + dt.timedelta(minutes=90)
    )
    s = services.signup_confirm(actor=vol.secretary, signup=s)
    assert s.points == 0 and vol.balance(a) == 0 and vol.balance(a, "minutes") == 90
    services.timebank_spend(actor=a, provider=b.person, minutes=60, reason="陪诊")
    assert vol.balance(a, "minutes") == 30 and vol.balance(b, "minutes") == 60
    with pytest.raises(ledger.InsufficientPoints):
        services.timebank_spend(actor=a, provider=b.person, minutes=31, reason="陪诊")
    assert ledger.check_ledger() == []


def test_expiry_is_fifo_and_idempotent(vol):
    user = vol.new_volunteer()
    acct = ledger.person_account(user.person, community=vol.community)
    issuer = ledger.issuer_account(vol.community)
    on = dt.date(2026, 1, 10)
    for amount, expires in ((30, on - dt.timedelta(days=1)), (50, on + dt.timedelta(days=30))):
        ledger.transfer(
            source=issuer,
            target=acct,
            amount=amount,
            kind="award",
            reason="x",
            actor=vol.secretary,
            community=vol.community,
            expires_on=expires,
        )
    store = ledger.store_account(vol.community)
    ledger.transfer(
        source=acct,
        target=store,
        amount=20,
        kind="redeem",
        reason="兑换",
        actor=vol.secretary,
        community=vol.community,
    )
    assert services.points_expire(on=on) >= 1  # 30 due, 20 already spent from them: 10 lapse
    acct.refresh_from_db()
    assert acct.balance == 50
    assert services.points_expire(on=on) == 0
    call_command(
        "points_expire", "--on", (on + dt.timedelta(days=31)).isoformat(), stdout=io.StringIO()
    )
    acct.refresh_from_db()
    assert acct.balance == 0
    assert ledger.check_ledger() == []


def test_fixed_award_to_a_co_building_unit_and_a_volunteer(vol):
    from tongxin.orgs.models import Organisation

    award = FixedAward.objects.get(community=vol.community, code="unit")
    unit = Organisation.objects.filter(kind="co_building_unit").first()
    tx = services.points_award_fixed(actor=vol.secretary, award=award, organisation=unit)
    acct = Account.objects.get(organisation=unit)
    assert acct.balance >= award.points and tx.entries.count() == 2
    with pytest.raises(Forbidden):
        services.points_award_fixed(actor=vol.resident, award=award, organisation=unit)


def test_correction_references_original_with_approver_and_audit(vol):
    user = vol.new_volunteer()
    tx = vol.give(user, 40)
    fix = services.points_correct(actor=vol.secretary, original=tx, reason="重复发放")
    assert fix.kind == "correct" and fix.corrects == tx and fix.approved_by == vol.secretary
    assert vol.balance(user) == 0
    assert AuditEvent.objects.filter(action="points_correct", object_id=str(fix.pk)).exists()
    with pytest.raises(DomainError):  # no reason
        services.points_correct(actor=vol.secretary, original=tx, reason=" ")
    with pytest.raises(Forbidden):
        services.points_correct(actor=vol.resident, original=tx, reason="x")


def test_partial_correction_with_explicit_amounts(vol):
    user = vol.new_volunteer()
    tx = vol.give(user, 40)
    acct = ledger.person_account(user.person, community=vol.community)
    issuer = ledger.issuer_account(vol.community)
    services.points_correct(
        actor=vol.secretary, original=tx, reason="少记了 5 分", amounts={acct.pk: 5, issuer.pk: -5}
    )
    assert vol.balance(user) == 45


def test_redeem_errors_and_refund(vol):
    user = vol.new_volunteer()
    reward = vol.reward(cost=30, stock=1, limit=1)
    with pytest.raises(DomainError) as exc:
        services.reward_redeem(actor=user, reward=reward, idempotency_key="a")
    assert exc.value.code == "INSUFFICIENT_POINTS" and exc.value.status == 409
    vol.give(user, 100)
    order, created = services.reward_redeem(actor=user, reward=reward, idempotency_key="b")
    assert created and vol.balance(user) == 70
    again, created = services.reward_redeem(actor=user, reward=reward, idempotency_key="b")
    assert again.pk == order.pk and not created and vol.balance(user) == 70
    with pytest.raises(DomainError) as exc:
        services.reward_redeem(actor=user, reward=reward, idempotency_key="c")
    assert exc.value.code == "LIMIT_REACHED"
    other = vol.new_volunteer(1)
    vol.give(other, 100)
    with pytest.raises(DomainError) as exc:
        services.reward_redeem(actor=other, reward=reward, idempotency_key="a")
    assert exc.value.code == "OUT_OF_STOCK"
    services.order_cancel(actor=user, order=order, reason="买错了")
    reward.refresh_from_db()
    assert reward.stock == 1 and vol.balance(user) == 100
    order.refresh_from_db()
    assert order.status == "cancelled" and order.refund_tx is not None
    with pytest.raises(DomainError):
        services.order_fulfil(actor=vol.secretary, order=order)
    assert ledger.check_ledger() == []


def test_entries_and_transactions_are_append_only(vol):
    tx = vol.give(vol.new_volunteer(), 5)
    entry = tx.entries.first()
    entry.amount = 500
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()
    with pytest.raises(RuntimeError):
        Entry.objects.filter(pk=entry.pk).update(amount=1)
    with pytest.raises(RuntimeError):
        Entry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(RuntimeError):
        tx.save()
    with pytest.raises(RuntimeError):
        LedgerTransaction.objects.get(pk=tx.pk).delete()


def test_ledger_check_names_the_broken_accounts(vol):
    out = io.StringIO()
    call_command("ledger_check", stdout=out)
    assert "账本核对通过" in out.getvalue()
    acct = ledger.person_account(vol.resident.person, community=vol.community)
    Account.objects.filter(pk=acct.pk).update(balance=acct.balance + 1)  # tampering
    from django.db import connection

    tx = LedgerTransaction.objects.order_by("-id").first()
    with connection.cursor() as cur:  # an entry slipped in behind the ledger's back
        cur.execute(
            f"INSERT INTO {Entry._meta.db_table} (transaction_id, account_id, amount) "
            "VALUES (%s, %s, %s)",
            [tx.pk, acct.pk, 3],
        )
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("ledger_check", stdout=io.StringIO(), stderr=err)
    assert str(acct.pk) in str(exc.value) and str(tx.pk) in str(exc.value)
    assert f"balance\t{acct.pk}" in err.getvalue()


def test_child_volunteer_needs_a_guardian_of_the_household(vol, demo):
    from tongxin.accounts.models import User
    from tongxin.people.models import Person

    child = (
        Person.objects.filter(
            birth_date__gt=clock.today() - dt.timedelta(days=365 * 12),
            household__isnull=False,
            volunteer__isnull=True,
        )
        .order_by("id")
        .first()
    )
    parent = (
        Person.objects.filter(household=child.household)
        .exclude(pk=child.pk)
        .exclude(birth_date__gt=clock.today() - dt.timedelta(days=365 * 18))
        .first()
    )
    user = User.objects.create(username="parent1", person=parent)
    v = services.volunteer_register(actor=user, person=child, skills=["摄影宣传"])
    assert v.is_child and v.guardian == parent and v.status == "pending"
    stranger = vol.new_volunteer()
    with pytest.raises(Forbidden):
        services.volunteer_register(actor=stranger, person=child)
    services.volunteer_review(actor=vol.secretary, volunteer=v, approve=True)
    assert Volunteer.objects.get(pk=v.pk).status == "approved"
    assert AuditEvent.objects.filter(action="volunteer_review", object_id=str(v.pk)).exists()


@pytest.mark.django_db
def test_community_managers_see_their_community_through_the_scope(demo):
    """Being a community manager is part of the scope (Scope.manager_paths): the manager
    pages read volunteers and orders through visible_to, and a grid worker, who manages no
    community, sees only the volunteers living in their grid."""
    from tongxin.core.scoping import scope_for
    from tongxin.volunteering import selectors
    from tongxin.volunteering.models import Volunteer

    secretary, grid1 = demo.user("secretary"), demo.user("grid1")
    community = demo.grid(1).at_or_above("community")
    everyone = set(Volunteer.objects.filter(community=community).values_list("pk", flat=True))
    assert everyone
    assert scope_for(secretary).manager_paths and not scope_for(grid1).manager_paths
    managed = set(selectors.volunteers_of(secretary, community).values_list("pk", flat=True))
    assert managed == everyone
    seen = selectors.volunteers_of(grid1, community)
    assert set(seen.values_list("pk", flat=True)) < everyone
    assert all(v.person_path.startswith(demo.grid(1).path) for v in seen)
