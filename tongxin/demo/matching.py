"""Service matching in the demo community: needs in several states (posted, verified, listed
— one carried over with priority —, claimed by ``member``, done and rated with points), the
resource list (``member``, a co-building unit), a running 春节 wish campaign with open and
claimed wishes, and a 邻里互助站 with stock, a registered family, a distribution and the
互助基金, and three projects (项目清单: one running with milestones, one closed, one proposed).
Rows are written as the services would leave them (state, events, ledger), without
notifications or queued tasks. Small: a few dozen rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tongxin.accounts.models import User
from tongxin.core import clock
from tongxin.matching.models import (
    CampaignState,
    Distribution,
    Donation,
    FundKind,
    FundRecord,
    Need,
    NeedEvent,
    NeedState,
    Resource,
    Station,
    StationFamily,
    StockItem,
    Wish,
    WishCampaign,
    WishState,
)
from tongxin.matching.workflow import NEED_MACHINE
from tongxin.orgs.models import Organisation, OrgKind
from tongxin.people.models import Household, Person
from tongxin.volunteering import ledger
from tongxin.volunteering.models import Account, TxKind

# (kind, description, urgency, state, by) — by: who posted it.
NEEDS = (
    ("repair", "厨房水龙头漏水，需要上门维修", "urgent", NeedState.POSTED, "resident"),
    ("home_help", "独居老人行动不便，需要每周代买药品", "normal", NeedState.VERIFIED, "building"),
    ("tutoring", "困难家庭孩子需要数学课后辅导", "normal", NeedState.LISTED, "grid1"),
    ("companionship", "空巢老人希望有人陪伴聊天", "low", NeedState.LISTED, "grid1"),
    ("repair", "楼道灯坏了，老人夜间出行不便", "normal", NeedState.CLAIMED, "building"),
    ("service", "教老人使用智能手机挂号", "normal", NeedState.RATED, "resident"),
)
PATH = {
    NeedState.POSTED: ["post"],
    NeedState.VERIFIED: ["post", "verify"],
    NeedState.LISTED: ["post", "verify", "publish"],
    NeedState.CLAIMED: ["post", "verify", "publish", "claim"],
    NeedState.RATED: ["post", "verify", "publish", "claim", "start", "complete", "rate"],
}
WISHES = (
    ("小明", "一套绘画用品", 80),
    ("小红", "一个新书包", 120),
    ("小刚", "一双运动鞋", 200),
    ("王奶奶", "一件厚棉衣", 260),
    ("小丽", "一本新华字典", 40),
    ("小军", "一个足球", 90),
)
GOODS = (  # donor, category, item, quantity, months of shelf life
    ("爱心企业", "daily", "洗衣粉", 40, None),
    ("爱心企业", "daily", "毛巾", 60, None),
    ("李大爷", "clothing", "冬衣", 15, None),
    ("社区超市", "food", "大米 5 kg", 20, 12),
    ("张阿姨", "stationery", "作业本", 100, None),
)


def build(gen: Any) -> dict[str, int]:
    """Called by the demo generator after volunteering (the points rule exists)."""
    if not gen.built.communities:
        return {}
    community = gen.built.communities[0]
    users = {u.username: u for u in User.objects.filter(username__in=_USERS)}
    if len(users) < len(_USERS):
        return {}
    now = clock.now().replace(second=0, microsecond=0)
    today = clock.today()
    member: Any = users["member"].person
    grid1 = gen.built.grids[0]
    homes = list(
        Household.objects.filter(place_path__startswith=grid1.path)
        .exclude(pk__in=[p.household_id for u in users.values() if (p := u.person) is not None])
        .select_related("dwelling")
        .order_by("id")[:12]
    )

    # ------------------------------------------------------------------ needs
    rule = gen_rule(community)
    needs = 0
    for i, (kind, text, urgency, state, by) in enumerate(NEEDS):
        actor = users[by]
        person: Any
        place: Any
        if by == "resident":
            person = actor.person
            household, place = person.household, person.place
        else:
            household = homes[i]
            place = household.dwelling
            person = Person.objects.filter(household=household).order_by("id").first()
        need = Need.objects.create(
            community=community,
            place=place,
            place_path=place.path,
            person=person,
            household=household,
            posted_by=actor,
            kind=kind,
            description=text,
            urgency=urgency,
        )
        at = now - dt.timedelta(days=10 - i)
        previous = ""
        for act in PATH[state]:
            if act != "post":  # through the machine, as the services move it
                NEED_MACHINE.move(need, act)
            if act == "verify":
                need.verify_method, need.verified_by = "visit", users["grid1"]
            if act == "publish":
                need.listed_until = today + dt.timedelta(days=30)
                if kind == "companionship":  # carried over from the last round
                    need.round, need.priority = 2, True
            if act == "claim":
                need.claimed_by_person, need.claimed_at = member, at
                need.contact_by = clock.local_date(at) + dt.timedelta(days=7)
            if act == "complete":
                need.minutes, need.proof = 60, "上门教会老人用手机挂号"
                need.points = rule.points_for(60, 1)
                need.award_tx = ledger.transfer(
                    source=ledger.issuer_account(community),
                    target=ledger.person_account(member, community=community),
                    amount=need.points,
                    kind=TxKind.AWARD,
                    reason=f"需求服务：#{need.pk}（60 分钟）",
                    actor=users["secretary"],
                    community=community,
                    idempotency_key=f"need-award:{need.pk}",
                )
            if act == "rate":
                need.rating, need.rating_comment = 5, "很耐心，谢谢！"
            NeedEvent.objects.create(
                need=need,
                act=act,
                from_state=previous,
                to_state=need.state,
                actor=users["member"] if act in ("claim", "start", "complete") else actor,
                at=at,
            )
            previous = need.state
            at += dt.timedelta(hours=6)
        need.save()
        needs += 1

    # ------------------------------------------------------------------ resources
    Resource.objects.create(
        community=community,
        kind="member",
        person=member,
        person_path=member.place_path,
        need_kinds=["repair", "service", "tutoring"],
        skills=["维修", "电脑手机", "教育辅导"],
        hours_per_month=8,
    )
    unit = Organisation.objects.filter(kind=OrgKind.CO_BUILDING_UNIT, places=community).first()
    if unit is not None:
        Resource.objects.create(
            community=community,
            kind="unit",
            organisation=unit,
            need_kinds=["repair", "goods", "home_help"],
            skills=["维修", "助老助残"],
            hours_per_month=40,
        )

    # ------------------------------------------------------------------ 微心愿
    campaign = WishCampaign.objects.create(
        community=community,
        title="春节微心愿",
        state=CampaignState.RUNNING,
        ends_on=today + dt.timedelta(days=30),
    )
    wishers = [
        p
        for h in homes[len(NEEDS) :]
        if (p := Person.objects.filter(household=h).order_by("-birth_date").first())
    ]
    wishes = 0
    for i, ((name, text, value), person) in enumerate(zip(WISHES, wishers, strict=False)):
        claimed = i < 2
        Wish.objects.create(
            campaign=campaign,
            person=person,
            person_path=person.place_path,
            given_name=name,
            text=text,
            value=value,
            collected_by=users["grid1"],
            verify_method="visit",
            state=WishState.CLAIMED if claimed else WishState.PUBLISHED,
            claimed_by_person=users["secretary"].person if claimed else None,
            claimed_at=now if claimed else None,
            contact_by=today + dt.timedelta(days=7) if claimed else None,
        )
        wishes += 1

    # ------------------------------------------------------------------ 邻里互助站
    station = Station.objects.create(
        community=community, name=f"{community.name}邻里互助站", address="党群服务中心一楼"
    )
    secretary = users["secretary"]
    for donor, category, item, quantity, months in GOODS:
        Donation.objects.create(
            station=station,
            donor_name=donor,
            category=category,
            item=item,
            quantity=quantity,
            condition="new",
            best_before=today + dt.timedelta(days=31 * months) if months else None,
            received_by=secretary,
            at=now - dt.timedelta(days=3),
        )
        StockItem.objects.create(station=station, item=item, quantity=quantity)
    family = StationFamily.objects.create(
        station=station, household=homes[-1], registered_by=secretary, note="低保户"
    )
    Distribution.objects.create(
        station=station, family=family, item="冬衣", quantity=2, handed_by=secretary, at=now
    )
    StockItem.objects.filter(station=station, item="冬衣").update(quantity=15 - 2)
    fund = ledger.fund_account(community)
    issuer = ledger.issuer_account(community, fund.unit)
    for kind, amount, donor, reason, household in (
        (FundKind.DONATION, 3_000_000, "社区党员", "七一党员捐款", None),
        (FundKind.HELP, 200_000, "", "大病救助", homes[-1]),
    ):
        legs = [ledger.Leg(issuer, -amount), ledger.Leg(fund, amount)]
        if kind == FundKind.HELP:
            legs = [ledger.Leg(fund, -amount), ledger.Leg(issuer, amount)]
        tx = ledger.post(
            kind=TxKind.DONATE if kind == FundKind.DONATION else TxKind.HELP,
            legs=legs,
            reason=reason,
            actor=secretary,
            community=community,
        )
        FundRecord.objects.create(
            community=community,
            kind=kind,
            amount=amount,
            donor_name=donor,
            household=household,
            reason=reason,
            tx=tx,
            recorded_by=secretary,
            at=now,
        )
    projects = _projects(community, users, today, now, homes[0] if homes else None)
    return {"needs": needs, "wishes": wishes, "stations": 1, "projects": projects}


# (title, description, budget 元, state, milestones: (title, days from today, done?),
#  money: (kind, 元, contributor or purpose, receipt)); the owners are the community's
#  co-building unit and its party committee.
PROJECTS = (
    (
        "三无小区车棚改造",
        "种子公司宿舍无物业，车棚破损、电动车飞线充电。共建单位出资，社区大党委牵头实施。",
        60_000,
        "running",
        (
            ("方案征求居民意见", -20, True),
            ("车棚主体施工", -3, False),
            ("充电桩安装验收", 25, False),
        ),
        (
            ("raise", 40_000, None, ""),
            ("raise", 5_000, "沿街商户", ""),
            ("spend", 18_600, "车棚钢构材料", "FP-2026-031"),
        ),
    ),
    (
        "楼道灯加装",
        "老旧楼栋楼道无灯，老人夜间出行不便。",
        8_000,
        "closed",
        (("采购灯具", -40, True), ("安装调试", -25, True)),
        (("raise", 8_000, None, ""), ("spend", 7_450, "声控灯具与安装", "FP-2026-018")),
    ),
    (
        "党群服务驿站建设",
        "在小区入口建设党群服务驿站，为快递员、外卖骑手提供歇脚处。",
        120_000,
        "proposed",
        (("选址论证", 30, False),),
        (),
    ),
)


def _projects(
    community: Any, users: dict[str, Any], today: dt.date, now: dt.datetime, home: Any
) -> int:
    """Two or three projects as the services leave them: their ledger accounts and movements,
    milestones, and the closed one's close-off record; a need joins the running
    one (its state ``in_project``): a building head's need for ``home``."""
    from tongxin.matching.models import (
        Milestone,
        MoneyKind,
        Outcome,
        Project,
        ProjectMoney,
        ProjectNeed,
        ProjectState,
    )

    secretary = users["secretary"]
    owners = [
        o
        for kind in (OrgKind.CO_BUILDING_UNIT, OrgKind.PARTY_COMMITTEE)
        if (o := Organisation.objects.filter(places=community, kind=kind).order_by("id").first())
    ]
    if not owners:
        return 0
    issuer = ledger.issuer_account(community, "fen")
    made = 0
    for title, text, budget, state, milestones, money in PROJECTS:
        project = Project.objects.create(
            community=community,
            title=title,
            description=text,
            budget=budget * 100,
            starts_on=today - dt.timedelta(days=45) if state != "proposed" else None,
            ends_on=today + dt.timedelta(days=30 if state != "closed" else -20),
            state=state,
            account=ledger.new_project_account(community),
            proposed_by=secretary,
            approved_by=secretary if state != "proposed" else None,
            approved_at=now - dt.timedelta(days=45) if state != "proposed" else None,
        )
        project.owners.set(owners)
        for m_title, days, done in milestones:
            due = today + dt.timedelta(days=days)
            Milestone.objects.create(
                project=project,
                title=m_title,
                due_on=due,
                done_at=now + dt.timedelta(days=days) if done else None,
                done_by=secretary if done else None,
                evidence="现场照片与验收单已存档" if done else "",
            )
        for kind, amount, who, receipt in money:
            fen = amount * 100
            into = kind == "raise"
            name = who or owners[0].name
            account = Account.objects.get(pk=project.account_id)
            tx = ledger.post(
                kind=TxKind.PROJECT_RAISE if into else TxKind.PROJECT_SPEND,
                legs=[
                    ledger.Leg(issuer, -fen if into else fen),
                    ledger.Leg(account, fen if into else -fen),
                ],
                reason=f"{name}：{title}",
                actor=secretary,
                community=community,
            )
            ProjectMoney.objects.create(
                project=project,
                kind=MoneyKind.RAISE if into else MoneyKind.SPEND,
                amount=fen,
                contributor=name if into else "",
                organisation=owners[0] if into and not who else None,
                purpose="" if into else name,
                receipt_no=receipt,
                tx=tx,
                recorded_by=secretary,
                at=now - dt.timedelta(days=10),
            )
            if into:
                project.raised += fen
            else:
                project.spent += fen
        if state == ProjectState.CLOSED:
            project.summary = "12 个楼道全部装上声控灯，居民验收满意。"
            project.outcome = Outcome.ACHIEVED
            project.beneficiaries = 260
        project.save()
        if state == ProjectState.CLOSED:  # its close-off, as the close act leaves it
            Project.objects.filter(pk=project.pk).update(
                closed_by=secretary, closed_at=now - dt.timedelta(days=20)
            )
        if state == ProjectState.RUNNING and home is not None:
            need = Need.objects.create(
                community=community,
                place=home.dwelling,
                place_path=home.dwelling.path,
                person=Person.objects.filter(household=home).order_by("id").first(),
                household=home,
                posted_by=users["building"],
                kind="other",
                description="楼下电动车飞线充电，存在火灾隐患，希望建车棚和充电桩",
                state=NeedState.VERIFIED,
                verify_method="visit",
                verified_by=users["grid1"],
            )
            NEED_MACHINE.move(need, "adopt")
            need.save(update_fields=["state", "updated_at"])
            ProjectNeed.objects.create(project=project, need=need, added_by=secretary, added_at=now)
            for act, frm, at in (
                ("post", "", now - dt.timedelta(days=50)),
                ("verify", NeedState.POSTED, now - dt.timedelta(days=49)),
                ("adopt", NeedState.VERIFIED, now - dt.timedelta(days=46)),
            ):
                NeedEvent.objects.create(
                    need=need,
                    act=act,
                    from_state=frm,
                    to_state={"post": NeedState.POSTED, "verify": NeedState.VERIFIED}.get(
                        act, need.state
                    ),
                    actor=users["building"] if act == "post" else secretary,
                    note=title if act == "adopt" else "",
                    data={"project": project.pk} if act == "adopt" else {},
                    at=at,
                )
        made += 1
    return made


_USERS = ("resident", "building", "grid1", "secretary", "member")


def gen_rule(community: Any) -> Any:
    from tongxin.volunteering.services import default_rule

    return default_rule(community)
