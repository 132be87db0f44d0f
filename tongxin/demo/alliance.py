"""The co-building alliance in the demo community: a 城市党建联盟 led by the community's 大党委
with six member units (the four co-building units, the social organisation and the street's
城管 department), a liaison account (``liaison``, of the first unit), this year's signed
agreements, the units' co-building activities through the quarters that have passed (one unit
short in a quarter), in-service members with pledges, adopted suggestions, their seats at the
year's joint meetings (联席会, from the meetings demo) and the computed, published scorecards.
Small: about a hundred rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings

from tongxin.accounts.models import User
from tongxin.alliance.defaults import DEFAULT_FORMULA, PUBLICATION_DAYS
from tongxin.alliance.models import (
    Agreement,
    Alliance,
    AllianceLevel,
    CardState,
    Commitment,
    InServiceMember,
    MemberScorecard,
    Membership,
    Pledge,
    PledgeState,
    Scorecard,
    Suggestion,
)
from tongxin.core import clock, tokens
from tongxin.orgs.models import DepartmentKind, Organisation, OrgKind, Post
from tongxin.orgs.roles import Role
from tongxin.people.models import PartyMembership, Person
from tongxin.volunteering import ledger
from tongxin.volunteering.models import (
    Activity,
    ActivityStatus,
    PointsRule,
    Signup,
    SignupStatus,
    TxKind,
    Volunteer,
    VolunteerStatus,
)

# (kind, text, target) of every unit's agreement.
COMMITMENTS = (  # i18n-data
    ("activities", "每季度开展共建志愿活动不少于2次", "8"),
    ("wishes", "认领困难群众微心愿", "3"),
    ("projects", "认领并办结群众需求（共建实事）", "2"),
    ("hours", "在职党员到社区服务时长", "100"),
    ("problems", "协助解决社区治理难题", "2"),
)
ACTIVITY_TITLES = (  # i18n-data
    "共建单位进社区义诊",
    "关爱空巢老人走访",
    "垃圾分类宣传",
    "文明交通劝导",
    "社区环境整治",
    "法律咨询进社区",
)
PLEDGES = ("每月参加一次社区志愿服务", "结对帮扶一户困难家庭", "参与一次社区议事")  # i18n-data
SUGGESTIONS = (  # i18n-data
    ("建议在小区增设电动车充电桩", True),
    ("建议联合开展老旧小区加装电梯宣传", True),
    ("建议每季度轮值主持联席会议", False),
)


def build(gen: Any) -> dict[str, int]:
    """Called by the demo generator after matching and meetings are built."""
    if not gen.built.communities:
        return {}
    community = gen.built.communities[0]
    secretary = User.objects.filter(username="secretary").first()
    if secretary is None:
        return {}
    committee = Organisation.objects.filter(kind=OrgKind.PARTY_COMMITTEE, places=community).first()
    if committee is None:
        return {}
    today = clock.today()
    year = today.year
    alliance = Alliance.objects.create(
        name=f"{community.name}城市党建联盟",
        level=AllianceLevel.COMMUNITY,
        place=community,
        organisation=committee,
        leaders="张建国（县委组织部）、刘卫东（县住建局）",  # i18n-data
        formula=DEFAULT_FORMULA,
        # The community asks 16 hours a year of an in-service member (eight two-hour
        # activities), so the demo's members spread over the grades.
        hours_target=16,
    )
    partners = list(
        Organisation.objects.filter(
            places=community, kind__in=[OrgKind.CO_BUILDING_UNIT, OrgKind.SOCIAL_ORG]
        ).order_by("kind", "id")
    )
    dept = (
        Organisation.objects.filter(
            kind=OrgKind.DEPARTMENT,
            department_kind=DepartmentKind.URBAN_MANAGEMENT,
            path__startswith=committee.path[:4],
        )
        .order_by("path")
        .first()
    )
    units = partners + ([dept] if dept else [])
    memberships = [
        Membership.objects.create(
            alliance=alliance,
            unit=u,
            leaders=f"{'王李张刘陈杨赵黄'[i % 8]}书记",  # i18n-data
            joined_on=dt.date(year - 2, 3, 1),
        )
        for i, u in enumerate(units)
    ]
    # The liaison of the first unit: a party member of the community holding no post.
    liaison_person = (
        Person.objects.filter(
            place_path__startswith=community.path,
            party_membership__isnull=False,
            is_active=True,
        )
        .exclude(posts__isnull=False)
        .exclude(pk__in=User.objects.filter(person__isnull=False).values("person_id"))
        .order_by("id")
        .first()
    )
    if liaison_person is not None and memberships:
        Post.objects.create(
            person=liaison_person,
            role=Role.LIAISON,
            organisation=memberships[0].unit,
            start_date=dt.date(year - 2, 3, 1),
        )
        u = User(username="liaison", person=liaison_person, display_name=liaison_person.name)
        u.set_password(settings.TONGXIN_DEMO_PASSWORD)
        u.save()

    signed_on = min(dt.date(year, 1, 15), today)
    rule = PointsRule.objects.filter(community=community).order_by("id").first()
    n_acts = 0
    held_by: dict[int, list[Activity]] = {}
    for i, m in enumerate(memberships):
        agreement = Agreement.objects.create(
            membership=m, year=year, signed_on=signed_on, created_by=secretary
        )
        Commitment.objects.bulk_create(
            [
                Commitment(agreement=agreement, kind=k, text=t, target=Decimal(n))
                for k, t, n in COMMITMENTS
            ]
        )
        if rule is None:
            continue
        # Two activities in every quarter that has begun; the fourth unit only one in Q1.
        for q in range(4):
            for k in range(1 if (i == 3 and q == 0) else 2):
                day = dt.date(year, 3 * q + 1, 10 + 7 * k + i)
                if day >= today:
                    continue
                starts = clock.start_of_day(day) + dt.timedelta(hours=9)
                held_by.setdefault(m.pk, []).append(
                    Activity.objects.create(
                        community=community,
                        organiser_org=m.unit,
                        created_by=secretary,
                        title=ACTIVITY_TITLES[(i + q + k) % len(ACTIVITY_TITLES)],
                        starts_at=starts,
                        ends_at=starts + dt.timedelta(hours=2),
                        slots=20,
                        rule=rule,
                        status=ActivityStatus.FINISHED,
                        checkin_token=tokens.mint(20),
                    )
                )
                n_acts += 1
    # In-service members: the community's in-service party members, spread over the units.
    members = list(
        PartyMembership.objects.filter(
            in_service=True, person__place_path__startswith=community.path
        ).order_by("id")[: 2 * len(memberships)]
    )
    n_members = n_pledges = 0
    for j, pm in enumerate(members):
        m = memberships[j % len(memberships)]
        link = InServiceMember.objects.create(
            unit=m.unit, person_id=pm.person_id, since=pm.registered_date
        )
        n_members += 1
        # Service: three to all eight of the unit's activities held so far this year.
        held = held_by.get(m.pk, [])
        _serve(pm.person, held[: 3 + (5 * j) % 6], community, rule, secretary)
        for k, text in enumerate(PLEDGES[: 2 + j % 2]):
            delivered = k == 0 and today.month >= 7
            Pledge.objects.create(
                member=link,
                year=year,
                text=text,
                state=PledgeState.DELIVERED if delivered else PledgeState.PLEDGED,
                delivered_on=dt.date(year, 6, 30) if delivered else None,
            )
            n_pledges += 1
    for k, (text, adopted) in enumerate(SUGGESTIONS):
        m = memberships[k % len(memberships)]
        made = min(dt.date(year, 1 + 3 * k, 5), today)
        Suggestion.objects.create(
            membership=m, text=text, made_on=made, adopted_on=made if adopted else None
        )
    claimed = _claim_wishes(memberships)
    invited = _seat_units_at_joint_meetings(alliance, memberships, year, secretary)
    cards = _publish_cards(alliance, memberships, year)
    return {
        "alliances": 1,
        "units": len(memberships),
        "agreements": len(memberships),
        "activities": n_acts,
        "in_service": n_members,
        "pledges": n_pledges,
        "invitations": invited,
        "wishes": claimed,
        "scorecards": cards,
    }


def _serve(
    person: Person, activities: list[Activity], community: Any, rule: Any, secretary: Any
) -> None:
    """``person`` served at each of ``activities``, confirmed and paid through the ledger
    (the service an in-service member's card counts)."""
    if not activities or rule is None:
        return
    volunteer, _created = Volunteer.objects.get_or_create(
        person=person,
        defaults={
            "person_path": person.place_path,
            "community": community,
            "status": VolunteerStatus.APPROVED,
            "reviewed_by": secretary,
            "reviewed_at": clock.now(),
        },
    )
    issuer = ledger.issuer_account(community)
    for act in activities:
        minutes = int((act.ends_at - act.starts_at).total_seconds() // 60)
        points = rule.points_for(minutes, act.difficulty)
        tx = ledger.transfer(
            source=issuer,
            target=ledger.person_account(person, community=community),
            amount=points,
            kind=TxKind.AWARD,
            reason=f"志愿服务：{act.title}（{minutes} 分钟）",  # i18n-data
            actor=secretary,
            community=community,
            # Paid today, as the volunteering demo's are: a year from today, whatever the day.
            expires_on=clock.today() + dt.timedelta(days=rule.expiry_days or 365),
        )
        Signup.objects.create(
            activity=act,
            volunteer=volunteer,
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


def _claim_wishes(memberships: list[Membership]) -> int:
    """Two of the campaign's published wishes claimed by the first two units (a unit's claim,
    as the wish wall leaves it)."""
    from tongxin.matching.models import Wish, WishState

    wishes = list(Wish.objects.filter(state=WishState.PUBLISHED).order_by("id")[:2])
    now = clock.now()
    for m, wish in zip(memberships, wishes, strict=False):
        Wish.objects.filter(pk=wish.pk).update(
            state=WishState.CLAIMED, claimed_by_org=m.unit, claimed_at=now
        )
    return len(wishes)


def _representatives(community: Any, memberships: list[Membership], year: int) -> list[Any]:
    """A part-time 大党委 member (兼职委员) for every unit: a party member of the community
    holding no post and no account; the first unit's is its liaison when it has one."""
    taken = set(Post.objects.values_list("person_id", flat=True))
    taken |= set(User.objects.filter(person__isnull=False).values_list("person_id", flat=True))
    people = list(
        Person.objects.filter(
            place_path__startswith=community.path,
            party_membership__isnull=False,
            is_active=True,
        )
        .exclude(pk__in=taken)
        .order_by("id")[: len(memberships)]
    )
    for m, person in zip(memberships, people, strict=False):
        Post.objects.create(
            person=person,
            role=Role.PART_TIME_MEMBER,
            organisation=m.unit,
            start_date=dt.date(year - 2, 3, 1),
        )
    return people


def _seat_units_at_joint_meetings(
    alliance: Alliance, memberships: list[Membership], year: int, secretary: Any
) -> int:
    """The units' seats at the year's held 联席会 of the alliance's organisation: those the
    meetings demo convened, or else one in the middle of every quarter that has passed. Every
    unit is invited; its 兼职委员 signs in — except that the last unit sends an apology to the
    second meeting and misses the third without one, and the fourth misses the first."""
    from tongxin.meetings.models import (
        Apology,
        Attendance,
        Invitation,
        Meeting,
        MeetingKind,
        MeetingState,
    )
    from tongxin.meetings.selectors import meetings_held

    kind = MeetingKind.objects.filter(code="joint").first()
    if kind is None:
        return 0
    today = clock.today()
    held = meetings_held([alliance.organisation_id], dt.date(year, 1, 1), today, kind="joint")
    if not held:
        for q in range(4):
            day = dt.date(year, 3 * q + 2, 15)
            if day >= today:
                break
            starts = clock.start_of_day(day) + dt.timedelta(hours=15)
            held.append(
                Meeting.objects.create(
                    kind=kind,
                    organisation=alliance.organisation,
                    title=f"{year}年第{q + 1}季度党建联盟联席会",  # i18n-data
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(hours=2),
                    place_text="社区党群服务中心",  # i18n-data
                    state=MeetingState.CLOSED,
                    convener=secretary.person,
                    created_by=secretary,
                    minutes="通报季度共建情况，交流需求清单和资源清单。",  # i18n-data
                )
            )
    reps = _representatives(alliance.place, memberships, year)
    n = 0
    last = len(memberships) - 1
    for k, meeting in enumerate(held):
        for i, m in enumerate(memberships):
            inv, created = Invitation.objects.get_or_create(
                meeting=meeting, kind="unit", organisation=m.unit
            )
            n += int(created)
            if not created or i >= len(reps):
                continue
            if (i == last and k == 1) and not Apology.objects.filter(invitation=inv).exists():
                Apology.objects.create(
                    meeting=meeting, invitation=inv, person=reps[i], reason="外出公务"
                )  # i18n-data
            elif (i == last and k == 2) or (i == 3 and k == 0):
                continue  # absent without an apology
            else:
                Attendance.objects.create(
                    meeting=meeting,
                    invitation=inv,
                    person=reps[i],
                    method="secretary",
                    signed_at=meeting.starts_at,
                    recorded_by=secretary,
                )
    return n


def _publish_cards(alliance: Alliance, memberships: list[Membership], year: int) -> int:
    """Compute every unit's card from the records above and publish it for objections."""
    from tongxin.alliance.selectors import cards

    now = clock.now()
    until = clock.today() + dt.timedelta(days=PUBLICATION_DAYS)
    rows = [
        Scorecard(
            membership=c.membership,
            year=year,
            total=c.result.total,
            grade=c.result.grade,
            result=c.result.as_dict(),
            state=CardState.PUBLISHED,
            computed_at=now,
            publish_until=until,
        )
        for c in cards.compute(alliance, memberships, year)
    ]
    Scorecard.objects.bulk_create(rows)
    from tongxin.alliance.selectors import member_cards

    members = member_cards.members_of_alliance(alliance)
    MemberScorecard.objects.bulk_create(
        MemberScorecard(
            member=c.member,
            alliance=alliance,
            year=year,
            total=c.result.total,
            grade=c.result.grade,
            result=c.result.as_dict(),
            state=CardState.PUBLISHED,
            computed_at=now,
            publish_until=until,
        )
        for c in member_cards.compute(alliance, members, year)
    )
    return len(rows)
