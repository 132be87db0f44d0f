"""Notices in the demo community: a month of notices with their receipts (most read), the
disclosure list with a year of 三务公开 (one overdue), the service guide's common services,
two studios with bookings, a few hundred daily-log entries over three months, and the
residents' and a stairwell convention.

Everything is written directly, as a loader of a fresh database may: what the services would
have left, dated in the past, with no delivery task or audit row pending."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from tongxin.accounts.models import User
from tongxin.core import clock
from tongxin.notices.models import (
    AdoptionMethod,
    Booking,
    BookingStatus,
    Convention,
    ConventionKind,
    Disclosure,
    DisclosureItem,
    DisclosureStatus,
    LogEntry,
    LogSource,
    Notice,
    NoticeReceipt,
    ServiceGuide,
    Studio,
)
from tongxin.orgs.models import Post
from tongxin.people.models import Person
from tongxin.places.models import Place

NOTICES = (
    ("停水通知", "因管网维修，本周六 9:00—15:00 停水，请提前储水。", "urgent"),
    ("电梯年检通知", "下周二上午电梯年检，届时暂停使用约两小时。", "notice"),
    ("垃圾分类宣传周", "本周开展垃圾分类宣传，欢迎居民到社区广场参加活动。", "announcement"),
    ("流感疫苗接种", "社区卫生服务站为 60 岁以上老人免费接种流感疫苗。", "notice"),
    ("楼道清理", "请各户在周五前清理楼道堆放的杂物，消除消防隐患。", "notice"),
    ("燃气安全检查", "燃气公司将入户检查燃气设施，请家中留人。", "notice"),
    ("社区议事会", "本月议事会讨论停车位划线方案，欢迎居民代表参加。", "announcement"),
)
GUIDE = (
    (
        "dibao",
        "最低生活保障申请",
        "民政",
        "家庭人均收入低于当地低保标准的本市户籍居民",
        ["身份证", "户口簿", "家庭收入证明", "申请书"],
        ["提出申请", "入户调查", "民主评议", "公示", "审批"],
        "community_worker",
    ),
    (
        "juzhu",
        "居住证明",
        "综合",
        "在本社区实际居住的居民",
        ["身份证", "房产证或租赁合同"],
        ["窗口提交材料", "核实", "出具证明"],
        "community_worker",
    ),
    (
        "canji",
        "残疾人证办理",
        "残联",
        "符合残疾评定标准的居民",
        ["身份证", "户口簿", "近期照片"],
        ["社区受理", "指定医院评残", "区残联审核发证"],
        "community_worker",
    ),
    (
        "gaoling",
        "高龄津贴",
        "民政",
        "80 周岁以上的本市户籍老人",
        ["身份证", "户口簿", "银行卡"],
        ["社区申报", "街道审核", "按月发放"],
        "community_worker",
    ),
    (
        "yibao",
        "城乡居民医保参保",
        "医保",
        "未参加职工医保的居民",
        ["身份证", "户口簿"],
        ["窗口登记", "缴费", "次年享受待遇"],
        "community_worker",
    ),
    (
        "jiuye",
        "就业失业登记",
        "人社",
        "劳动年龄内有劳动能力的失业人员",
        ["身份证", "失业证明"],
        ["窗口登记", "发放就业创业证", "推荐岗位"],
        "community_worker",
    ),
    (
        "youdai",
        "老年人优待证",
        "民政",
        "60 周岁以上老人",
        ["身份证", "一寸照片"],
        ["窗口申请", "街道制证"],
        "community_worker",
    ),
    (
        "jisheng",
        "计划生育服务登记",
        "卫健",
        "育龄夫妻",
        ["双方身份证", "结婚证"],
        ["网上或窗口登记"],
        "community_worker",
    ),
)
DISCLOSURE_ITEMS = (
    ("party", "fixed", "党组织年度工作计划"),
    ("party", "periodic", "党费收缴使用情况"),
    ("residents", "periodic", "低保、救助对象名单"),
    ("finance", "periodic", "社区财务收支情况"),
)
LOG_RAISED = (
    ("楼道灯不亮", "已报物业维修", "明天回访"),
    ("下水道堵塞有异味", "联系物业疏通", "三天内回访"),
    ("独居老人行动不便需要送餐", "对接爱心食堂送餐", "每周探访"),
    ("想参加社区老年大学", "登记报名", "开班时通知"),
    ("小区停车难", "记录诉求，提交议事会", "议事会后反馈"),
    ("邻居装修噪音扰民", "上门调解", "一周后回访"),
    ("咨询低保申请条件", "讲解政策，发放申请表", "协助准备材料"),
    ("楼下垃圾清运不及时", "协调环卫增加清运频次", "跟踪一周"),
    ("希望增设健身器材", "收集意见", "提交两委会研究"),
    ("反映电梯经常故障", "联系物业和维保单位", "督促整改"),
)
# The 日志本's difficulties and requests for some of the situations above (no random draw: the
# demo's sequence stays as it was).
LOG_DETAILS = {
    "独居老人行动不便需要送餐": ("独居，腿脚不便，子女在外地", "希望每天有人送餐上门"),
    "咨询低保申请条件": ("夫妻二人失业，孩子上学", "希望尽快办理低保"),
    "小区停车难": ("晚上车位不够，占用消防通道", "希望规划更多车位"),
    "反映电梯经常故障": ("高层老人多，电梯停运时下不了楼", "希望尽快更换电梯部件"),
    "邻居装修噪音扰民": ("家中有高考学生", "希望限定施工时间"),
}
LOG_MET = ("王阿姨", "李大爷", "张师傅", "刘女士", "陈先生", "赵奶奶", "楼栋长", "物业经理")


def build(gen: Any) -> dict[str, int]:
    """Called by the demo generator after the accounts and the cases exist."""
    rng = random.Random(gen.seed * 37 + 11)
    if not gen.built.communities:
        return {}
    community = gen.built.communities[0]
    users = {
        u.username: u for u in User.objects.filter(username__in=["secretary", "grid1", "grid2"])
    }
    secretary = users.get("secretary")
    if secretary is None:
        return {}
    now = clock.now().replace(second=0, microsecond=0)
    counts = {
        "notices": _notices(rng, community, users, now),
        "disclosures": _disclosures(community, secretary, now),
        "guide": _guide(community),
        "bookings": _studios(rng, community, now),
        "log_entries": _log(rng, community, now),
        "conventions": _conventions(community, secretary, now),
    }
    return counts


RESIDENTS_CONVENTION = (
    "一、遵纪守法，爱护公物，维护社区公共秩序。\n"
    "二、邻里和睦，互帮互助，关爱老人和困难家庭。\n"
    "三、垃圾分类投放，不乱扔乱倒，不高空抛物。\n"
    "四、文明养犬，出门牵绳，及时清理犬只粪便。\n"
    "五、车辆有序停放，不占用消防通道。\n"
    "六、积极参加社区议事，有事好商量。"
)
STAIRWELL_CONVENTION = (
    "一、楼道内不堆放杂物，不停放电动车，不在楼道内充电。\n"
    "二、轮流打扫楼道，保持整洁。\n"
    "三、装修提前告知邻居，避开午休和夜间。\n"
    "四、发现安全隐患及时告诉楼栋长。"
)


def _conventions(community: Place, secretary: Any, now: dt.datetime) -> int:
    """The community's residents' convention (adopted by the representatives' meeting) and a
    stairwell convention for its first building (adopted by a vote of its households)."""
    building = (
        Place.objects.filter(kind="building", path__startswith=community.path)
        .order_by("path")
        .first()
    )
    rows = [
        Convention(
            kind=ConventionKind.RESIDENTS,
            place=community,
            title=f"{community.name}居民公约",
            text=RESIDENTS_CONVENTION,
            version="2",
            created_by=secretary,
            created_at=now - dt.timedelta(days=120),
            adopted_on=(now - dt.timedelta(days=100)).date(),
            adoption_method=AdoptionMethod.REPRESENTATIVES_MEETING,
            votes_for=41,
            votes_against=2,
            votes_abstain=3,
            deliberation_ref="居民代表会议纪要（第 3 号）",
            recorded_by=secretary,
        )
    ]
    if building is not None:
        rows.append(
            Convention(
                kind=ConventionKind.STAIRWELL,
                place=building,
                title=f"{building.name}楼道公约",
                text=STAIRWELL_CONVENTION,
                created_by=secretary,
                created_at=now - dt.timedelta(days=60),
                adopted_on=(now - dt.timedelta(days=50)).date(),
                adoption_method=AdoptionMethod.VOTE,
                votes_for=38,
                votes_against=1,
                votes_abstain=2,
                recorded_by=secretary,
            )
        )
    for row in rows:
        row.save()
    return len(rows)


def _notices(rng: random.Random, community: Place, users: dict[str, Any], now: dt.datetime) -> int:
    """A month of notices: the secretary's to grids and buildings, the grid workers' to their
    grids, one to the empty-nest elderly; two thirds of each audience read it."""
    grids = list(
        Place.objects.filter(kind="grid", path__startswith=community.path).order_by("path")
    )
    buildings = list(
        Place.objects.filter(kind="building", path__startswith=community.path).order_by("path")
    )
    made = 0
    for i, (title, body, kind) in enumerate(NOTICES):
        days_ago = 28 - i * 4
        if i % 3 == 0 and buildings:
            place, actor = rng.choice(buildings[:20]), users["secretary"]
        elif "grid1" in users and i % 3 == 1 and grids:
            place, actor = grids[0], users["grid1"]
        elif grids:
            place, actor = rng.choice(grids), users["secretary"]
        else:
            continue
        at = now - dt.timedelta(days=days_ago, hours=rng.randint(0, 8))
        # Announcements go on the community's public board too.
        public = kind == "announcement"
        _publish(
            rng, actor, place, "residents", "", title, body, kind, at, pinned=i == 0, public=public
        )
        made += 1
    _publish(
        rng,
        users["secretary"],
        community,
        "care_tag",
        "empty_nest",
        "冬季关爱走访",
        "社区将在本月上门走访空巢老人，送上防寒物资。",
        "notice",
        now - dt.timedelta(days=2),
    )
    return made + 1


def _publish(
    rng: random.Random,
    actor: Any,
    place: Place,
    audience: str,
    care_tag: str,
    title: str,
    body: str,
    kind: str,
    at: dt.datetime,
    *,
    pinned: bool = False,
    public: bool = False,
) -> Notice:
    """What ``notices.services.notice_publish`` leaves (the notice, a receipt and an inbox
    message per person reached), written as a loader writes: dated ``at``, with no delivery
    task or audit row left behind for a database that was never live."""
    from tongxin.inbox.models import Message
    from tongxin.notices.selectors import audience_of

    people = list(
        audience_of(audience=audience, place=place, care_tag=care_tag).values_list(
            "pk", "place_path"
        )
    )
    notice = Notice.objects.create(
        place=place,
        audience=audience,
        audience_place=place,
        care_tag=care_tag,
        kind=kind,
        title=title,
        body=body,
        pinned=pinned,
        is_public=public,
        published_at=at,
        published_by=actor,
        recipient_count=len(people),
    )
    receipts, messages = [], []
    for pk, path in people:
        read_at = None
        if rng.random() < 0.66:
            read_at = min(at + dt.timedelta(hours=rng.randint(1, 72)), clock.now())
        receipts.append(
            NoticeReceipt(notice=notice, person_id=pk, person_path=path, read_at=read_at)
        )
        messages.append(
            Message(
                recipient_id=pk,
                kind="notice",
                subject=title,
                body=body,
                link=f"/api/v1/notices/{notice.pk}",
                topic=f"notice:{notice.pk}",
                created_at=at,
                read_at=read_at,
            )
        )
    NoticeReceipt.objects.bulk_create(receipts, batch_size=2000)
    Message.objects.bulk_create(messages, batch_size=2000)
    return notice


def _disclosures(community: Place, secretary: Any, now: dt.datetime) -> int:
    """The disclosure list, and the disclosures of the last four closed quarters and of this
    year, all published but one: the residents' affairs of the second-last quarter (overdue)."""
    today = clock.local(now).date()
    items = [
        DisclosureItem.objects.create(community=community, kind=k, cadence=c, title=t)
        for k, c, t in DISCLOSURE_ITEMS
    ]
    quarters = []
    y, q = today.year, (today.month - 1) // 3 + 1
    for _ in range(4):
        q -= 1
        if q == 0:
            y, q = y - 1, 4
        quarters.append((y, q))
    rows = []
    for item in items:
        periods = (
            [str(today.year)] if item.cadence == "fixed" else [f"{y}-Q{q}" for y, q in quarters]
        )
        for n, period in enumerate(periods):
            missing = item.kind == "residents" and n == 1
            rows.append(
                Disclosure(
                    community=community,
                    item=item,
                    kind=item.kind,
                    cadence=item.cadence,
                    period=period,
                    title=f"{item.title}（{period}）",
                    body=f"{item.title}：详见社区公开栏。",
                    status=DisclosureStatus.DRAFT if missing else DisclosureStatus.PUBLISHED,
                    created_by=secretary,
                    approved_by=None if missing else secretary,
                    approval_note="" if missing else "两委会议审议通过",
                    published_at=None if missing else now - dt.timedelta(days=3 + n * 90),
                )
            )
    Disclosure.objects.bulk_create(rows)
    return len(rows)


# The services one may ask for online (they become cases of these categories); the others
# are done at the window only (an assessment, a photo, an original document to see).
GUIDE_ONLINE = {
    "dibao": "livelihood.dibao",
    "juzhu": "livelihood.certificate",
    "gaoling": "livelihood.elderly",
    "yibao": "livelihood.medical_insurance",
    "jiuye": "livelihood.employment",
    "youdai": "livelihood.elderly",
}


def _guide(community: Place) -> int:
    ServiceGuide.objects.bulk_create(
        [
            ServiceGuide(
                community=community,
                code=code,
                title=title,
                category=category,
                conditions=conditions,
                materials=materials,
                steps=steps,
                where="社区党群服务中心一站办窗口",
                hours="工作日 9:00—12:00，14:00—17:30",
                responsible_role=role,
                case_category=GUIDE_ONLINE.get(code, ""),
                search_text=" ".join([title, category, conditions, *materials]),
            )
            for code, title, category, conditions, materials, steps, role in GUIDE
        ]
    )
    return len(GUIDE)


def _studios(rng: random.Random, community: Place, now: dt.datetime) -> int:
    """The secretary's studio (Tuesday and Thursday mornings, one at a time) and the one-stop
    window (weekdays, three at a time); bookings for the next week and the past month."""
    from tongxin.notices import selectors

    secretary = Studio.objects.create(
        community=community,
        kind="secretary",
        name="书记工作室",
        location="社区党群服务中心 201",
        description="书记面对面听取居民意见建议",
        sittings=[{"weekday": d, "start": "09:00", "end": "11:30"} for d in (1, 3)],
        slot_minutes=30,
        capacity=1,
    )
    window = Studio.objects.create(
        community=community,
        kind="one_stop",
        name="一站办窗口",
        location="社区党群服务中心一楼",
        sittings=[
            {"weekday": d, "start": s, "end": e}
            for d in range(5)
            for s, e in (("09:00", "12:00"), ("14:00", "17:00"))
        ],
        slot_minutes=30,
        capacity=3,
    )
    people = list(
        Person.objects.filter(place_path__startswith=community.path, is_active=True)
        .exclude(pk__in=Post.objects.values("person_id"))
        .order_by("pk")[:300]
    )
    rows = []
    today = clock.local(now).date()
    for studio in (secretary, window):
        for offset in range(-30, 8):
            for start in selectors.slot_starts(studio, today + dt.timedelta(days=offset)):
                if rng.random() > 0.35 or not people:
                    continue
                if start > now:
                    status = BookingStatus.BOOKED
                else:
                    status = (
                        BookingStatus.NO_SHOW if rng.random() < 0.12 else BookingStatus.ATTENDED
                    )
                rows.append(
                    Booking(
                        studio=studio,
                        person=rng.choice(people),
                        starts_at=start,
                        status=status,
                        topic=rng.choice(["咨询政策", "办理证明", "反映问题", "提出建议"]),
                        created_at=min(start, now) - dt.timedelta(days=2),
                    )
                )
    Booking.objects.bulk_create(rows)
    return len(rows)


def _log(rng: random.Random, community: Place, now: dt.datetime) -> int:
    """About three hundred entries over ninety days by the grid workers, at buildings of
    their grids."""
    posts = list(
        Post.objects.active()
        .filter(role="grid_worker", place_path__startswith=community.path)
        .select_related("person")
        .order_by("pk")
    )
    authors = {
        u.person_id: u for u in User.objects.filter(person_id__in=[p.person_id for p in posts])
    }
    posts = [p for p in posts if p.person_id in authors]
    if not posts:
        return 0
    buildings: dict[str, list[Place]] = {}
    for b in Place.objects.filter(kind="building", path__startswith=community.path).order_by(
        "path"
    ):
        for p in posts:
            if b.path.startswith(p.place_path):
                buildings.setdefault(p.place_path, []).append(b)
    rows = []
    for i in range(300):
        post = posts[i % len(posts)]
        places = buildings.get(post.place_path) or [post.place]
        place = rng.choice(places)
        raised, done, follow = rng.choice(LOG_RAISED)
        at = now - dt.timedelta(
            days=rng.randint(0, 89), hours=rng.randint(0, 9), minutes=rng.randint(0, 59)
        )
        rows.append(
            LogEntry(
                author=authors[post.person_id],
                place=place,
                place_path=place.path,
                occurred_at=at,
                source=rng.choice(
                    [LogSource.VISIT, LogSource.VISIT, LogSource.CALL, LogSource.SCRATCH]
                ),
                met=rng.choice(LOG_MET),
                visitors="楼栋长" if i % 5 == 0 else "",
                raised=raised,
                difficulties=LOG_DETAILS.get(raised, ("", ""))[0],
                requests=LOG_DETAILS.get(raised, ("", ""))[1],
                done=done,
                follow_up=follow,
                tags=rng.choice(["环境", "养老", "物业", "政策咨询", "邻里"]),
                created_at=at,
            )
        )
    LogEntry.objects.bulk_create(rows)
    return len(rows)
