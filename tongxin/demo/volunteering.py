"""Volunteering in the demo community: teams, volunteers (the ``resident`` and ``member``
accounts among them, with points), past and upcoming activities, a catalogue in stock, an
order, a 每月之星 and a co-building unit's points. Small and fast: a few hundred rows."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from tongxin.accounts.models import User
from tongxin.core import clock, tokens
from tongxin.orgs.models import Organisation, OrgKind
from tongxin.people.models import Person
from tongxin.volunteering import ledger
from tongxin.volunteering.models import (
    SKILLS,
    Activity,
    ActivityStatus,
    FixedAward,
    Honour,
    HonourKind,
    PointsRule,
    Reward,
    RewardKind,
    RewardOrder,
    Signup,
    SignupStatus,
    TxKind,
    Unit,
    Volunteer,
    VolunteerStatus,
)

REWARDS = (
    ("爱心食堂午餐券", RewardKind.MEAL, 20, 200, 4, "百步亭爱心食堂，工作日午餐一份"),
    ("洗衣液 2 kg", RewardKind.GOODS, 60, 40, 2, "积分超市现场领取"),
    ("大米 5 kg", RewardKind.GOODS, 120, 30, 1, "积分超市现场领取"),
    ("上门理发一次", RewardKind.SERVICE, 40, 20, 2, "好邻里服务队上门服务"),
    ("家电清洗一次", RewardKind.SERVICE, 150, 10, 1, "专业工作室上门服务"),
)
ACTIVITIES = (
    ("楼道清洁日", "清洁家园志愿服务队", "保洁", 1, 120),
    ("独居老人探访", "好邻里志愿服务队", "助老助残", 2, 90),
    ("夜间治安巡逻", "治安巡逻队", "治安巡逻", 2, 180),
    ("小小志愿者垃圾分类宣传", "小小志愿者服务队", "摄影宣传", 1, 60),
    ("文艺汇演排练", "文艺志愿服务队", "文艺表演", 1, 120),
    ("家电义务维修", "", "维修", 3, 150),
)


def build(gen: Any) -> dict[str, int]:
    """Called by the demo generator after the accounts exist."""
    rng = random.Random(gen.seed * 31 + 7)
    if not gen.built.communities:
        return {}
    community = gen.built.communities[0]
    secretary = User.objects.filter(username="secretary").first()
    if secretary is None:
        return {}
    now = clock.now().replace(second=0, microsecond=0)
    rule = PointsRule.objects.create(
        community=community,
        name="按时长×难度计分",
        points_per_hour=10,
        cap_per_activity=60,
        cap_per_day=80,
        expiry_days=365,
        is_default=True,
    )
    star = FixedAward.objects.create(
        community=community, code="monthly_star", name="每月之星", points=50
    )
    FixedAward.objects.create(community=community, code="annual", name="年度优秀志愿者", points=200)
    FixedAward.objects.create(community=community, code="task", name="专项任务", points=20)
    FixedAward.objects.create(community=community, code="unit", name="共建单位贡献", points=100)

    teams = {
        o.name.split(community.name[:-2], 1)[-1]: o
        for o in Organisation.objects.filter(
            kind__in=[OrgKind.VOLUNTEER_TEAM, OrgKind.STUDIO], places=community
        )
    }

    # Volunteers: the demo's resident and party member, and some adults of the community.
    by_name = {
        u.username: u.person
        for u in User.objects.filter(username__in=["resident", "member"]).select_related("person")
    }
    named: list[Person] = [p for n in ("resident", "member") if (p := by_name.get(n)) is not None]
    adults = list(
        Person.objects.filter(
            place_path__startswith=community.path,
            birth_date__lte=clock.today() - dt.timedelta(days=365 * 20),
            birth_date__gte=clock.today() - dt.timedelta(days=365 * 70),
        )
        .exclude(pk__in=[p.pk for p in named])
        .order_by("id")[:400]
    )
    people = named + rng.sample(adults, min(30, len(adults)))
    volunteers: list[Volunteer] = []
    team_list = list(teams.values())
    for i, p in enumerate(people):
        v = Volunteer.objects.create(
            person=p,
            person_path=p.place_path,
            community=community,
            status=VolunteerStatus.APPROVED if i < len(people) - 3 else VolunteerStatus.PENDING,
            skills=rng.sample(SKILLS, 2),
            availability=rng.choice(["周末全天", "工作日晚上", "周六上午", "随时"]),
            reviewed_by=secretary if i < len(people) - 3 else None,
            reviewed_at=now if i < len(people) - 3 else None,
        )
        if team_list:
            v.teams.set(rng.sample(team_list, min(len(team_list), 1 + i % 2)))
        volunteers.append(v)
    approved = [v for v in volunteers if v.status == VolunteerStatus.APPROVED]

    issuer = ledger.issuer_account(community)
    activities = []
    for k, (title, team, skill, difficulty, minutes) in enumerate(ACTIVITIES):
        past = k < 3
        start = (
            now - dt.timedelta(days=20 - 5 * k, hours=3)
            if past
            else now + dt.timedelta(days=2 * (k - 2), hours=2)
        )
        org = next((o for n, o in teams.items() if team and team in n), None)
        spot = community.centroid_lat, community.centroid_lng
        activities.append(
            Activity.objects.create(
                community=community,
                organiser_org=org,
                created_by=secretary,
                title=title,
                description=f"{title}，欢迎报名。请准时到场，活动结束后由组织者签退。",
                address=f"{community.name}党群服务中心",
                lat=spot[0],
                lng=spot[1],
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=minutes),
                slots=8 if k != 4 else 2,
                skills_wanted=[skill],
                difficulty=difficulty,
                rule=rule,
                status=ActivityStatus.FINISHED if past else ActivityStatus.RECRUITING,
                checkin_token=tokens.mint(24),
            )
        )

    # Past activities: served, confirmed, paid.
    paid = 0
    for act in activities[:3]:
        crew = approved[:2] + rng.sample(approved[2:], min(5, len(approved) - 2))
        for v in crew:
            served = act.ends_at - act.starts_at
            minutes = int(served.total_seconds() // 60)
            points = rule.points_for(minutes, act.difficulty)
            tx = ledger.transfer(
                source=issuer,
                target=ledger.person_account(v.person, community=community),
                amount=points,
                kind=TxKind.AWARD,
                reason=f"志愿服务：{act.title}（{minutes} 分钟）",
                actor=secretary,
                community=community,
                expires_on=clock.today() + dt.timedelta(days=rule.expiry_days or 365),
            )
            Signup.objects.create(
                activity=act,
                volunteer=v,
                status=SignupStatus.CONFIRMED,
                checked_in_at=act.starts_at,
                checked_out_at=act.ends_at,
                check_method="organiser",
                minutes=minutes,
                confirmed_by=secretary,
                confirmed_at=act.ends_at,
                points=points,
                award_tx=tx,
            )
            paid += 1
    # Upcoming: a few have already claimed places; one is nearly full.
    for act in activities[3:]:
        for v in approved[2:5]:
            Signup.objects.create(activity=act, volunteer=v, status=SignupStatus.SIGNED_UP)

    # The party member is last month's 每月之星; the resident banked two hours.
    member = named[1] if len(named) > 1 else named[0]
    last_month = (clock.today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    tx = ledger.transfer(
        source=issuer,
        target=ledger.person_account(member, community=community),
        amount=star.points,
        kind=TxKind.FIXED,
        reason=f"{last_month} 每月之星",
        actor=secretary,
        community=community,
    )
    Honour.objects.create(
        community=community,
        kind=HonourKind.MONTHLY_STAR,
        period=last_month,
        person=member,
        person_path=member.place_path,
        citation="坚持每周参加楼道清洁和独居老人探访，热心服务邻里。",
        award_tx=tx,
        created_by=secretary,
    )
    ledger.transfer(
        source=ledger.issuer_account(community, Unit.MINUTES),
        target=ledger.person_account(named[0], community=community, unit=Unit.MINUTES),
        amount=120,
        kind=TxKind.BANK,
        reason="服务时长存入时间银行：独居老人探访",
        actor=secretary,
        community=community,
    )
    unit = Organisation.objects.filter(kind=OrgKind.CO_BUILDING_UNIT, places=community).first()
    if unit is not None:
        ledger.transfer(
            source=issuer,
            target=ledger.organisation_account(unit, community=community),
            amount=100,
            kind=TxKind.FIXED,
            reason="共建单位贡献：义诊进社区",
            actor=secretary,
            community=community,
        )

    store = ledger.store_account(community)
    rewards = [
        Reward.objects.create(
            community=community,
            name=name,
            kind=kind,
            cost=cost,
            stock=stock,
            per_person_limit=limit,
            description=desc,
        )
        for name, kind, cost, stock, limit, desc in REWARDS
    ]
    # The member already redeemed a lunch voucher.
    meal = rewards[0]
    acct = ledger.person_account(member, community=community)
    tx = ledger.transfer(
        source=acct,
        target=store,
        amount=meal.cost,
        kind=TxKind.REDEEM,
        reason=f"兑换：{meal.name}",
        actor=secretary,
        community=community,
    )
    Reward.objects.filter(pk=meal.pk).update(stock=meal.stock - 1)
    member_user = User.objects.filter(person=member).first() or secretary
    RewardOrder.objects.create(
        reward=meal,
        person=member,
        person_path=member.place_path,
        account=acct,
        points=meal.cost,
        created_by=member_user,
        idempotency_key="demo-1",
        redeem_tx=tx,
    )
    return {"volunteers": len(volunteers), "activities": len(activities), "awards": paid}
