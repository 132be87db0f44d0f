"""Writes of volunteering and the points ledger. Each is ``<entity>_<verb>`` with keyword-only
arguments and an explicit ``actor``: check the guard, lock (ordered), save, audit."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core import audit, clock, tokens
from tongxin.core.actors import Actor, as_account
from tongxin.core.errors import Code, DomainError, Forbidden, TransitionRefused, ValidationFailed
from tongxin.orgs.models import Organisation, OrgKind
from tongxin.people.models import Person
from tongxin.places.geo import distance_m
from tongxin.places.models import Place

from . import ledger
from .errors import VolunteeringCode
from .ledger import Leg
from .models import (
    SKILLS,
    Account,
    Activity,
    ActivityStatus,
    FixedAward,
    Honour,
    HonourKind,
    LedgerTransaction,
    OrderStatus,
    PointsRule,
    Reward,
    RewardOrder,
    Signup,
    SignupStatus,
    TxKind,
    Unit,
    Volunteer,
    VolunteerStatus,
    community_of_path,
)
from .policies import require_manager, require_organiser
from .workflow import ORDER_MACHINE, REVIEW_MACHINE, SIGNUP_MACHINE, OrderAct, ReviewAct, SignupAct

TEAM_KINDS = (OrgKind.VOLUNTEER_TEAM, OrgKind.STUDIO)


class OutOfStock(DomainError):
    code = VolunteeringCode.OUT_OF_STOCK
    status = 409


class LimitReached(DomainError):
    code = VolunteeringCode.LIMIT_REACHED
    status = 409


class CheckinRefused(DomainError):
    code = VolunteeringCode.CHECKIN_REFUSED
    status = 409


def _now() -> dt.datetime:
    return clock.now()


def volunteer_of(user: Actor) -> Volunteer:
    """The user's approved volunteer registration; 403 otherwise."""
    v = (
        Volunteer.objects.filter(person_id=user.person_id).select_related("person").first()
        if user.person_id
        else None
    )
    if v is None:
        raise Forbidden(_("请先注册成为志愿者"), code=VolunteeringCode.NOT_A_VOLUNTEER)
    if v.status != VolunteerStatus.APPROVED:
        raise Forbidden(_("志愿者注册尚未通过审核"), code=VolunteeringCode.VOLUNTEER_NOT_APPROVED)
    return v


# ---------------------------------------------------------------------------- volunteers


def volunteer_register(
    *,
    actor: Actor,
    person: Person | None = None,
    skills: list[str] | None = None,
    availability: str = "",
    team_ids: list[int] | None = None,
) -> Volunteer:
    """Register the actor (or, for a 小小志愿者, a child of the actor's household, with the
    actor as guardian). The community reviews the registration."""
    if not actor.person_id:
        raise Forbidden(_("只有居民本人可以注册志愿者"), code=VolunteeringCode.NOT_A_RESIDENT)
    me = Person.objects.get(pk=actor.person_id)
    person = person or me
    guardian = None
    if person.pk != me.pk:
        if not me.household_id or person.household_id != me.household_id:
            raise Forbidden(
                _("只能为本户的未成年子女登记小小志愿者"), code=VolunteeringCode.NOT_GUARDIAN
            )
        guardian = me
    age = person.age
    is_child = age is not None and age < 18
    if is_child and guardian is None:
        raise ValidationFailed(
            _("未成年人须由监护人代为登记"), code=VolunteeringCode.GUARDIAN_REQUIRED
        )
    if guardian is not None and not is_child:
        raise ValidationFailed(_("只能为未成年人代为登记"))
    community = community_of_path(person.place_path)
    if community is None:
        raise ValidationFailed(_("未找到所在社区，无法注册"))
    skills = [s for s in (skills or []) if s]
    bad = [s for s in skills if s not in SKILLS]
    if bad:
        raise ValidationFailed(
            _("未知的技能：{skills}").format(skills="、".join(bad)),
            fields=[{"field": "skills", "reason": _("未知技能")}],
        )
    teams = list(
        Organisation.objects.filter(
            pk__in=team_ids or [], kind__in=TEAM_KINDS, places__path__startswith=community.path
        ).distinct()
    )
    if len(teams) != len(set(team_ids or [])):
        raise ValidationFailed(
            _("所选队伍不属于本社区"), fields=[{"field": "teams", "reason": _("无效")}]
        )
    with transaction.atomic():
        if Volunteer.objects.filter(person=person).exists():
            raise DomainError(_("已经注册过志愿者"), code=VolunteeringCode.ALREADY_REGISTERED)
        v = Volunteer.objects.create(
            person=person,
            person_path=person.place_path,
            community=community,
            skills=skills,
            availability=availability.strip()[:100],
            is_child=is_child,
            guardian=guardian,
        )
        v.teams.set(teams)
    return v


