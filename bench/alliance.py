"""Co-building alliance benchmark (issue 16): ``python bench/alliance.py``, ``make bench-alliance``.

Its own PostgreSQL database, ``tongxin_bench_alliance`` (created when missing; SQLite
``var/bench/street-alliance.sqlite3`` with ``--sqlite``). When the database has no places it
generates a street (``tongxin.demo.generator`` at scale ``street``: 10 communities, their
places, organisations and posts, no residents, as bench/matching.py does), then bulk-loads a
street-level alliance (its 大党委 a new party committee under the street office) with
``--units`` member units (200: new organisations of the unit kinds, dealt out to the
communities in turn), each with a signed agreement of the bench year (the last full year) of
4–6 commitments, and a year of the records the scorecards read: volunteering activities the
units organised (~8 each over the quarters, one unit in five short in a quarter), needs they
claimed and saw done (~5), wishes they claimed (~2), closed projects they led, cases they
resolved (some as a called-in department, 吹哨报到), the 大党委's quarterly joint meetings
with a seat per unit (~80 % present, apologies for some), adopted suggestions; and ~2
in-service members per unit (a person, the 报到, pledges, confirmed activity sign-ups).
Then, in process:

a. ``alliance.selectors.cards.compute(alliance, memberships, year)`` for all the units;
b. ``alliance.selectors.member_cards.compute(alliance, members, year)`` for all the
   in-service members the alliance scores;
c. the scorecards page ``GET /alliance/<id>/scorecards/?year=`` through ``django.test.Client``
   as the street officer (a manager of the street);

each side by side with its **anchor**: a./b. the same rows read by raw SQL on the same
connection and grouped by unit / member; c. a bare endpoint added to the URLconf for the run,
serving those raw reads as a plain HTML table through the same middleware and test client.
Interleaved app / anchor, ≥ 20 warm runs each; it prints the median, p95, the ratio of the
medians and the number of SQL statements of each, and the statements of a. and b. for 50 and
for all the units (they must not grow with the units). See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import run as bench_run  # noqa: E402  (bench/run.py: settings, database, ANALYZE)
from matching import report, statements  # noqa: E402  (the same timing and report)

DATABASE = "tongxin_bench_alliance"
CODE = "BENCH-ALLIANCE"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--units", type=int, default=200, help="member units (200)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs of each (≥ 20)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--setup-only", action="store_true")
    return parser.parse_args(argv)


def configure(args: argparse.Namespace) -> str:
    ns = argparse.Namespace(postgres=not args.sqlite, scale="street-alliance")
    return bench_run.configure_django(ns, DATABASE)


# ---------------------------------------------------------------------------- data


def prepare(args: argparse.Namespace) -> None:
    from tongxin.alliance.models import Alliance
    from tongxin.core import clock

    progress = bench_run.progress_printer()
    bench_run.places_and_posts("street", progress)
    if not Alliance.objects.filter(organisation__code=CODE).exists():
        year = clock.today().year - 1
        bench_run.bulk_load(
            "the alliance and its year", lambda: load_alliance(args.units, year, progress)
        )
    print_counts()


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
UNIT_KINDS = ("co_building_unit", "enterprise", "social_org", "department")
UNIT_SUFFIX = {
    "co_building_unit": "共建单位党支部",
    "enterprise": "科技有限公司党支部",
    "social_org": "社会工作服务中心",
    "department": "服务站",
}
# (kind, text, target): every agreement takes 4–6 of these.
COMMITMENTS = (
    ("activities", "每季度开展共建志愿活动不少于2次", 8),
    ("wishes", "认领困难群众微心愿", 2),
    ("projects", "认领并办结群众需求（共建实事）", 4),
    ("hours", "在职党员到社区服务时长", 12),
    ("problems", "协助解决社区治理难题", 2),
    ("resources", "向社区提供共建资源", 1),
)
TITLES = ("进社区义诊", "关爱空巢老人走访", "垃圾分类宣传", "文明交通劝导", "社区环境整治")


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


def _at(year: int, day_of_year: int, hour: int = 9) -> dt.datetime:
    from tongxin.core import clock

    day = dt.date(year, 1, 1) + dt.timedelta(days=day_of_year)
    return clock.start_of_day(day) + dt.timedelta(hours=hour)


def load_alliance(n_units: int, year: int, progress: Any) -> None:
    """The alliance, its units and their year, in bulk (see the module's docstring)."""
    from tongxin.accounts.models import User
    from tongxin.alliance.models import (
        Agreement,
        Alliance,
        AllianceLevel,
        Commitment,
        InServiceMember,
        Membership,
        Pledge,
        PledgeState,
        Suggestion,
    )
    from tongxin.cases.models import Case, CaseCategory, DepartmentCall
    from tongxin.core import tokens
    from tongxin.demo.common import STEP, seg
    from tongxin.matching.models import (
        Need,
        NeedState,
        Project,
        ProjectState,
        Resource,
        ResourceKind,
        Wish,
        WishCampaign,
        WishState,
    )
    from tongxin.meetings.models import (
        Apology,
        Attendance,
        Invitation,
        Meeting,
        MeetingKind,
        MeetingState,
    )
    from tongxin.orgs.models import DepartmentKind, Organisation, OrgKind, Post
    from tongxin.orgs.roles import Role
    from tongxin.people.models import PartyMembership, Person
    from tongxin.places.models import Place
    from tongxin.volunteering.models import (
        Account,
        AccountKind,
        Activity,
        ActivityStatus,
        PointsRule,
        Signup,
        SignupStatus,
        Volunteer,
        VolunteerStatus,
    )
    from tongxin.volunteering.models import Unit as LedgerUnit

    rng = random.Random(bench_run.SEED)
    street = Place.objects.filter(kind="street").order_by("path").first()
    if street is None:
        raise SystemExit("no street generated")
    communities = list(Place.objects.filter(kind="community").order_by("path"))
    office = Organisation.objects.get(kind=OrgKind.STREET_OFFICE, places=street)
    officer = (
        Post.objects.active().filter(role=Role.STREET_OFFICER, place=street).order_by("id").first()
    )
    if officer is None:
        raise SystemExit("the generated street lacks its street officer")
    clerk, _ = User.objects.get_or_create(username="bench_alliance_clerk")
    buildings = {
        c.pk: list(
            Place.objects.filter(kind="building", path__startswith=c.path).order_by("path")[:60]
        )
        for c in communities
    }
    grids = {
        c.pk: list(Place.objects.filter(kind="grid", path__startswith=c.path).order_by("path"))
        for c in communities
    }

    def grid_of(b: Place, c: Place) -> Place | None:
        return next((g for g in grids[c.pk] if b.path.startswith(g.path)), None)

    # The 大党委 and the units: new children of the street office (tree paths by hand, as
    # the generator writes them), each unit covering one community in turn.
    first = office.numchild + 1
    depts = list(DepartmentKind)

    def org(k: int, **fields: Any) -> Organisation:
        path = office.path + seg(first + k)
        return Organisation(path=path, depth=len(path) // STEP, numchild=0, **fields)

    committee = org(
        0, kind=OrgKind.PARTY_COMMITTEE, code=CODE, name=f"{street.name}城市党建联盟大党委"
    )
    units = []
    for i in range(n_units):
        kind = UNIT_KINDS[i % len(UNIT_KINDS)]
        units.append(
            org(
                i + 1, kind=kind, code=f"{CODE}-{i + 1:04d}",
                name=f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{UNIT_SUFFIX[kind]}{i + 1}",
                department_kind=depts[i % len(depts)].value if kind == "department" else "",
            )
        )  # fmt: skip
    Organisation.objects.bulk_create([committee, *units])
    Organisation.objects.filter(pk=office.pk).update(numchild=office.numchild + 1 + n_units)
    community_of = {u.pk: communities[i % len(communities)] for i, u in enumerate(units)}
    through = Organisation.places.through
    through.objects.bulk_create(
        [through(organisation_id=committee.pk, place_id=street.pk)]
        + [through(organisation_id=u.pk, place_id=community_of[u.pk].pk) for u in units]
    )
    alliance = Alliance.objects.create(
        name=f"{street.name}城市党建联盟", level=AllianceLevel.STREET, place=street,
        organisation=committee, leaders="街道党工委书记",
    )  # fmt: skip
    memberships = Membership.objects.bulk_create(
        Membership(alliance=alliance, unit=u, joined_on=dt.date(year - 1, 3, 1)) for u in units
    )
    progress(f"alliance #{alliance.pk}, {len(memberships)} member units")

    # Agreements, signed in January, with 4–6 commitments.
    agreements = Agreement.objects.bulk_create(
        Agreement(membership=m, year=year, signed_on=dt.date(year, 1, 10 + i % 20),
                  created_by=clerk)
        for i, m in enumerate(memberships)
    )  # fmt: skip
    commitments = []
    for a in agreements:
        for kind, text, target in rng.sample(COMMITMENTS, rng.randint(4, 6)):
            commitments.append(
                Commitment(agreement=a, kind=kind, text=text, target=Decimal(target))
            )
    Commitment.objects.bulk_create(commitments, batch_size=1000)

    # Activities: two a quarter, one unit in five short (one) in a quarter.
    rules = {}
    for c in communities:
        rule = PointsRule.objects.filter(community=c).order_by("id").first()
        rules[c.pk] = rule or PointsRule.objects.create(community=c, name="基准积分规则")
    activities = []
    for i, u in enumerate(units):
        c = community_of[u.pk]
        short = rng.randrange(4) if i % 5 == 0 else -1
        for q in range(4):
            for k in range(1 if q == short else 2):
                starts = _at(year, 91 * q + 10 + 30 * k + rng.randrange(20))
                activities.append(
                    Activity(
                        community=c, organiser_org=u, created_by=clerk,
                        title=f"{u.name[:6]}{TITLES[(i + q + k) % len(TITLES)]}",
                        starts_at=starts, ends_at=starts + dt.timedelta(hours=2), slots=20,
                        rule=rules[c.pk], status=ActivityStatus.FINISHED,
                        checkin_token=tokens.mint(20),
                    )
                )  # fmt: skip
    activities = Activity.objects.bulk_create(activities, batch_size=1000)
    acts_of: dict[int, list[Activity]] = defaultdict(list)
    for a in activities:
        acts_of[a.organiser_org_id].append(a)

    # Needs claimed by the units and done (~5 each), wishes claimed (~2 each).
    needs, wishers, campaigns = [], {}, {}
    for c in communities:
        b = buildings[c.pk][0]
        wishers[c.pk] = Person.objects.bulk_create(
            Person(name=_name(rng), place=b, place_path=b.path, grid=grid_of(b, c))
            for _ in range(5)
        )
        campaigns[c.pk] = WishCampaign.objects.create(community=c, title=f"{year}年微心愿")
    wishes = []
    for u in units:
        c = community_of[u.pk]
        for _ in range(rng.randint(3, 7)):
            b = rng.choice(buildings[c.pk])
            claimed = _at(year, rng.randrange(360), 10)
            needs.append(
                Need(
                    community=c, place=b, place_path=b.path, posted_by=clerk, kind="home_help",
                    description="基准测试共建需求", state=rng.choice(
                        (NeedState.DONE, NeedState.RATED, NeedState.CLOSED)),
                    claimed_by_org=u, claimed_at=claimed,
                    contact_by=(claimed + dt.timedelta(days=7)).date(),
                    minutes=rng.choice((60, 90, 120)), proof="已上门服务",
                )
            )  # fmt: skip
        for _ in range(rng.randint(1, 3)):
            wishes.append(
                Wish(
                    campaign=campaigns[c.pk], person=rng.choice(wishers[c.pk]),
                    person_path=wishers[c.pk][0].place_path, text="一套学习用品", value=100,
                    collected_by=clerk, state=rng.choice((WishState.CLAIMED, WishState.FULFILLED)),
                    claimed_by_org=u, claimed_at=_at(year, rng.randrange(360), 11),
                )
            )  # fmt: skip
    Need.objects.bulk_create(needs, batch_size=1000)
    Wish.objects.bulk_create(wishes, batch_size=1000)

    # Closed projects: one for every four units, led by two of them.
    accounts = Account.objects.bulk_create(
        Account(kind=AccountKind.PROJECT, unit=LedgerUnit.FEN, community=community_of[u.pk])
        for u in units[::4]
    )
    projects = Project.objects.bulk_create(
        Project(
            community=acc.community, title=f"共建实事项目{k + 1}", account=acc,
            proposed_by=clerk, state=ProjectState.CLOSED,
            closed_by=clerk, closed_at=_at(year, 60 + rng.randrange(290), 16),
        )
        for k, acc in enumerate(accounts)
    )  # fmt: skip
    owners = Project.owners.through
    owners.objects.bulk_create(
        owners(project_id=p.pk, organisation_id=units[(4 * k + j) % n_units].pk)
        for k, p in enumerate(projects)
        for j in range(2)
    )
    # One resource per unit, offered in the year (created_at set afterwards: auto_now_add).
    resources = Resource.objects.bulk_create(
        Resource(
            community=community_of[u.pk], kind=ResourceKind.UNIT, organisation=u,
            need_kinds=["home_help"], hours_per_month=20, area=community_of[u.pk],
        )
        for u in units
    )  # fmt: skip
    Resource.objects.filter(pk__in=[r.pk for r in resources]).update(created_at=_at(year, 40))

    # Cases the units handled, resolved in the year; one in four a called-in department.
    category = CaseCategory.objects.order_by("id").first()
    if category is None:
        raise SystemExit("no case category (migrations seed them)")
    cases, calls = [], []
    n = 0
    for u in units:
        c = community_of[u.pk]
        for _ in range(rng.randint(1, 4)):
            n += 1
            b = rng.choice(buildings[c.pk])
            reported = _at(year, rng.randrange(350), 8)
            cases.append(
                Case(
                    ref=f"BA{year}{n:06d}", category=category, channel="patrol",
                    state=rng.choice(("resolved", "closed", "closed")),
                    description="基准测试共建单位处置的问题", place=b, place_path=b.path,
                    grid=grid_of(b, c), created_at=reported,
                    assignee_org=u if n % 4 else None,
                    resolved_at=reported + dt.timedelta(days=rng.randint(1, 10)),
                )
            )  # fmt: skip
    cases = Case.objects.bulk_create(cases, batch_size=1000)
    for k, case in enumerate(cases):
        if case.assignee_org_id is None:
            called = units[(k * 7) % n_units]
            calls.append(
                DepartmentCall(case=case, organisation=called, status="done",
                               report_due=case.created_at + dt.timedelta(hours=4))
            )  # fmt: skip
    DepartmentCall.objects.bulk_create(calls, batch_size=1000)
    progress(
        f"{len(commitments)} commitments, {len(activities)} activities, {len(needs)} needs, "
        f"{len(wishes)} wishes, {len(projects)} projects, {len(cases)} cases"
    )

    # Each unit's representative (兼职委员) and the 大党委's quarterly joint meetings.
    reps = []
    for u in units:
        b = buildings[community_of[u.pk].pk][1]
        reps.append(Person(name=_name(rng), place=b, place_path=b.path))
    reps = Person.objects.bulk_create(reps, batch_size=1000)
    Post.objects.bulk_create(
        Post(person=p, role=Role.PART_TIME_MEMBER, organisation=u,
             start_date=dt.date(year - 1, 3, 1))
        for p, u in zip(reps, units, strict=True)
    )  # fmt: skip
    kind = MeetingKind.objects.get(code="joint")
    meetings = Meeting.objects.bulk_create(
        Meeting(
            kind=kind, organisation=committee, org_path=committee.path,
            title=f"{year}年第{q + 1}季度党建联盟联席会", starts_at=_at(year, 91 * q + 45, 15),
            state=MeetingState.HELD, convener_id=officer.person_id, created_by=clerk,
        )
        for q in range(4)
    )  # fmt: skip
    invitations = Invitation.objects.bulk_create(
        Invitation(meeting=m, kind="unit", organisation=u) for m in meetings for u in units
    )
    attendances, apologies = [], []
    for k, inv in enumerate(invitations):
        rep = reps[k % n_units]
        roll = rng.random()
        if roll < 0.8:
            attendances.append(
                Attendance(meeting_id=inv.meeting_id, invitation=inv, person=rep,
                           method="secretary", signed_at=_at(year, 0), recorded_by=clerk)
            )  # fmt: skip
        elif roll < 0.9:
            apologies.append(
                Apology(meeting_id=inv.meeting_id, invitation=inv, person=rep, reason="外出公务")
            )
    Attendance.objects.bulk_create(attendances, batch_size=1000)
    Apology.objects.bulk_create(apologies, batch_size=1000)
    Suggestion.objects.bulk_create(
        Suggestion(
            membership=m, text="建议增设社区充电桩", made_on=dt.date(year, 1 + i % 11, 5),
            adopted_on=dt.date(year, 2 + i % 11, 1) if i % 3 else None,
        )
        for i, m in enumerate(memberships)
        if i % 2 == 0
    )  # fmt: skip

    # In-service members: ~2 per unit, registered (报到) at their community, pledges, and a
    # few confirmed sign-ups at their unit's activities.
    people = []
    for u in units:
        c = community_of[u.pk]
        for _ in range(rng.choice((1, 2, 2, 3))):
            b = rng.choice(buildings[c.pk])
            people.append(
                (u, c, Person(name=_name(rng), place=b, place_path=b.path, grid=grid_of(b, c)))
            )
    persons = Person.objects.bulk_create([p for _, _, p in people], batch_size=1000)
    party_org = {c.pk: Organisation.objects.filter(places=c).order_by("path").first() for c in
                 communities}  # fmt: skip
    PartyMembership.objects.bulk_create(
        (
            PartyMembership(
                person=p, organisation=party_org[c.pk] or committee, in_service=True,
                service_employer=u.name[:100], registered_community=c,
                registered_date=dt.date(year - 1 + (k % 5 == 0), 3 + k % 9, 1),
            )
            for k, ((u, c, _), p) in enumerate(zip(people, persons, strict=True))
        ),
        batch_size=1000,
    )  # fmt: skip
    members = InServiceMember.objects.bulk_create(
        InServiceMember(unit=u, person=p, since=dt.date(year - 1, 3, 1))
        for (u, _, _), p in zip(people, persons, strict=True)
    )
    pledges = []
    for k, m in enumerate(members):
        for j in range(2 + k % 2):
            state = (PledgeState.DELIVERED, PledgeState.PLEDGED, PledgeState.UNMET)[(k + j) % 3]
            pledges.append(
                Pledge(
                    member=m, year=year, text=f"承诺事项{j + 1}", state=state,
                    delivered_on=dt.date(year, 6, 30) if state == PledgeState.DELIVERED else None,
                    explanation="工作调动" if state == PledgeState.UNMET else "",
                )
            )  # fmt: skip
    Pledge.objects.bulk_create(pledges, batch_size=1000)
    volunteers = Volunteer.objects.bulk_create(
        (
            Volunteer(person=p, person_path=p.place_path, community=c,
                      status=VolunteerStatus.APPROVED)
            for (_, c, _), p in zip(people, persons, strict=True)
        ),
        batch_size=1000,
    )  # fmt: skip
    signups = []
    for (u, _, _), v in zip(people, volunteers, strict=True):
        for a in rng.sample(acts_of[u.pk], min(3, len(acts_of[u.pk]))):
            signups.append(
                Signup(activity=a, volunteer=v, status=SignupStatus.CONFIRMED,
                       minutes=rng.choice((60, 120, 180)), confirmed_by=clerk,
                       confirmed_at=a.ends_at)
            )  # fmt: skip
    Signup.objects.bulk_create(signups, batch_size=1000)
    progress(
        f"{len(meetings)} joint meetings, {len(invitations)} seats, {len(attendances)} present, "
        f"{len(apologies)} apologies; {len(members)} in-service members, {len(pledges)} "
        f"pledges, {len(signups)} confirmed sign-ups"
    )


def print_counts() -> None:
    from django.db.models import Count

    from tongxin.alliance.models import (
        Agreement,
        Commitment,
        InServiceMember,
        Membership,
        Pledge,
        Suggestion,
    )
    from tongxin.cases.models import Case, DepartmentCall
    from tongxin.matching.models import Need, Project, Resource, Wish
    from tongxin.meetings.models import Apology, Attendance, Invitation, Meeting
    from tongxin.orgs.models import Post
    from tongxin.places.models import Place
    from tongxin.volunteering.models import Activity, Signup

    print("rows:")
    for row in Place.objects.values("kind").annotate(n=Count("id")).order_by("kind"):
        print(f"  places.{row['kind']:<12} {row['n']:>10,}")
    for label, model in (
        ("posts", Post), ("memberships", Membership), ("agreements", Agreement),
        ("commitments", Commitment), ("activities", Activity), ("needs", Need),
        ("wishes", Wish), ("projects", Project), ("resources", Resource), ("cases", Case),
        ("department calls", DepartmentCall), ("meetings", Meeting),
        ("invitations", Invitation), ("attendances", Attendance), ("apologies", Apology),
        ("suggestions", Suggestion), ("in-service members", InServiceMember),
        ("pledges", Pledge), ("sign-ups", Signup),
    ):  # fmt: skip
        print(f"  {label:<18} {model.objects.count():>10,}")


# ---------------------------------------------------------------------------- anchors


def _in(ids: list[int]) -> str:
    return "(" + ", ".join(["%s"] * len(ids)) + ")" if ids else "(NULL)"


def anchor_unit_rows(
    membership_ids: list[int], unit_ids: list[int], lo: dt.datetime, hi: dt.datetime, year: int
) -> Any:
    """The rows ``cards.compute`` reads, by hand, each read once, grouped by unit: activities,
    wishes, closed projects led, needs done, cases resolved (assigned or called in), the
    seats at held meetings with their meetings, the signed agreements' commitments with the
    in-service members' confirmed service and the resources (the other commitment kinds),
    and the adopted suggestions."""
    from django.db import connection

    units, ms = _in(unit_ids), _in(membership_ids)
    d0, d1 = dt.date(year, 1, 1), dt.date(year, 12, 31)
    reads = (
        (f"SELECT organiser_org_id, id, title, starts_at FROM volunteering_activity "  # noqa: S608 (our SQL)
         f"WHERE organiser_org_id IN {units} AND status IN ('recruiting', 'closed', 'finished') "
         f"AND starts_at >= %s AND starts_at < %s ORDER BY starts_at, id", [*unit_ids, lo, hi]),
        (f"SELECT claimed_by_org_id, id, claimed_at FROM matching_wish WHERE claimed_by_org_id "  # noqa: S608
         f"IN {units} AND state IN ('claimed', 'fulfilled') AND claimed_at >= %s "
         f"AND claimed_at < %s ORDER BY claimed_at, id", [*unit_ids, lo, hi]),
        (f"SELECT o.organisation_id, p.id, p.title, p.closed_at FROM matching_project_owners o "  # noqa: S608
         f"JOIN matching_project p ON p.id = o.project_id WHERE o.organisation_id IN {units} "
         f"AND p.state = 'closed' AND p.closed_at >= %s AND p.closed_at < %s "
         f"ORDER BY p.closed_at, p.id", [*unit_ids, lo, hi]),
        (f"SELECT claimed_by_org_id, id, kind, claimed_at FROM matching_need WHERE "  # noqa: S608
         f"claimed_by_org_id IN {units} AND state IN ('done', 'rated', 'closed') "
         f"AND claimed_at >= %s AND claimed_at < %s ORDER BY claimed_at, id",
         [*unit_ids, lo, hi]),
        (f"SELECT c.assignee_org_id, d.organisation_id, c.id, c.ref, c.resolved_at "  # noqa: S608
         f"FROM cases_case c LEFT JOIN cases_departmentcall d ON d.case_id = c.id "
         f"WHERE c.resolved_at >= %s AND c.resolved_at < %s AND c.state <> 'merged' AND "
         f"(c.assignee_org_id IN {units} OR d.organisation_id IN {units}) "
         f"ORDER BY c.resolved_at, c.id", [lo, hi, *unit_ids, *unit_ids]),
        (f"SELECT i.organisation_id, i.meeting_id, m.title, m.starts_at, "  # noqa: S608
         f"(SELECT count(*) FROM meetings_attendance a WHERE a.invitation_id = i.id), ap.id "
         f"FROM meetings_invitation i JOIN meetings_meeting m ON m.id = i.meeting_id "
         f"LEFT JOIN meetings_apology ap ON ap.invitation_id = i.id WHERE i.kind = 'unit' "
         f"AND i.organisation_id IN {units} AND m.state IN ('held', 'minuted', 'closed') "
         f"AND m.starts_at >= %s AND m.starts_at < %s ORDER BY m.starts_at, m.id",
         [*unit_ids, lo, hi]),
        (f"SELECT a.membership_id, c.id, c.kind, c.text, c.target FROM alliance_agreement a "  # noqa: S608
         f"JOIN alliance_commitment c ON c.agreement_id = a.id WHERE a.membership_id IN {ms} "
         f"AND a.year = %s AND a.signed_on IS NOT NULL ORDER BY a.id, c.id",
         [*membership_ids, year]),
        (f"SELECT m.unit_id, s.id, s.minutes, act.title, act.starts_at, p.name "  # noqa: S608
         f"FROM alliance_inservicemember m JOIN volunteering_volunteer v ON v.person_id = "
         f"m.person_id JOIN volunteering_signup s ON s.volunteer_id = v.id JOIN "
         f"volunteering_activity act ON act.id = s.activity_id JOIN people_person p ON "
         f"p.id = m.person_id WHERE m.unit_id IN {units} AND s.status = 'confirmed' AND "
         f"act.starts_at >= %s AND act.starts_at < %s ORDER BY act.starts_at, s.id",
         [*unit_ids, lo, hi]),
        (f"SELECT m.unit_id, n.id, n.minutes, n.claimed_at, p.name FROM alliance_inservicemember "  # noqa: S608
         f"m JOIN matching_need n ON n.claimed_by_person_id = m.person_id JOIN people_person p "
         f"ON p.id = m.person_id WHERE m.unit_id IN {units} AND n.state IN ('done', 'rated', "
         f"'closed') AND n.claimed_at >= %s AND n.claimed_at < %s ORDER BY n.claimed_at, n.id",
         [*unit_ids, lo, hi]),
        (f"SELECT organisation_id, id, kind, created_at FROM matching_resource WHERE "  # noqa: S608
         f"organisation_id IN {units} AND created_at >= %s AND created_at < %s "
         f"ORDER BY created_at, id", [*unit_ids, lo, hi]),
        (f"SELECT membership_id, id, text FROM alliance_suggestion WHERE membership_id IN {ms} "  # noqa: S608
         f"AND adopted_on >= %s AND adopted_on <= %s ORDER BY adopted_on, id",
         [*membership_ids, d0, d1]),
    )  # fmt: skip

    def run() -> dict[Any, list[Any]]:
        by_unit: dict[Any, list[Any]] = defaultdict(list)
        with connection.cursor() as cur:
            for sql, params in reads:
                cur.execute(sql, params)
                for row in cur.fetchall():
                    # a case's unit: its assignee, else the unit called in on it
                    by_unit[row[0] if row[0] is not None else row[1]].append(row)
        return by_unit

    return run


def anchor_member_rows(person_ids: list[int], lo: dt.datetime, hi: dt.datetime, year: int) -> Any:
    """The rows ``member_cards.compute`` reads, by hand: the members' confirmed sign-ups with
    their activities, the needs they completed, their pledges of the year, their 报到."""
    from django.db import connection

    ps = _in(person_ids)
    reads = (
        (f"SELECT v.person_id, s.id, s.minutes, a.title, a.starts_at, p.name "  # noqa: S608 (our SQL)
         f"FROM volunteering_signup s JOIN volunteering_volunteer v ON v.id = s.volunteer_id "
         f"JOIN volunteering_activity a ON a.id = s.activity_id JOIN people_person p ON "
         f"p.id = v.person_id WHERE v.person_id IN {ps} AND s.status = 'confirmed' AND "
         f"a.starts_at >= %s AND a.starts_at < %s ORDER BY a.starts_at, s.id",
         [*person_ids, lo, hi]),
        (f"SELECT claimed_by_person_id, id, minutes, claimed_at FROM matching_need "  # noqa: S608
         f"WHERE claimed_by_person_id IN {ps} AND state IN ('done', 'rated', 'closed') "
         f"AND claimed_at >= %s AND claimed_at < %s ORDER BY claimed_at, id",
         [*person_ids, lo, hi]),
        (f"SELECT m.person_id, pl.id, pl.text, pl.state, pl.explanation FROM alliance_pledge "  # noqa: S608
         f"pl JOIN alliance_inservicemember m ON m.id = pl.member_id WHERE m.person_id IN {ps} "
         f"AND pl.year = %s ORDER BY pl.id", [*person_ids, year]),
        (f"SELECT pm.person_id, pm.id, pm.registered_date, c.name FROM people_partymembership "  # noqa: S608
         f"pm JOIN places_place c ON c.id = pm.registered_community_id WHERE pm.person_id IN "
         f"{ps} AND pm.registered_date <= %s", [*person_ids, dt.date(year, 12, 31)]),
    )  # fmt: skip

    def run() -> dict[Any, list[Any]]:
        by_person: dict[Any, list[Any]] = defaultdict(list)
        with connection.cursor() as cur:
            for sql, params in reads:
                cur.execute(sql, params)
                for row in cur.fetchall():
                    by_person[row[0]].append(row)
        return by_person

    return run


def install_anchor_page(units: Any, members: Any) -> str:
    """A bare endpoint for the run: the anchors' raw reads, a total per unit and per member,
    rendered as a plain HTML table, through the same middleware and test client."""
    from django.http import HttpResponse
    from django.urls import clear_url_caches, path
    from django.utils.html import escape

    from config import urls

    def view(request: Any) -> HttpResponse:
        unit_rows = sorted(((len(v), str(k)) for k, v in units().items()), reverse=True)
        member_rows = sorted(((len(v), str(k)) for k, v in members().items()), reverse=True)
        body = "".join(
            f"<tr><td>{escape(str(k))}</td><td>{n}</td></tr>"
            for n, k in unit_rows[:20] + member_rows
        )
        return HttpResponse(f"<html><body><table>{body}</table></body></html>")

    urls.urlpatterns.insert(0, path("bench-anchor/scorecards/", view))
    clear_url_caches()
    return "/bench-anchor/scorecards/"


# ---------------------------------------------------------------------------- measuring


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.repeat = max(20, args.repeat)
    label = configure(args)
    print(f"database: {label}")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    prepare(args)
    if args.setup_only:
        return 0
    from cases import make_actors, signed_in

    from tongxin.alliance.models import Agreement, Alliance, Membership
    from tongxin.alliance.policies import manages
    from tongxin.alliance.selectors import cards, member_cards, records

    alliance = Alliance.objects.select_related("place").get(organisation__code=CODE)
    year = Agreement.objects.filter(membership__alliance=alliance).values_list("year", flat=True)[0]
    actors = make_actors()
    officer = actors.street_officer
    print(f"alliance #{alliance.pk} {alliance.name}, year {year}; manager {officer.username} "
          f"(manages: {manages(officer, alliance)})")  # fmt: skip
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    memberships = list(
        Membership.objects.filter(alliance=alliance)
        .select_related("alliance", "unit", "party_org")
        .order_by("id")
    )
    members = member_cards.members_of_alliance(alliance)
    lo, hi = records.bounds(*records.year_bounds(year))

    def unit_anchor(ms: list[Membership]) -> Any:
        return anchor_unit_rows([m.pk for m in ms], [m.unit_id for m in ms], lo, hi, year)

    def member_anchor(mm: list[Any]) -> Any:
        return anchor_member_rows([m.person_id for m in mm], lo, hi, year)

    # Statements must not grow with the units.
    print("\nstatements for 50 and for all the units (must not grow):")
    for n in sorted({min(50, len(memberships)), len(memberships)}):
        ms = memberships[:n]
        unit_ids = {m.unit_id for m in ms}
        mm = [m for m in members if m.unit_id in unit_ids]
        print(
            f"   {n:4d} units: cards.compute {statements(lambda ms=ms: cards.compute(alliance, ms, year)):3d}"  # noqa: E501
            f" · {len(mm):4d} members: member_cards.compute "
            f"{statements(lambda mm=mm: member_cards.compute(alliance, mm, year)):3d}"
        )

    computed = cards.compute(alliance, memberships, year)
    totals = sorted((c.result.total for c in computed), reverse=True)
    print(f"\n   {len(computed)} unit cards: best {totals[0]}, median {totals[len(totals) // 2]}, "
          f"worst {totals[-1]}")  # fmt: skip
    report(
        f"a. cards.compute(alliance, memberships, {year}) for {len(memberships)} units",
        lambda: cards.compute(alliance, memberships, year),
        unit_anchor(memberships),
        args,
    )
    mcards = member_cards.compute(alliance, members, year)
    mtotals = sorted((c.result.total for c in mcards), reverse=True)
    print(f"\n   {len(mcards)} member cards: best {mtotals[0]}, median "
          f"{mtotals[len(mtotals) // 2]}, worst {mtotals[-1]}")  # fmt: skip
    report(
        f"b. member_cards.compute(alliance, members, {year}) for {len(members)} members",
        lambda: member_cards.compute(alliance, members, year),
        member_anchor(members),
        args,
    )

    client = signed_in(officer)
    url = f"/alliance/{alliance.pk}/scorecards/?year={year}"
    anchor_url = install_anchor_page(unit_anchor(memberships), member_anchor(members))
    r = client.get(url)
    a = client.get(anchor_url)
    print(f"\n   GET {url}: {r.status_code}, {len(r.content):,} bytes; "
          f"anchor {anchor_url}: {a.status_code}, {len(a.content):,} bytes")  # fmt: skip
    if r.status_code != 200 or a.status_code != 200:
        raise SystemExit("the scorecards page or its anchor did not answer 200")
    report(
        f"c. GET /alliance/<id>/scorecards/?year={year} as the street officer (test client)",
        lambda: client.get(url),
        lambda: client.get(anchor_url),
        args,
    )
    print("\nload average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
