"""API of volunteering and the points ledger (``/api/v1/points``, ``/rewards``,
``/activities``, ``/signups``, ``/volunteers``, ``/ledger``, ``/timebank``, ``/honours``,
``/leaderboard``). Thin: parse, authorise, call a service or a selector, answer.

Redemption is idempotent: ``POST /rewards/{id}/redeem`` needs an ``Idempotency-Key`` header;
the same key from the same account answers with the first order (201 again, with the header
``Idempotent-Replayed: true``) and never creates a second one.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Router, Status

from tongxin.core import clock
from tongxin.core.actors import Actor
from tongxin.core.api_support import caller, paginate
from tongxin.core.errors import NotFound, ValidationFailed
from tongxin.core.i18n import lazy_str
from tongxin.core.scoping import access
from tongxin.orgs.models import Organisation
from tongxin.people.models import Person

from . import selectors, services
from .models import (
    Activity,
    FixedAward,
    Honour,
    LedgerTransaction,
    Reward,
    RewardOrder,
    Signup,
    Volunteer,
)
from .policies import manages_community, organises, require_manager
from .schemas import (
    ActivityIn,
    ActivityOut,
    ActivityPage,
    ConfirmIn,
    CorrectIn,
    HonourIn,
    HonourOut,
    LeaderboardOut,
    OrderOut,
    OrderPage,
    PointsMeOut,
    ReasonIn,
    ReviewIn,
    RewardPage,
    ScanIn,
    SignupIn,
    SignupOut,
    SpendIn,
    TransactionOut,
    TransactionPage,
    VolunteerIn,
    VolunteerOut,
    VolunteerPage,
)

router = Router(tags=["volunteering"])


# ---------------------------------------------------------------------------- output


def entry_out(e: Any) -> dict[str, Any]:
    tx = e.transaction
    return {
        "id": e.pk,
        "transaction": tx.pk,
        "kind": tx.kind,
        "kind_label": tx.get_kind_display(),
        "reason": tx.reason,
        "amount": e.amount,
        "expires_on": e.expires_on,
        "at": tx.created_at,
    }


def reward_out(r: Reward) -> dict[str, Any]:
    return {
        "id": r.pk,
        "name": r.name,
        "kind": r.kind,
        "kind_label": r.get_kind_display(),
        "description": r.description,
        "cost": r.cost,
        "stock": r.stock,
        "per_person_limit": r.per_person_limit,
    }


def order_out(o: RewardOrder, balance: int | None = None) -> dict[str, Any]:
    return {
        "id": o.pk,
        "reward": o.reward_id,
        "reward_name": o.reward.name,
        "points": o.points,
        "status": o.status,
        "status_label": o.get_status_display(),
        "created_at": o.created_at,
        "redeem_transaction": o.redeem_tx_id,
        "refund_transaction": o.refund_tx_id,
        "balance_after": balance,
    }


def volunteer_out(v: Volunteer) -> dict[str, Any]:
    return {
        "id": v.pk,
        "person": v.person_id,
        "name": v.person.name,
        "community": v.community_id,
        "status": v.status,
        "status_label": v.get_status_display(),
        "skills": list(v.skills or []),
        "availability": v.availability,
        "teams": [{"id": t.pk, "name": t.name} for t in v.teams.all()],
        "is_child": v.is_child,
        "guardian": v.guardian.name if v.guardian_id and v.guardian else None,
    }


def signup_out(s: Signup) -> dict[str, Any]:
    return {
        "id": s.pk,
        "activity": s.activity_id,
        "volunteer": s.volunteer_id,
        "name": s.volunteer.person.name,
        "status": s.status,
        "status_label": s.get_status_display(),
        "bank_time": s.bank_time,
        "checked_in_at": s.checked_in_at,
        "checked_out_at": s.checked_out_at,
        "minutes": s.minutes,
        "points": s.points,
    }


def activity_out(a: Activity, user: Actor, *, detail: bool = False) -> dict[str, Any]:
    counts = selectors.signup_counts(a)
    mine = selectors.own_signup(a, user)
    out = {
        "id": a.pk,
        "title": a.title,
        "description": a.description,
        "community": a.community_id,
        "organiser": a.organiser_org.name if a.organiser_org_id and a.organiser_org else None,
        "address": a.address,
        "lat": a.lat,
        "lng": a.lng,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "slots": a.slots,
        "taken": counts["taken"],
        "waiting": counts["waiting"],
        "skills_wanted": list(a.skills_wanted or []),
        "difficulty": a.difficulty,
        "status": a.status,
        "status_label": a.get_status_display(),
        "my_signup": signup_out(mine) if mine else None,
        "roster": None,
    }
    if detail and organises(user, a):
        out["roster"] = [signup_out(s) for s in selectors.roster(a)]
    return out


def tx_out(tx: LedgerTransaction) -> dict[str, Any]:
    return {
        "id": tx.pk,
        "kind": tx.kind,
        "kind_label": tx.get_kind_display(),
        "unit": tx.unit,
        "reason": tx.reason,
        "created_at": tx.created_at,
        "created_by": tx.created_by.username if tx.created_by_id and tx.created_by else None,
        "approved_by": tx.approved_by.username if tx.approved_by_id and tx.approved_by else None,
        "corrects": tx.corrects_id,
        "entries": [
            {
                "account": e.account_id,
                "account_kind": e.account.kind,
                "holder": e.account.label,
                "amount": e.amount,
            }
            for e in tx.entries.all()
        ],
    }


# ---------------------------------------------------------------------------- access


def access_activity(user: Actor, pk: int) -> Activity:
    return access(Activity.objects.visible_to(user).select_related("community", "rule"), pk)


def access_manager_tx(user: Actor, pk: int) -> LedgerTransaction:
    tx = LedgerTransaction.objects.select_related("community").filter(pk=pk).first()
    if tx is None or not manages_community(user, tx.community):
        raise NotFound()
    return tx


# ---------------------------------------------------------------------------- points


@router.get("/points/me", response=PointsMeOut, summary=lazy_str("我的积分"))
def points_me(request: HttpRequest) -> Any:
    """The caller's points balance, banked minutes (时间银行), confirmed service minutes and
    the latest 20 entries of their points account."""
    s = selectors.my_summary(caller(request), entries=20)
    return {
        "volunteer_status": s.volunteer.status if s.volunteer else None,
        "balance": s.balance,
        "banked_minutes": s.banked_minutes,
        "served_minutes": s.served_minutes,
        "entries": [entry_out(e) for e in s.entries],
    }


@router.get("/points/orders", response=OrderPage, summary=lazy_str("我的兑换订单"))
def my_orders(request: HttpRequest, page: int = 1) -> Any:
    user = caller(request)
    qs = selectors.own_orders(user)
    sl = paginate(qs.order_by("-id"), page)
    return sl.answer([order_out(o) for o in sl.items])


@router.get("/rewards", response=RewardPage, summary=lazy_str("积分兑换目录"))
def list_rewards(request: HttpRequest, page: int = 1) -> Any:
    """The catalogue of the caller's community (goods, canteen meals, services)."""
    sl = paginate(selectors.rewards_for(caller(request)), page)
    return sl.answer([reward_out(r) for r in sl.items])