def volunteer_review(
    *, actor: Actor, volunteer: Volunteer, approve: bool, note: str = ""
) -> Volunteer:
    require_manager(actor, volunteer.community)
    with transaction.atomic():
        v = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        REVIEW_MACHINE.move(v, ReviewAct.APPROVE if approve else ReviewAct.DECLINE)
        v.reviewed_by, v.reviewed_at, v.review_note = actor, _now(), note.strip()[:200]
        v.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note", "updated_at"])
        audit.record(
            actor=actor,
            action="volunteer_review",
            obj=v,
            subject_person_id=v.person_id,
            detail={"status": v.status, "note": v.review_note},
        )
    return v


# ---------------------------------------------------------------------------- activities


def default_rule(community: Place) -> PointsRule:
    rule = PointsRule.objects.filter(community=community, is_default=True).order_by("id").first()
    if rule is None:
        rule = PointsRule.objects.create(
            community=community, name=_("按时长计分"), is_default=True, expiry_days=365
        )
    return rule


def activity_create(
    *,
    actor: Actor,
    community: Place,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    slots: int,
    description: str = "",
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
    skills_wanted: list[str] | None = None,
    difficulty: int = 1,
    organiser_org: Organisation | None = None,
    rule: PointsRule | None = None,
) -> Activity:
    """Publish an activity. Managers publish for the community; holders of a post in a team
    or a co-building unit publish for their organisation."""
    from tongxin.orgs.models import Post

    if organiser_org is None:
        require_manager(actor, community)
    else:
        holds = (
            actor.person_id
            and (
                Post.objects.active().filter(person_id=actor.person_id, organisation=organiser_org)
            ).exists()
        )
        from .policies import manages_community

        if not holds and not manages_community(actor, community):
            raise Forbidden(
                _("只有该组织的成员或社区工作人员可以发布"), code=VolunteeringCode.NOT_ORGANISER
            )
    errors = []
    if not title.strip():
        errors.append({"field": "title", "reason": _("必填")})
    if ends_at <= starts_at:
        errors.append({"field": "ends_at", "reason": _("结束时间应晚于开始时间")})
    if slots < 1:
        errors.append({"field": "slots", "reason": _("名额至少为 1")})
    if difficulty not in (1, 2, 3):
        errors.append({"field": "difficulty", "reason": _("难度应为 1、2 或 3")})
    if any(s not in SKILLS for s in skills_wanted or []):
        errors.append({"field": "skills_wanted", "reason": _("未知技能")})
    if (lat is None) != (lng is None):
        errors.append({"field": "lat", "reason": _("经纬度须同时填写")})
    if errors:
        raise ValidationFailed(
            _("活动信息不完整：") + "；".join(e["reason"] for e in errors), fields=errors
        )
    rule = rule or default_rule(community)
    return Activity.objects.create(
        community=community,
        organiser_org=organiser_org,
        created_by=as_account(actor),
        title=title.strip()[:100],
        description=description,
        address=address[:200],
        lat=lat,
        lng=lng,
        starts_at=starts_at,
        ends_at=ends_at,
        slots=slots,
        skills_wanted=list(skills_wanted or []),
        difficulty=difficulty,
        rule=rule,
        checkin_token=tokens.mint(24),
    )


