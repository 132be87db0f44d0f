"""Meetings in the demo community: a year of the committee's quarterly 联席会 with its
co-building units (two of them with liaison accounts, ``liaison1`` and ``liaison2``), the
first grid branch's monthly 主题党日, sign-ins, apologies, minutes and resolutions as action
items — most done, some open, some overdue — and the recurring schedules that expect them
(one theme day missing, so a missed month shows). One planned 联席会 in the next quarter.

Everything is dated from the clock's today, so it is correct on any date; no random draws.
Rows are written as the services would leave them (state, seats, items), without
notifications."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.core import clock
from tongxin.meetings.models import (
    ActionItem,
    ActionState,
    AgendaItem,
    Apology,
    Attendance,
    Cadence,
    Invitation,
    InviteeKind,
    Meeting,
    MeetingKind,
    MeetingState,
    Schedule,
    SignInMethod,
)
from tongxin.meetings.schedules import period_of
from tongxin.orgs.models import Organisation, OrgKind, Post
from tongxin.orgs.roles import Role
from tongxin.people.models import PartyMembership, Person

LIAISONS = 4  # co-building units given a liaison; the first two get accounts
JOINT_DAYS_AGO = (315, 225, 135, 45)  # about quarterly, the last one 45 days ago
JOINT_AGENDA = (
    "通报上季度共建项目和微心愿认领情况",
    "各共建单位报告资源清单变化",
    "研究下季度需协同解决的问题",
)
JOINT_RESOLUTIONS = (
    # (text, owner: "liaison1" / "liaison2" / "secretary", due days after the meeting)
    ("协调单位停车场夜间向居民错峰开放", "liaison1", 30),
    ("认领春节困难家庭微心愿二十个", "liaison2", 60),
    ("汇总各单位志愿服务时长报街道", "secretary", 30),
)
THEME_TOPICS = (
    "学习党的二十届三中全会精神",
    "亮身份、践承诺：楼道清洁志愿服务",
    "重温入党誓词",
    "走访慰问困难党员",
    "垃圾分类宣传进楼栋",
    "学习《中国共产党纪律处分条例》",
)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _liaisons(committee: Organisation, units: list[Organisation], anchor: str) -> list[Person]:
    """One liaison per unit: a resident of the community holding no post, given a post in
    the unit (the demo's units have no staff of their own)."""
    holders = Post.objects.values("person_id")
    candidates = list(
        Person.objects.filter(is_active=True, place_path__startswith=anchor)
        .exclude(pk__in=holders)
        .exclude(user__isnull=False)
        .order_by("id")[: len(units) * 7 : 7]
    )
    people = []
    for unit, person in zip(units, candidates, strict=False):
        existing = Post.objects.filter(organisation=unit).order_by("id").first()
        if existing is not None:
            people.append(existing.person)
            continue
        Post.objects.create(
            person=person,
            role=Role.DEPARTMENT_OFFICER,
            organisation=unit,
            start_date=clock.today() - dt.timedelta(days=400),
            note="共建单位联络员",  # i18n-data
            public_contact=True,
        )
        people.append(person)
    return people


def _accounts(liaisons: list[Person]) -> dict[str, User]:
    made = {}
    for i, person in enumerate(liaisons[:2], 1):
        username = f"liaison{i}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, person=person, display_name=person.name)
            user.set_password(settings.TONGXIN_DEMO_PASSWORD)
            user.save()
        made[username] = user
    return made


class _Writer:
    def __init__(self, secretary: User, person: Person) -> None:
        self.secretary = secretary
        self.person = person
        self.counts = {"meetings": 0, "sign_ins": 0, "apologies": 0, "action_items": 0}

    def meeting(
        self,
        *,
        kind: MeetingKind,
        org: Organisation,
        title: str,
        at: dt.datetime,
        agenda: tuple[str, ...] | list[str],
        place: str,
        state: str,
        minutes: str = "",
    ) -> Meeting:
        m = Meeting.objects.create(
            kind=kind,
            organisation=org,
            title=title,
            starts_at=at,
            ends_at=at + dt.timedelta(hours=1, minutes=30),
            place_text=place,
            state=state,
            convener=self.person,
            created_by=self.secretary,
            minutes=minutes,
            created_at=at - dt.timedelta(days=7),
        )
        AgendaItem.objects.bulk_create(
            AgendaItem(meeting=m, position=i + 1, text=t) for i, t in enumerate(agenda)
        )
        self.counts["meetings"] += 1
        return m

    def seat(self, m: Meeting, **who: Any) -> Invitation:
        kind = InviteeKind.UNIT if "organisation" in who else InviteeKind.PERSON
        return Invitation.objects.create(meeting=m, kind=kind, **who)

    def signed(
        self, m: Meeting, inv: Invitation, person: Person, minutes_late: int, qr: bool
    ) -> None:
        Attendance.objects.create(
            meeting=m,
            invitation=inv,
            person=person,
            method=SignInMethod.QR if qr else SignInMethod.SECRETARY,
            signed_at=m.starts_at - dt.timedelta(minutes=10) + dt.timedelta(minutes=minutes_late),
            recorded_by=self.secretary,
        )
        self.counts["sign_ins"] += 1

    def apology(self, m: Meeting, inv: Invitation, person: Person, reason: str) -> None:
        Apology.objects.create(
            meeting=m,
            invitation=inv,
            person=person,
            reason=reason,
            created_at=m.starts_at - dt.timedelta(days=1),
        )
        self.counts["apologies"] += 1

    def item(
        self, m: Meeting, text: str, owner: Person, due: dt.date, state: str, note: str = ""
    ) -> None:
        closed = None
        if state != ActionState.OPEN:
            closed = min(_at(due, 17) - dt.timedelta(days=3), clock.now())
        ActionItem.objects.create(
            meeting=m,
            text=text,
            owner=owner,
            due=due,
            state=state,
            note=note,
            created_at=m.starts_at + dt.timedelta(hours=2),
            closed_at=closed,
        )
        self.counts["action_items"] += 1


def build(gen: Any) -> dict[str, int]:
    """Called by the demo generator once the accounts exist."""
    if not gen.built.communities:
        return {}
    community = gen.built.communities[0]
    secretary = User.objects.filter(username="secretary").first()
    if secretary is None or secretary.person is None:
        return {}
    committee = Organisation.objects.get(code=f"O{community.code}")
    units = list(
        Organisation.objects.filter(
            kind=OrgKind.CO_BUILDING_UNIT, path__startswith=committee.path
        ).order_by("code")[:LIAISONS]
    )
    liaisons = _liaisons(committee, units, community.path)
    accounts = _accounts(liaisons)
    members = list(
        Post.objects.filter(organisation=committee, role=Role.COMMITTEE_MEMBER)
        .select_related("person")
        .order_by("id")
    )
    kinds = {k.code: k for k in MeetingKind.objects.all()}
    today = clock.today()
    w = _Writer(secretary, secretary.person)
    owners = {"secretary": secretary.person, "liaison1": liaisons[0], "liaison2": liaisons[1]}

    # ------------------------------------------------------------------ 联席会, quarterly
    start = today - dt.timedelta(days=JOINT_DAYS_AGO[0] + 20)
    Schedule.objects.create(
        organisation=committee, kind=kinds["joint"], cadence=Cadence.QUARTERLY, starts_on=start
    )
    place = f"{community.name}党群服务中心三楼会议室"  # i18n-data
    for n, days_ago in enumerate(JOINT_DAYS_AGO):
        day = today - dt.timedelta(days=days_ago)
        last = n == len(JOINT_DAYS_AGO) - 1
        m = w.meeting(
            kind=kinds["joint"],
            org=committee,
            title=f"{community.name}共驻共建联席会（{day.year}年第{(day.month - 1) // 3 + 1}季度）",
            at=_at(day, 15),
            agenda=JOINT_AGENDA,
            place=place,
            state=MeetingState.MINUTED if last else MeetingState.CLOSED,
            minutes=(
                "会议通报了上季度共建项目进展，各共建单位报告了资源清单变化。"
                "会议议定：" + "；".join(t for t, _o, _d in JOINT_RESOLUTIONS) + "。"
            ),
        )
        for k, (unit, liaison) in enumerate(zip(units, liaisons, strict=False)):
            inv = w.seat(m, organisation=unit)
            if k == 1 and n == 1:
                w.apology(m, inv, liaison, "单位年终考核，无法脱身")
            elif k == 3 and n % 2 == 0:
                pass  # an unexcused absence: the alliance's scorecard deducts it
            else:
                w.signed(m, inv, liaison, k, qr=k < 2)
        for k, post in enumerate(members):
            inv = w.seat(m, person=post.person)
            if k != 4 or n == 0:
                w.signed(m, inv, post.person, 5 + k, qr=False)
        for text, owner, after in JOINT_RESOLUTIONS:
            due = day + dt.timedelta(days=after)
            if not last:
                w.item(m, text, owners[owner], due, ActionState.DONE, "已按期完成")
            else:
                # The last meeting's items: two overdue (due 15 days ago), one not yet due.
                w.item(m, text, owners[owner], due, ActionState.OPEN)
        if n == 1:
            w.item(
                m,
                "联合开展消防安全检查",
                owners["liaison1"],
                day + dt.timedelta(days=20),
                ActionState.CANCELLED,
                "并入街道统一检查",
            )
    # The next one: two weeks into the next quarter.
    ahead = period_of(Cadence.QUARTERLY, today).end + dt.timedelta(days=15)
    m = w.meeting(
        kind=kinds["joint"],
        org=committee,
        title=f"{community.name}共驻共建联席会（{ahead.year}年第{(ahead.month - 1) // 3 + 1}季度）",
        at=_at(ahead, 15),
        agenda=JOINT_AGENDA,
        place=place,
        state=MeetingState.PLANNED,
    )
    for unit in units:
        w.seat(m, organisation=unit)
    for post in members:
        w.seat(m, person=post.person)

    # ------------------------------------------------------------------ 主题党日, monthly
    branch = (
        Organisation.objects.filter(kind=OrgKind.BRANCH, path__startswith=committee.path)
        .order_by("path")
        .first()
    )
    if branch is not None:
        party = list(
            PartyMembership.objects.filter(organisation=branch)
            .select_related("person")
            .order_by("person_id")[:12]
        )
        Schedule.objects.create(
            organisation=branch,
            kind=kinds["theme_day"],
            cadence=Cadence.MONTHLY,
            starts_on=today - dt.timedelta(days=330),
        )
        for k in range(1, 12):
            if k == 5:
                continue  # a month without one: the schedule shows it missed
            day = today - dt.timedelta(days=30 * k)
            topic = THEME_TOPICS[k % len(THEME_TOPICS)]
            m = w.meeting(
                kind=kinds["theme_day"],
                org=branch,
                title=f"{branch.name}主题党日：{topic}",
                at=_at(day, 9),
                agenda=[topic],
                place=f"{branch.name}活动室",  # i18n-data
                state=MeetingState.CLOSED if k > 1 else MeetingState.MINUTED,
                minutes=f"组织党员{topic}，党员交流学习体会。",
            )
            for j, pm in enumerate(party):
                inv = w.seat(m, person=pm.person)
                if (j + k) % 6 == 0:
                    w.apology(m, inv, pm.person, "外出务工" if j % 2 else "身体不适")
                elif (j + k) % 9 != 4:
                    w.signed(m, inv, pm.person, j % 15, qr=j % 3 != 0)
    return {**w.counts, "liaison_accounts": len(accounts)}
