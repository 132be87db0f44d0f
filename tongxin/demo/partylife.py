"""Party life in the demo community: a year of organisational life for the six grid branches
(支部党员大会 quarterly, 支委会 and 主题党日 monthly, two 党课 — one by the secretary —, the
组织生活会 and the 民主评议), with attendance, apologies and the committee's reviews; the last
branch is behind on its cadence (three months of 主题党日 and a quarter's assembly missing).
Study materials (微学习) with readings, last year's appraisal with grades, and this year's
branch and member scorecards computed and stored. Two accounts: ``branch1``, the first grid
branch's secretary, and ``party1``, a member of that branch.

Dated from the clock's today (the year before it), deterministic, no notifications; rows are
written as the services would leave them (held meetings, each sign-in answering a seat)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.core import clock
from tongxin.meetings.models import (
    AgendaItem,
    Apology,
    Attendance,
    Invitation,
    InviteeKind,
    Meeting,
    MeetingKind,
    MeetingState,
    Schedule,
    SignInMethod,
)
from tongxin.meetings.schedules import periods
from tongxin.orgs.models import Organisation, OrgKind, Post
from tongxin.orgs.roles import Role
from tongxin.partylife.models import (
    Appraisal,
    AppraisalGrade,
    AppraisalResult,
    AppraisalState,
    CardState,
    CentreLink,
    CentreLinkKind,
    LifeFixedDay,
    LifeRecord,
    LifeRequirement,
    PartyCard,
    ReviewState,
    StudyMaterial,
    StudyRead,
)
from tongxin.partylife.selectors import cards
from tongxin.people.models import Household, MembershipStatus, PartyMembership

# i18n-data: the demo's stored texts
TOPICS = {
    "branch_assembly": ("通报支部工作", "讨论发展党员", "研究年度工作计划", "表彰优秀党员"),
    "branch_committee": ("研究本月工作安排", "讨论入党积极分子培养", "研究困难党员帮扶"),
    "party_lecture": ("书记讲党课：坚定理想信念", "党课：学习党章"),
    "theme_day": (
        "学习党的二十届三中全会精神",
        "亮身份、践承诺：楼道清洁志愿服务",
        "重温入党誓词",
        "走访慰问困难党员",
        "垃圾分类宣传进楼栋",
    ),
    "life_meeting": ("年度组织生活会：对照检查，开展批评与自我批评",),
    "appraisal": ("民主评议党员",),
}
REASONS = ("外出务工", "身体不适", "照顾家人", "单位加班")
MATERIALS = (
    ("二十届三中全会公报学习要点", 90),
    ("《中国共产党章程》第一章 党员", 60),
    ("基层党组织“三会一课”制度", 60),
    ("党员中心户“1+10+N”联系服务群众", 45),
)
BEHIND_MONTHS = 3  # the last branch's missing months of 主题党日


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _account(username: str, person: Any) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, person=person, display_name=person.name)
        user.set_password(settings.TONGXIN_DEMO_PASSWORD)
        user.save()
    return user


def build(gen: Any) -> dict[str, int]:
    """Called by the demo generator once the accounts and the meetings exist."""
    if not gen.built.communities:
        return {}
    community = gen.built.communities[0]
    committee = Organisation.objects.filter(code=f"O{community.code}").first()
    if committee is None:
        return {}
    return life_for(
        committee,
        accounts=True,
        scorecards=True,
        recorder=User.objects.filter(username="secretary").first(),
    )


def life_for(
    committee: Organisation, *, accounts: bool, scorecards: bool, recorder: User | None
) -> dict[str, int]:
    """A year of party life for the grid branches under ``committee`` (the benchmark runs it
    for every community of a generated street or district)."""
    today = clock.today()
    start = today - dt.timedelta(days=365)
    branches = list(
        Organisation.objects.filter(kind=OrgKind.BRANCH, path__startswith=committee.path).order_by(
            "path"
        )
    )
    if not branches:
        return {}
    kinds = {k.code: k for k in MeetingKind.objects.all()}
    reqs = list(LifeRequirement.objects.filter(org_kind=OrgKind.BRANCH).select_related("kind"))
    secretaries = {
        p.organisation_id: p.person
        for p in Post.objects.filter(
            organisation__in=branches, role=Role.BRANCH_SECRETARY
        ).select_related("person")
    }
    members: dict[int, list[PartyMembership]] = {b.pk: [] for b in branches}
    for m in (
        PartyMembership.objects.filter(organisation__path__startswith=committee.path)
        .select_related("organisation", "person")
        .order_by("person_id")
    ):
        for b in branches:
            if m.organisation.path.startswith(b.path):
                members[b.pk].append(m)
    convener = recorder
    # The months of 主题党日 the meetings demo already holds for the first branch.
    held_theme = {
        (oid, clock.local_date(at).replace(day=1))
        for oid, at in Meeting.objects.filter(
            kind=kinds["theme_day"], organisation__in=branches
        ).values_list("organisation_id", "starts_at")
    }
    # Branches whose 主题党日 the meetings demo holds on a schedule of its own.
    scheduled = set(
        Schedule.objects.filter(kind=kinds["theme_day"], organisation__in=branches).values_list(
            "organisation_id", flat=True
        )
    )
    counts = {"meetings": 0, "seats": 0, "sign_ins": 0, "apologies": 0}
    behind = branches[-1]
    plan: list[tuple[Organisation, str, dt.date, int]] = []  # branch, kind, day, n in kind
    for bi, b in enumerate(branches):
        for r in reqs:
            code = r.kind.code
            last = today - dt.timedelta(days=1)
            for n, p in enumerate(periods(r.cadence, start, last)):
                lo, hi = max(p.start, start), min(p.end, last)
                for k in range(r.min_count):
                    day = lo + dt.timedelta(days=9 + 14 * k + bi)
                    if day > hi:
                        day = hi - dt.timedelta(days=k)
                    if day < lo:
                        continue
                    if code == "theme_day" and (
                        b.pk in scheduled or (b.pk, day.replace(day=1)) in held_theme
                    ):
                        continue  # the meetings demo's own theme days (one month missed)
                    if b == behind and code == "theme_day" and 2 <= n < 2 + BEHIND_MONTHS:
                        continue  # the branch behind on its cadence
                    if b == behind and code == "branch_assembly" and n == 1:
                        continue
                    plan.append((b, code, day, n + k))
    meetings: list[Meeting] = []
    for b, code, day, n in plan:
        topic = TOPICS[code][n % len(TOPICS[code])]
        at = _at(day, 9 if code != "branch_committee" else 19)
        meetings.append(
            Meeting(
                kind=kinds[code],
                organisation=b,
                org_path=b.path,
                title=f"{b.name}·{topic}"[:120],
                starts_at=at,
                ends_at=at + dt.timedelta(hours=1, minutes=30),
                place_text=f"{b.name}活动室",  # i18n-data
                state=MeetingState.CLOSED if day < today - dt.timedelta(days=30) else "minuted",
                convener=secretaries.get(b.pk) or (convener.person if convener else None),
                created_by=convener,
                minutes=f"会议围绕“{topic}”进行，与会党员交流发言。",  # i18n-data
                created_at=at - dt.timedelta(days=5),
            )
        )
    Meeting.objects.bulk_create(meetings, batch_size=500)
    AgendaItem.objects.bulk_create(
        [AgendaItem(meeting=m, position=1, text=m.title.split("·")[-1]) for m in meetings],
        batch_size=1000,
    )
    counts["meetings"] = len(meetings)
    invitations: list[Invitation] = []
    seat_of: list[tuple[Meeting, PartyMembership, int]] = []
    for i, m in enumerate(meetings):
        people = members[m.organisation_id]
        if m.kind.code == "branch_committee":
            sec = secretaries.get(m.organisation_id)
            chosen = [p for p in people if sec and p.person_id == sec.pk] + people[:4]
            people = list({p.person_id: p for p in chosen}.values())
        for j, pm in enumerate(people):
            invitations.append(Invitation(meeting=m, kind=InviteeKind.PERSON, person=pm.person))
            seat_of.append((m, pm, i + j))
    Invitation.objects.bulk_create(invitations, batch_size=1000)
    counts["seats"] = len(invitations)
    attendance, apologies = [], []
    for inv, (m, pm, k) in zip(invitations, seat_of, strict=True):
        if k % 11 == 3:
            apologies.append(
                Apology(
                    meeting=m,
                    invitation=inv,
                    person=pm.person,
                    reason=REASONS[k % len(REASONS)],
                    created_at=m.starts_at - dt.timedelta(days=1),
                )
            )
        elif k % 17 != 5:
            attendance.append(
                Attendance(
                    meeting=m,
                    invitation=inv,
                    person=pm.person,
                    method=SignInMethod.QR if k % 3 else SignInMethod.SECRETARY,
                    signed_at=m.starts_at - dt.timedelta(minutes=10),
                    recorded_by=convener,
                )
            )
    Attendance.objects.bulk_create(attendance, batch_size=1000)
    Apology.objects.bulk_create(apologies, batch_size=1000)
    counts["sign_ins"], counts["apologies"] = len(attendance), len(apologies)
    first_of = {oid: (ms[0].person if ms else None) for oid, ms in members.items()}
    records = []
    for i, m in enumerate(meetings):
        sec = secretaries.get(m.organisation_id)
        older = m.starts_at < _at(today - dt.timedelta(days=20), 0)
        state = ReviewState.PENDING
        note = ""
        if older:
            state = ReviewState.RETURNED if i % 29 == 7 else ReviewState.ACCEPTED
            note = "签到表未上传，请补充" if state == ReviewState.RETURNED else ""  # i18n-data
        records.append(
            LifeRecord(
                meeting=m,
                topic=m.title.split("·")[-1][:200],
                presenter=sec
                if m.kind.code != "party_lecture" or i % 2 == 0 or not first_of[m.organisation_id]
                else first_of[m.organisation_id],
                recorder=first_of[m.organisation_id],
                review_state=state,
                review_note=note,
                reviewed_by=convener if older else None,
                reviewed_at=m.starts_at + dt.timedelta(days=3) if older else None,
            )
        )
    LifeRecord.objects.bulk_create(records, batch_size=1000)
    counts["life_records"] = len(records)

    # ------------------------------------------------------------------ 微学习
    materials = StudyMaterial.objects.bulk_create(
        [
            StudyMaterial(
                organisation=committee,
                title=title,
                body=f"{title}。\n\n" + "请各支部党员认真学习，结合实际谈体会。" * 8,
                published_on=today - dt.timedelta(days=30 + 60 * i),
                min_seconds=floor,
            )
            for i, (title, floor) in enumerate(MATERIALS)
        ]
    )
    reads = []
    everyone = [pm for b in branches for pm in members[b.pk]]
    for i, mt in enumerate(materials):
        for j, pm in enumerate(everyone):
            if (i + j) % 5 in (0, 4):
                continue  # not opened
            opened = _at(mt.published_on + dt.timedelta(days=1 + j % 9), 20)
            clicked = (i * 7 + j) % 13 == 0  # opened and left at once: not a study
            seconds = 5 if clicked else mt.min_seconds + j % 120
            reads.append(
                StudyRead(
                    material=mt,
                    person=pm.person,
                    opened_at=opened,
                    seconds=seconds,
                    studied_at=None if clicked else opened + dt.timedelta(seconds=seconds),
                )
            )
    StudyRead.objects.bulk_create(reads, batch_size=1000)
    counts["study_materials"], counts["study_reads"] = len(materials), len(reads)

    # ------------------------------------------------------------------ fixed days, 1+10+N
    # Each branch holds its 主题党日 on its own day (the day the plan above uses).
    LifeFixedDay.objects.bulk_create(
        [
            LifeFixedDay(organisation=b, kind=kinds["theme_day"], day=10 + bi)
            for bi, b in enumerate(branches)
            if b.pk not in scheduled
        ]
    )
    counts["centre_links"] = _centre_links(branches, members, start)

    # ------------------------------------------------------------------ 民主评议 (this year)
    year = today.year if today.month >= 12 else today.year - 1
    results = []
    for b in branches:
        a = Appraisal.objects.create(organisation=b, year=year, state=AppraisalState.GRADED)
        full = [pm for pm in members[b.pk] if pm.status == MembershipStatus.FULL]
        excellent = len(full) // 4  # under the third
        for j, pm in enumerate(full):
            grade = (
                AppraisalGrade.EXCELLENT
                if j < excellent
                else AppraisalGrade.BASIC
                if j % 23 == 22
                else AppraisalGrade.QUALIFIED
            )
            results.append(AppraisalResult(appraisal=a, person=pm.person, grade=grade))
    AppraisalResult.objects.bulk_create(results, batch_size=1000)
    counts["appraisal_grades"] = len(results)

    if not accounts:
        return counts
    # ------------------------------------------------------------------ accounts
    first = branches[0]
    if first.pk in secretaries:
        _account("branch1", secretaries[first.pk])
    post_holders = set(
        Post.objects.filter(~Q(role=Role.CENTRE_HOUSEHOLD)).values_list("person_id", flat=True)
    )
    plain = next(
        (
            pm
            for pm in members[first.pk]
            if pm.status == MembershipStatus.FULL
            and pm.person_id not in post_holders
            and not User.objects.filter(person_id=pm.person_id).exists()
        ),
        None,
    )
    if plain is not None:
        _account("party1", plain.person)

    if not scorecards:
        return counts
    # ------------------------------------------------------------------ scorecards
    now = clock.now()
    stored = []
    for yr in sorted({year, today.year}):
        for card in cards.evaluate_branches(branches, yr):
            stored.append(_card(card, None, now, yr, year))
        for card in cards.evaluate_members(everyone, yr):
            stored.append(_card(card, card.subject_id, now, yr, year))
    PartyCard.objects.bulk_create(stored, batch_size=500)
    counts["scorecards"] = len(stored)
    counts["nominations"] = _nominations(committee, first, year)
    return counts


def _nominations(committee: Organisation, first: Organisation, year: int) -> int:
    """评先评优 of the closed year: the first grid branch's list (its two best eligible
    members as 优秀共产党员), approved and in its publicity window; the committee's list of
    先进基层党组织 (its best eligible branch) still a draft."""
    from tongxin.partylife import publicity
    from tongxin.partylife.defaults import (
        NOMINATION_PUBLICITY_DAYS,
        NOMINATION_PUBLICITY_WORKING,
    )
    from tongxin.partylife.models import Nomination, NominationList, NominationState
    from tongxin.partylife.selectors import nominations as sel

    today = clock.today()
    n = 0
    for org, title, state in (
        (first, "excellent_member", NominationState.PUBLISHED),
        (committee, "advanced_org", NominationState.DRAFT),
    ):
        picks = [c for c in sel.candidates(org, year, title) if c.eligible][
            : sel.quota_of(org, title)
        ]
        if not picks:
            continue
        published = state == NominationState.PUBLISHED
        nl = NominationList.objects.create(
            organisation=org,
            year=year,
            occasion="year_end",
            state=state,
            submitted_at=clock.now() if published else None,
            reviewed_at=clock.now() if published else None,
            publish_from=today if published else None,
            publish_until=publicity.window_end(
                today, NOMINATION_PUBLICITY_DAYS, working=NOMINATION_PUBLICITY_WORKING
            )
            if published
            else None,
        )
        for c in picks:
            assert c.card is not None
            Nomination.objects.create(
                nomination_list=nl,
                title=title,
                card=c.card,
                deeds="带头参加组织生活和志愿服务，群众评价好",
                **(
                    {"branch_id": c.subject_id}
                    if title == "advanced_org"
                    else {"person_id": c.subject_id}
                ),
            )
            n += 1
    return n


def _card(card: Any, person_id: int | None, now: dt.datetime, yr: int, closed: int) -> PartyCard:
    """A stored card: last year's final (when the appraisal year has closed), this year's a
    draft."""
    final = yr == closed and yr < clock.today().year
    return PartyCard(
        kind=card.kind,
        organisation_id=card.organisation_id,
        person_id=person_id,
        year=yr,
        total=card.result.total,
        stars=card.stars,
        result=card.result.as_dict(),
        state=CardState.FINAL if final else CardState.DRAFT,
        computed_at=now,
    )


def _centre_links(
    branches: list[Organisation], members: dict[int, list[PartyMembership]], since: dt.date
) -> int:
    """The first three centre households of each branch link the next ten members of the
    branch and three households of their grid (1+10+N)."""
    links: list[CentreLink] = []
    for b in branches:
        people = [pm.person_id for pm in members[b.pk]]
        centres = list(
            Post.objects.filter(role=Role.CENTRE_HOUSEHOLD, person_id__in=people).order_by("id")[:3]
        )
        grid = b.places.order_by("path").first()
        homes = (
            list(Household.objects.filter(place_path__startswith=grid.path).order_by("id")[:9])
            if grid
            else []
        )
        for i, post in enumerate(centres):
            at = people.index(post.person_id)
            others = [p for p in people[at + 1 :] + people[:at] if p != post.person_id][:10]
            links += [
                CentreLink(centre=post, kind=CentreLinkKind.MEMBER, person_id=p, since=since)
                for p in others
            ]
            links += [
                CentreLink(centre=post, kind=CentreLinkKind.HOUSEHOLD, household=h, since=since)
                for h in homes[3 * i : 3 * i + 3]
            ]
    CentreLink.objects.bulk_create(links, batch_size=1000)
    return len(links)