def _taken(activity: Activity) -> int:
    return Signup.objects.filter(
        activity=activity,
        status__in=[
            SignupStatus.SIGNED_UP,
            SignupStatus.CHECKED_IN,
            SignupStatus.CHECKED_OUT,
            SignupStatus.CONFIRMED,
        ],
    ).count()


def activity_signup(*, actor: Actor, activity: Activity, bank_time: bool = False) -> Signup:
    """Claim a place (认领); when the activity is full, join its waiting list."""
    volunteer = volunteer_of(actor)
    if volunteer.community_id != activity.community_id:
        raise Forbidden(_("只能报名本社区的活动"), code=VolunteeringCode.OTHER_COMMUNITY)
    with transaction.atomic():
        act = Activity.objects.select_for_update().get(pk=activity.pk)
        if act.status != ActivityStatus.RECRUITING or act.ends_at <= _now():
            raise TransitionRefused(
                _("该活动已停止报名"), context={"state": act.status, "action": SignupAct.SIGN_UP}
            )
        status = SignupStatus.SIGNED_UP if _taken(act) < act.slots else SignupStatus.WAITLISTED
        signup = Signup.objects.filter(activity=act, volunteer=volunteer).first()
        if signup is None:
            signup = Signup.objects.create(
                activity=act, volunteer=volunteer, status=status, bank_time=bank_time
            )
        else:
            SIGNUP_MACHINE.move(signup, SignupAct.SIGN_UP, status)
            signup.bank_time = bank_time
            signup.save(update_fields=["status", "bank_time", "updated_at"])
    return signup


def signup_cancel(*, actor: Actor, signup: Signup) -> Signup:
    """Withdraw (the volunteer, or an organiser); the first on the waiting list moves up."""
    if signup.volunteer.person_id != actor.person_id:
        require_organiser(actor, signup.activity)
    with transaction.atomic():
        act = Activity.objects.select_for_update().get(pk=signup.activity_id)
        s = Signup.objects.select_for_update().get(pk=signup.pk)
        had_place = s.status == SignupStatus.SIGNED_UP
        SIGNUP_MACHINE.move(s, SignupAct.CANCEL)
        s.save(update_fields=["status", "updated_at"])
        if had_place:
            nxt = (
                Signup.objects.select_for_update()
                .filter(activity=act, status=SignupStatus.WAITLISTED)
                .order_by("created_at", "id")
                .first()
            )
            if nxt is not None and _taken(act) < act.slots:
                SIGNUP_MACHINE.move(nxt, SignupAct.PROMOTE)
                nxt.save(update_fields=["status", "updated_at"])
    return s