@router.post(
    "/rewards/{reward_id}/redeem",
    response={201: OrderOut},
    summary=lazy_str("兑换"),
)
def redeem_reward(
    request: HttpRequest,
    reward_id: int,
    response: HttpResponse,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Any:
    """Redeem one item: 201 with the order; 409 ``INSUFFICIENT_POINTS``, ``OUT_OF_STOCK`` or
    ``LIMIT_REACHED``; 422 without an ``Idempotency-Key``. A repeated key answers with the
    first order (and ``Idempotent-Replayed: true``)."""
    user = caller(request)
    reward = access(Reward.objects.visible_to(user).select_related("community"), reward_id)
    order, created = services.reward_redeem(
        actor=user, reward=reward, idempotency_key=idempotency_key or ""
    )
    if not created:
        response["Idempotent-Replayed"] = "true"
    return Status(201, order_out(order, order.account.balance if created else None))


@router.post(
    "/orders/{order_id}/cancel", response=OrderOut, summary=lazy_str("取消兑换（退回积分）")
)
def cancel_order(request: HttpRequest, order_id: int, payload: ReasonIn) -> Any:
    user = caller(request)
    order = access(
        RewardOrder.objects.visible_to(user).select_related("reward__community"), order_id
    )
    return order_out(services.order_cancel(actor=user, order=order, reason=payload.reason))


@router.post("/orders/{order_id}/fulfil", response=OrderOut, summary=lazy_str("兑换品已领取"))
def fulfil_order(request: HttpRequest, order_id: int) -> Any:
    user = caller(request)
    order = access(
        RewardOrder.objects.visible_to(user).select_related("reward__community"), order_id
    )
    return order_out(services.order_fulfil(actor=user, order=order))


# ---------------------------------------------------------------------------- volunteers


@router.get("/volunteers", response=VolunteerPage, summary=lazy_str("社区志愿者"))
def list_volunteers(
    request: HttpRequest, community: int | None = None, status: str | None = None, page: int = 1
) -> Any:
    """The community's volunteers, for its staff (403 ``NOT_COMMUNITY_MANAGER`` otherwise)."""
    user = caller(request)
    place = selectors.access_community(user, community)
    require_manager(user, place)
    qs = selectors.volunteers_of(user, place)
    if status:
        qs = qs.filter(status=status)
    sl = paginate(qs, page)
    return sl.answer([volunteer_out(v) for v in sl.items])


@router.post("/volunteers", response={201: VolunteerOut}, summary=lazy_str("注册志愿者"))
def register_volunteer(request: HttpRequest, payload: VolunteerIn) -> Any:
    """Register the caller, or a child of their household (小小志愿者) with the caller as
    guardian. The community reviews the registration."""
    user = caller(request)
    person = None
    if payload.person is not None:
        person = access(Person.objects.visible_to(user), payload.person)
    v = services.volunteer_register(
        actor=user,
        person=person,
        skills=payload.skills,
        availability=payload.availability,
        team_ids=payload.teams,
    )
    return Status(201, volunteer_out(v))


@router.post(
    "/volunteers/{volunteer_id}/review", response=VolunteerOut, summary=lazy_str("审核志愿者")
)
def review_volunteer(request: HttpRequest, volunteer_id: int, payload: ReviewIn) -> Any:
    user = caller(request)
    v = access(
        Volunteer.objects.visible_to(user).select_related("community", "person"), volunteer_id
    )
    return volunteer_out(
        services.volunteer_review(
            actor=user, volunteer=v, approve=payload.approve, note=payload.note
        )
    )


# ---------------------------------------------------------------------------- activities


@router.get("/activities", response=ActivityPage, summary=lazy_str("志愿活动"))
def list_activities(request: HttpRequest, past: bool = False, page: int = 1) -> Any:
    user = caller(request)
    sl = paginate(selectors.activities_for(user, upcoming=not past), page)
    return sl.answer([activity_out(a, user) for a in sl.items])


@router.post("/activities", response={201: ActivityOut}, summary=lazy_str("发布志愿活动"))
def create_activity(request: HttpRequest, payload: ActivityIn) -> Any:
    user = caller(request)
    org: Organisation | None = None
    if payload.organiser_org is not None:
        org = access(Organisation.objects.visible_to(user), payload.organiser_org)
    community = selectors.access_community(user, payload.community)
    a = services.activity_create(
        actor=user,
        community=community,
        title=payload.title,
        description=payload.description,
        address=payload.address,
        lat=payload.lat,
        lng=payload.lng,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        slots=payload.slots,
        skills_wanted=payload.skills_wanted,
        difficulty=payload.difficulty,
        organiser_org=org,
    )
    return Status(201, activity_out(a, user, detail=True))


@router.get("/activities/{activity_id}", response=ActivityOut, summary=lazy_str("活动详情"))
def get_activity(request: HttpRequest, activity_id: int) -> Any:
    """One activity; its organisers also get the roster."""
    user = caller(request)
    return activity_out(access_activity(user, activity_id), user, detail=True)


@router.post(
    "/activities/{activity_id}/signup", response=SignupOut, summary=lazy_str("报名（认领）")
)
def signup_activity(request: HttpRequest, activity_id: int, payload: SignupIn) -> Any:
    """Claim a place, or join the waiting list when the activity is full."""
    user = caller(request)
    act = access_activity(user, activity_id)
    return signup_out(
        services.activity_signup(actor=user, activity=act, bank_time=payload.bank_time)
    )


@router.post(
    "/activities/{activity_id}/scan", response=SignupOut, summary=lazy_str("扫码签到/签退")
)
def scan_activity(request: HttpRequest, activity_id: int, payload: ScanIn) -> Any:
    """The volunteer's own check-in (then check-out) with the activity's QR code, within
    the time window and the distance of the activity's point."""
    user = caller(request)
    act = access_activity(user, activity_id)
    return signup_out(
        services.signup_scan(
            actor=user, activity=act, token=payload.token, lat=payload.lat, lng=payload.lng
        )
    )


@router.post("/signups/{signup_id}/cancel", response=SignupOut, summary=lazy_str("取消报名"))
def cancel_signup(request: HttpRequest, signup_id: int) -> Any:
    user = caller(request)
    return signup_out(
        services.signup_cancel(actor=user, signup=selectors.access_signup(user, signup_id))
    )


@router.post("/signups/{signup_id}/check-in", response=SignupOut, summary=lazy_str("组织者签到"))
def check_in_signup(request: HttpRequest, signup_id: int) -> Any:
    user = caller(request)
    return signup_out(
        services.signup_check_in(actor=user, signup=selectors.access_signup(user, signup_id))
    )


@router.post("/signups/{signup_id}/check-out", response=SignupOut, summary=lazy_str("组织者签退"))
def check_out_signup(request: HttpRequest, signup_id: int) -> Any:
    user = caller(request)
    return signup_out(
        services.signup_check_out(actor=user, signup=selectors.access_signup(user, signup_id))
    )


@router.post("/signups/{signup_id}/confirm", response=SignupOut, summary=lazy_str("确认时长并记分"))
def confirm_signup(request: HttpRequest, signup_id: int, payload: ConfirmIn) -> Any:
    """Confirm the minutes (optionally corrected) and pay points, or bank the time."""
    user = caller(request)
    s = selectors.access_signup(user, signup_id)
    return signup_out(services.signup_confirm(actor=user, signup=s, minutes=payload.minutes))


# ---------------------------------------------------------------------------- ledger


@router.get("/ledger/transactions", response=TransactionPage, summary=lazy_str("积分账本"))
def list_transactions(
    request: HttpRequest, community: int | None = None, kind: str | None = None, page: int = 1
) -> Any:
    """The community's ledger, for its staff."""
    user = caller(request)
    place = selectors.access_community(user, community)
    require_manager(user, place)
    qs = selectors.transactions_for(place)
    if kind:
        qs = qs.filter(kind=kind)
    sl = paginate(qs, page)
    return sl.answer([tx_out(t) for t in sl.items])


@router.post(
    "/ledger/transactions/{tx_id}/correct",
    response={201: TransactionOut},
    summary=lazy_str("更正记账"),
)
def correct_transaction(request: HttpRequest, tx_id: int, payload: CorrectIn) -> Any:
    """A new transaction that references this one: its exact reversal, or ``amounts``."""
    user = caller(request)
    tx = access_manager_tx(user, tx_id)
    fix = services.points_correct(
        actor=user, original=tx, reason=payload.reason, amounts=payload.amounts
    )
    return Status(201, tx_out(fix))


@router.post("/timebank/spend", response={201: TransactionOut}, summary=lazy_str("时间银行支付"))
def spend_time(request: HttpRequest, payload: SpendIn) -> Any:
    """Pay another volunteer of the community with banked minutes for a service."""
    user = caller(request)
    payer = services.volunteer_of(user)  # a volunteer's own time bank: refuse anyone else first
    other = selectors.volunteer_in(payer.community, person_id=payload.provider)
    if other is None:
        raise ValidationFailed(
            _("服务提供者须为本社区的志愿者"), fields=[{"field": "provider", "reason": _("无效")}]
        )
    provider = other.person
    tx = services.timebank_spend(
        actor=user, provider=provider, minutes=payload.minutes, reason=payload.reason
    )
    return Status(201, tx_out(tx))


# ---------------------------------------------------------------------------- recognition


@router.post("/honours", response={201: HonourOut}, summary=lazy_str("评选荣誉（每月之星等）"))
def give_honour(request: HttpRequest, payload: HonourIn, community: int | None = None) -> Any:
    user = caller(request)
    place = selectors.access_community(user, community)
    require_manager(user, place)
    person: Person | None = None
    org: Organisation | None = None
    award = None
    if payload.person is not None:
        person = access(Person.objects.visible_to(user), payload.person)
    if payload.organisation is not None:
        org = access(Organisation.objects.visible_to(user), payload.organisation)
    if payload.award:
        award = FixedAward.objects.filter(community=place, code=payload.award).first()
        if award is None:
            raise ValidationFailed(
                _("未知的奖励"), fields=[{"field": "award", "reason": _("无效")}]
            )
    h = services.honour_give(
        actor=user,
        community=place,
        kind=payload.kind,
        period=payload.period,
        person=person,
        organisation=org,
        citation=payload.citation,
        award=award,
    )
    return Status(201, honour_out(h))


def honour_out(h: Honour) -> dict[str, Any]:
    return {
        "id": h.pk,
        "kind": h.kind,
        "kind_label": h.get_kind_display(),
        "period": h.period,
        "holder": h.person.name if h.person else (h.organisation.name if h.organisation else ""),
        "points": award_points(h),
    }


def award_points(h: Honour) -> int | None:
    if not h.award_tx_id:
        return None
    e = h.award_tx.entries.filter(amount__gt=0).first() if h.award_tx else None
    return e.amount if e else None


@router.get("/leaderboard", response=LeaderboardOut, summary=lazy_str("积分排行榜"))
def get_leaderboard(
    request: HttpRequest, period: str = "", community: int | None = None, team: int | None = None
) -> Any:
    """Points earned in ``period`` (``YYYY-MM`` monthly, ``YYYY`` annual; default this month)
    by volunteers (optionally of one ``team``) and co-building units of the community."""
    import re

    user = caller(request)
    place = selectors.access_community(user, community)
    period = period or clock.this_month()
    if not re.fullmatch(r"\d{4}(-(0[1-9]|1[0-2]))?", period):
        raise ValidationFailed(
            _("期间格式应为 YYYY-MM 或 YYYY"), fields=[{"field": "period", "reason": _("格式")}]
        )
    board = selectors.leaderboard(place, period=period, team_id=team)
    return {
        "community": place.pk,
        "period": period,
        "persons": [
            {"id": r["person_id"], "name": r["name"], "points": r["points"]}
            for r in board["persons"]
        ],
        "units": [
            {"id": r["organisation_id"], "name": r["name"], "points": r["points"]}
            for r in board["units"]
        ],
    }