def _check(signup: Signup, *, to: str, at: dt.datetime, method: str) -> Signup:
    with transaction.atomic():
        s = Signup.objects.select_for_update().get(pk=signup.pk)
        SIGNUP_MACHINE.move(
            s, SignupAct.CHECK_IN if to == SignupStatus.CHECKED_IN else SignupAct.CHECK_OUT
        )
        if to == SignupStatus.CHECKED_IN:
            s.checked_in_at, s.check_method = at, method
            s.save(update_fields=["status", "checked_in_at", "check_method", "updated_at"])
        else:
            s.checked_out_at = max(at, s.checked_in_at or at)
            s.minutes = int((s.checked_out_at - (s.checked_in_at or at)).total_seconds() // 60)
            s.save(update_fields=["status", "checked_out_at", "minutes", "updated_at"])
    return s


def signup_check_in(*, actor: Actor, signup: Signup, at: dt.datetime | None = None) -> Signup:
    require_organiser(actor, signup.activity)
    return _check(signup, to=SignupStatus.CHECKED_IN, at=at or _now(), method="organiser")


def signup_check_out(*, actor: Actor, signup: Signup, at: dt.datetime | None = None) -> Signup:
    require_organiser(actor, signup.activity)
    return _check(signup, to=SignupStatus.CHECKED_OUT, at=at or _now(), method="organiser")


def signup_scan(
    *,
    actor: Actor,
    activity: Activity,
    token: str,
    lat: float | None,
    lng: float | None,
    at: dt.datetime | None = None,
) -> Signup:
    """The volunteer scanned the activity's QR code: check in (or, once in, out), when the
    code is right, the time is within the window and the phone is near enough."""
    at = at or _now()
    volunteer = volunteer_of(actor)
    if not secrets.compare_digest(token or "", activity.checkin_token):
        raise CheckinRefused(_("签到码无效，请重新扫码"))
    signup = Signup.objects.filter(activity=activity, volunteer=volunteer).first()
    if signup is None or signup.status not in (SignupStatus.SIGNED_UP, SignupStatus.CHECKED_IN):
        raise CheckinRefused(_("您没有该活动的有效报名"))
    window = dt.timedelta(minutes=activity.checkin_window_min)
    if not (activity.starts_at - window <= at <= activity.ends_at + window):
        raise CheckinRefused(
            _("不在签到时间内（活动开始前后与结束前后各 {checkin_window_min} 分钟）").format(
                checkin_window_min=activity.checkin_window_min
            )
        )
    if activity.lat is not None and activity.lng is not None:
        if lat is None or lng is None:
            raise CheckinRefused(_("请允许获取位置后再签到"))
        far = distance_m(lat, lng, activity.lat, activity.lng)
        if far > activity.checkin_radius_m:
            raise CheckinRefused(
                _("距活动地点约 {distance_m} 米，超出 {checkin_radius_m} 米签到范围").format(
                    distance_m=int(far), checkin_radius_m=activity.checkin_radius_m
                ),
                context={"distance_m": int(far)},
            )
    to = (
        SignupStatus.CHECKED_IN
        if signup.status == SignupStatus.SIGNED_UP
        else SignupStatus.CHECKED_OUT
    )
    return _check(signup, to=to, at=at, method="qr")


def signup_confirm(*, actor: Actor, signup: Signup, minutes: int | None = None) -> Signup:
    """Confirm the minutes served and pay them: points (rule × difficulty, capped per activity
    and per day) from the community's issuing account, or minutes into the time bank."""
    act = signup.activity
    require_organiser(actor, act)
    with transaction.atomic():
        s = Signup.objects.select_for_update().select_related("volunteer").get(pk=signup.pk)
        if minutes is not None:
            if minutes < 0 or minutes > 24 * 60:
                raise ValidationFailed(_("服务时长应在 0 到 1440 分钟之间"))
            s.minutes = minutes
        SIGNUP_MACHINE.move(s, SignupAct.CONFIRM)
        s.confirmed_by, s.confirmed_at = actor, _now()
        person = s.volunteer.person
        community = act.community
        if s.bank_time:
            if s.minutes > 0:
                acct = ledger.person_account(person, community=community, unit=Unit.MINUTES)
                s.award_tx = ledger.transfer(
                    source=ledger.issuer_account(community, Unit.MINUTES),
                    target=acct,
                    amount=s.minutes,
                    kind=TxKind.BANK,
                    reason=_("服务时长存入时间银行：{title}").format(title=act.title),
                    actor=actor,
                    community=community,
                )
        else:
            rule = act.rule
            points = rule.points_for(s.minutes, act.difficulty)
            if rule.cap_per_day is not None:
                day = clock.local(act.starts_at).date()
                start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
                earned = (
                    Signup.objects.filter(
                        volunteer=s.volunteer,
                        status=SignupStatus.CONFIRMED,
                        activity__starts_at__gte=start,
                        activity__starts_at__lt=start + dt.timedelta(days=1),
                    ).aggregate(t=Sum("points"))["t"]
                    or 0
                )
                points = max(0, min(points, rule.cap_per_day - earned))
            s.points = points
            if points > 0:
                expires = (
                    clock.today() + dt.timedelta(days=rule.expiry_days)
                    if rule.expiry_days
                    else None
                )
                s.award_tx = ledger.transfer(
                    source=ledger.issuer_account(community),
                    target=ledger.person_account(person, community=community),
                    amount=points,
                    kind=TxKind.AWARD,
                    reason=_("志愿服务：{title}（{minutes} 分钟）").format(
                        title=act.title, minutes=s.minutes
                    ),
                    actor=actor,
                    community=community,
                    expires_on=expires,
                )
        s.save(
            update_fields=[
                "status",
                "minutes",
                "points",
                "confirmed_by",
                "confirmed_at",
                "award_tx",
                "updated_at",
            ]
        )
    return s


# ---------------------------------------------------------------------------- points


def points_award_fixed(
    *,
    actor: Actor,
    award: FixedAward,
    person: Person | None = None,
    organisation: Organisation | None = None,
    reason: str = "",
) -> LedgerTransaction:
    """Pay a fixed award (每月之星, annual honour, a task) to a person or a co-building unit."""
    community = award.community
    require_manager(actor, community)
    if (person is None) == (organisation is None):
        raise ValidationFailed(_("奖励对象须为一名居民或一个单位"))
    if person is not None:
        if not Volunteer.objects.filter(person=person, community=community).exists():
            raise ValidationFailed(_("该居民不是本社区的志愿者"))
        target = ledger.person_account(person, community=community)
    else:
        assert organisation is not None
        target = ledger.organisation_account(organisation, community=community)
    with transaction.atomic():
        tx = ledger.transfer(
            source=ledger.issuer_account(community),
            target=target,
            amount=award.points,
            kind=TxKind.FIXED,
            reason=reason or award.name,
            actor=actor,
            community=community,
        )
        audit.record(
            actor=actor,
            action="points_award",
            obj=tx,
            subject_person_id=person.pk if person else None,
            detail={"award": award.code, "points": award.points},
        )
    return tx


def points_correct(
    *,
    actor: Actor,
    original: LedgerTransaction,
    reason: str,
    amounts: dict[int, int] | None = None,
) -> LedgerTransaction:
    """Correct a transaction with a new one that references it. Without ``amounts`` it
    reverses the original exactly; with them (account id → signed amount, summing to zero,
    on accounts of the original) it posts those. The approver is the manager who does it."""
    require_manager(actor, original.community)
    if not (reason or "").strip():
        raise ValidationFailed(
            _("更正必须填写原因"), fields=[{"field": "reason", "reason": _("必填")}]
        )
    if original.kind == TxKind.CORRECT:
        raise ValidationFailed(_("不能更正一笔更正，请更正原始记账"))
    if amounts is None:
        legs = ledger.reversal_legs(original)
    else:
        accounts = {
            a.pk: a for a in Account.objects.filter(entries__transaction=original).distinct()
        }
        if set(amounts) - set(accounts):
            raise ValidationFailed(_("更正只能涉及原记账的账户"))
        legs = [Leg(accounts[pk], amt) for pk, amt in amounts.items() if amt]
    with transaction.atomic():
        tx = ledger.post(
            kind=TxKind.CORRECT,
            legs=legs,
            reason=reason,
            actor=actor,
            approved_by=actor,
            corrects=original,
            community=original.community,
        )
        audit.record(
            actor=actor,
            action="points_correct",
            obj=tx,
            detail={"corrects": original.pk, "reason": reason},
        )
    return tx


def timebank_spend(
    *, actor: Actor, provider: Person, minutes: int, reason: str
) -> LedgerTransaction:
    """Pay another volunteer for a service with banked minutes (时间银行)."""
    payer = volunteer_of(actor)
    other = Volunteer.objects.filter(
        person=provider, community=payer.community, status=VolunteerStatus.APPROVED
    ).first()
    if other is None or other.pk == payer.pk:
        raise ValidationFailed(_("服务提供者须为本社区的其他志愿者"))
    community = payer.community
    return ledger.transfer(
        source=ledger.person_account(payer.person, community=community, unit=Unit.MINUTES),
        target=ledger.person_account(provider, community=community, unit=Unit.MINUTES),
        amount=minutes,
        kind=TxKind.SPEND,
        reason=reason or _("时间银行服务"),
        actor=actor,
        community=community,
    )


def points_expire(*, on: dt.date | None = None, actor: Actor | None = None) -> int:
    """Post the expiry of every lapsed point as of ``on`` (today). Returns how many
    transactions were written; running it again writes none."""
    on = on or clock.today()
    written = 0
    for pk in ledger.accounts_with_expiring(on):
        if ledger.expire_account(account=Account.objects.get(pk=pk), on=on, actor=actor):
            written += 1
    return written


# ---------------------------------------------------------------------------- redemption


def reward_redeem(
    *, actor: Actor, reward: Reward, idempotency_key: str
) -> tuple[RewardOrder, bool]:
    """Redeem one ``reward``. Locks the person's account, then the reward row (always in this
    order), checks the balance, the per-person limit and the stock, and writes the order and
    its transaction together. The same ``idempotency_key`` from the same account answers with
    the first order (``created`` False) instead of a second one."""
    volunteer = volunteer_of(actor)
    key = (idempotency_key or "").strip()
    if not key or len(key) > 80:
        raise ValidationFailed(
            _("请求须带 Idempotency-Key（1 到 80 个字符）"),
            fields=[{"field": "header.Idempotency-Key", "reason": _("必填")}],
        )
    existing = RewardOrder.objects.filter(created_by=as_account(actor), idempotency_key=key).first()
    if existing is not None:
        return _replay(existing, reward)
    community = reward.community
    if volunteer.community_id != community.pk:
        raise Forbidden(_("只能兑换本社区积分超市的物品"), code=VolunteeringCode.OTHER_COMMUNITY)
    account = ledger.person_account(volunteer.person, community=community)
    store = ledger.store_account(community)
    try:
        with transaction.atomic():
            acct = Account.objects.select_for_update().get(pk=account.pk)
            again = RewardOrder.objects.filter(
                created_by=as_account(actor), idempotency_key=key
            ).first()
            if again is not None:  # a concurrent twin committed while we waited for the lock
                return _replay(again, reward)
            item = Reward.objects.select_for_update().get(pk=reward.pk)
            if not item.is_active:
                raise OutOfStock(_("该物品已下架"))
            if acct.balance < item.cost:
                raise ledger.InsufficientPoints(
                    _("积分不足：需要 {cost} 分，当前余额 {balance} 分").format(
                        cost=item.cost, balance=acct.balance
                    ),
                    context={"balance": acct.balance, "cost": item.cost},
                )
            if item.per_person_limit is not None:
                had = (
                    RewardOrder.objects.filter(reward=item, person=volunteer.person)
                    .exclude(status=OrderStatus.CANCELLED)
                    .count()
                )
                if had >= item.per_person_limit:
                    raise LimitReached(
                        _("每人限兑 {per_person_limit} 次，您已兑换 {had} 次").format(
                            per_person_limit=item.per_person_limit, had=had
                        ),
                        context={"limit": item.per_person_limit},
                    )
            if item.stock < 1:
                raise OutOfStock(_("库存不足，已兑完"), context={"stock": 0})
            item.stock -= 1
            item.save(update_fields=["stock", "updated_at"])
            tx = ledger.post(
                kind=TxKind.REDEEM,
                legs=[Leg(acct, -item.cost), Leg(store, item.cost)],
                reason=_("兑换：{name}").format(name=item.name),
                actor=actor,
                community=community,
                locked=[acct],
            )
            order = RewardOrder.objects.create(
                reward=item,
                person=volunteer.person,
                person_path=volunteer.person.place_path,
                account=acct,
                points=item.cost,
                created_by=as_account(actor),
                idempotency_key=key,
                redeem_tx=tx,
            )
    except IntegrityError:
        # The unique (account, key) pair: a twin request won the race.
        again = RewardOrder.objects.filter(
            created_by=as_account(actor), idempotency_key=key
        ).first()
        if again is None:
            raise
        return _replay(again, reward)
    return order, True


def _replay(order: RewardOrder, reward: Reward) -> tuple[RewardOrder, bool]:
    if order.reward_id != reward.pk:
        raise DomainError(
            _("该 Idempotency-Key 已用于另一件物品的兑换"),
            code=Code.IDEMPOTENCY_KEY_REUSED,
        )
    return order, False


def order_fulfil(*, actor: Actor, order: RewardOrder, note: str = "") -> RewardOrder:
    require_manager(actor, order.reward.community)
    with transaction.atomic():
        o = RewardOrder.objects.select_for_update().get(pk=order.pk)
        ORDER_MACHINE.move(o, OrderAct.FULFIL)
        o.handled_by, o.handled_at, o.note = actor, _now(), note[:200]
        o.save(update_fields=["status", "handled_by", "handled_at", "note", "updated_at"])
    return o


def order_cancel(*, actor: Actor, order: RewardOrder, reason: str) -> RewardOrder:
    """Cancel a placed order (the person, or a manager): the points come back, and the stock.
    Locks the person's account, then the reward, then the order: the redemption's order."""
    if order.person_id != actor.person_id:
        require_manager(actor, order.reward.community)
    if not (reason or "").strip():
        raise ValidationFailed(
            _("请填写取消原因"), fields=[{"field": "reason", "reason": _("必填")}]
        )
    community = order.reward.community
    store = ledger.store_account(community)
    with transaction.atomic():
        acct = Account.objects.select_for_update().get(pk=order.account_id)
        item = Reward.objects.select_for_update().get(pk=order.reward_id)
        o = RewardOrder.objects.select_for_update().get(pk=order.pk)
        ORDER_MACHINE.move(o, OrderAct.CANCEL)
        o.refund_tx = ledger.post(
            kind=TxKind.REFUND,
            legs=[Leg(store, -o.points), Leg(acct, o.points)],
            reason=_("取消兑换：{name}（{reason}）").format(
                name=item.name, reason=reason.strip()[:80]
            ),
            actor=actor,
            community=community,
            locked=[acct],
        )
        item.stock += 1
        item.save(update_fields=["stock", "updated_at"])
        o.handled_by, o.handled_at, o.note = actor, _now(), reason.strip()[:200]
        o.save(
            update_fields=["status", "refund_tx", "handled_by", "handled_at", "note", "updated_at"]
        )
        audit.record(
            actor=actor,
            action="order_cancel",
            obj=o,
            subject_person_id=o.person_id,
            detail={"points": o.points, "reason": o.note},
        )
    return o


# ---------------------------------------------------------------------------- honours


def honour_give(
    *,
    actor: Actor,
    community: Place,
    kind: str,
    period: str,
    person: Person | None = None,
    organisation: Organisation | None = None,
    citation: str = "",
    award: FixedAward | None = None,
) -> Honour:
    """Name a 每月之星 (or an annual honour, or an outstanding unit), paying the award."""
    require_manager(actor, community)
    if kind not in HonourKind.values:
        raise ValidationFailed(_("未知的荣誉类型"))
    if (person is None) == (organisation is None):
        raise ValidationFailed(_("荣誉须授予一名志愿者或一个单位"))
    import re

    if not re.fullmatch(r"\d{4}(-\d{2})?", period or ""):
        raise ValidationFailed(_("期间格式应为 YYYY-MM 或 YYYY"))
    with transaction.atomic():
        tx = None
        if award is not None:
            tx = points_award_fixed(
                actor=actor,
                award=award,
                person=person,
                organisation=organisation,
                reason=f"{period} {HonourKind(kind).label}",
            )
        return Honour.objects.create(
            community=community,
            kind=kind,
            period=period,
            person=person,
            person_path=person.place_path if person else "",
            organisation=organisation,
            citation=citation[:300],
            award_tx=tx,
            created_by=as_account(actor),
        )
