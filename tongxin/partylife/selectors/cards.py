"""The branch and member scorecards' collectors: each subject's facts for a year, gathered from
the records of the other modules, each with its evidence, evaluated by the one scoring engine
(``core.scoring``) with the kind's formula (``CardFormula`` or ``defaults``); stars after the
formula's population caps (``scoring.cap_grades``: five-star branches at most 30% of the
branches of their committee).

Member facts (the default formula's names):

- ``life_attended`` / ``life_unexcused``: the member's seats at the held party-life meetings
  (signed in; invited, neither signed in nor excused);
- ``study_done``: materials studied (time on page past the floor, ``StudyRead.studied_at``);
- ``volunteer_hours`` (amount): confirmed volunteering minutes ÷ 60 (``volunteering``);
- ``pledge_delivered`` / ``pledge_unmet``: the in-service member's pledges (``alliance``);
- ``centre_household``: a 党员中心户 post in force in the year (its 1+10+N duty: the members
  and households it linked in the year, ``centres``);
- ``appraisal_points`` (amount): the 民主评议 grade's points (probationary members: none).

Branch facts: ``life_held`` (party-life meetings held by the branch), ``life_missed`` (each
missing period of the required cadence, ``selectors.life``), ``review_returned`` (records the
superior returned), ``study_done`` / ``study_due`` (amounts: reads past the floor, materials ×
members), ``member_qualified`` / ``member_graded`` (the appraisal's grades).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from tongxin.core import clock, scoring
from tongxin.core.scoping import paths_q
from tongxin.core.scoring import Evidence, FactSet, Formula, Result
from tongxin.meetings.models import HELD_STATES, Apology, Attendance, Invitation, Meeting
from tongxin.orgs.models import Organisation, OrgKind, Post
from tongxin.orgs.roles import Role
from tongxin.people.models import MembershipStatus, PartyMembership

from .. import centres
from ..defaults import APPRAISAL_POINTS, BRANCH_FORMULA, MEMBER_FORMULA
from ..models import (
    AppraisalGrade,
    AppraisalResult,
    CardFormula,
    CardKind,
    ReviewState,
    StudyMaterial,
    StudyRead,
)
from . import life

PARTY_KINDS = (
    "branch_assembly",
    "branch_committee",
    "group_meeting",
    "party_lecture",
    "theme_day",
    "life_meeting",
    "appraisal",
)
BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH)


def formula_of(kind: str) -> Formula:
    row = CardFormula.objects.filter(kind=kind).first()
    if row is not None:
        return Formula.parse(row.formula)
    return Formula.parse(BRANCH_FORMULA if kind == CardKind.BRANCH else MEMBER_FORMULA)


def year_range(year: int) -> tuple[dt.datetime, dt.datetime]:
    return (
        clock.start_of_day(dt.date(year, 1, 1)),
        clock.start_of_day(dt.date(year + 1, 1, 1)),
    )


def url_of(name: str, pk: int) -> str:
    """``reverse(name, args=[pk])`` from a template reversed once (hundreds of links a card)."""
    template = _URLS.get(name)
    if template is None:
        template = _URLS[name] = reverse(name, args=[987654321])
    return template.replace("987654321", str(pk))


_URLS: dict[str, str] = {}


def meeting_evidence(m: Meeting, suffix: str = "") -> Evidence:
    text = _("{day} {title}").format(day=clock.local_date(m.starts_at).isoformat(), title=m.title)
    if suffix:
        text = f"{text}：{suffix}"
    return Evidence("meetings.meeting", m.pk, text, url_of("meetings:meeting", m.pk))


def _party_meetings(year: int) -> Any:
    lo, hi = year_range(year)
    return Meeting.objects.filter(
        kind__code__in=PARTY_KINDS, state__in=HELD_STATES, starts_at__gte=lo, starts_at__lt=hi
    )


def _materials_for(org_paths: Sequence[str], year: int) -> list[StudyMaterial]:
    """Materials of the year published by the organisations on these paths or above them."""
    prefixes = {p[:n] for p in org_paths for n in range(4, len(p) + 1, 4)}
    return list(
        StudyMaterial.objects.filter(
            organisation__path__in=prefixes, published_on__year=year
        ).select_related("organisation")
    )


def material_url(pk: int) -> str:
    return url_of("partylife:study", pk)


# ------------------------------------------------------------------------ members


def collect_members(memberships: Sequence[PartyMembership], year: int) -> dict[int, FactSet]:
    """person id → the member's facts for ``year``: a fixed number of queries whatever the
    number of members (nine), reading only the columns the evidence shows, and each
    record's evidence built once (a meeting's serves every seat at it)."""
    pids = [m.person_id for m in memberships]
    facts = {pid: FactSet() for pid in pids}
    lo, hi = year_range(year)
    party = _party_meetings(year)
    # each meeting's evidence once (its day and title), not once per seat at it
    said = _("{day} {title}")
    held = {
        mid: said.format(day=clock.local_date(starts_at).isoformat(), title=title)
        for mid, title, starts_at in party.filter(
            pk__in=Invitation.objects.filter(person_id__in=pids).values("meeting_id")
        ).values_list("pk", "title", "starts_at")
    }
    seats = (
        Invitation.objects.filter(person_id__in=pids, meeting__in=party)
        .annotate(
            present=Exists(
                Attendance.objects.filter(
                    meeting_id=OuterRef("meeting_id"), person_id=OuterRef("person_id")
                )
            ),
            excused=Exists(
                Apology.objects.filter(
                    meeting_id=OuterRef("meeting_id"), person_id=OuterRef("person_id")
                )
            ),
        )
        .order_by("meeting__starts_at", "id")
        .values_list("person_id", "meeting_id", "present", "excused")
    )
    attended, unexcused = _("出席"), _("无故缺席")
    evidence: dict[tuple[int, bool], Evidence] = {}
    for pid, mid, present, excused in seats:
        if not present and excused:
            continue
        ev = evidence.get((mid, present))
        if ev is None:
            ev = evidence[(mid, present)] = Evidence(
                "meetings.meeting",
                mid,
                f"{held[mid]}：{attended if present else unexcused}",
                url_of("meetings:meeting", mid),
            )
        facts[pid].add("life_attended" if present else "life_unexcused", ev)
    studied = _("学习《{title}》{minutes} 分钟")
    for pid, material_id, title, seconds in (
        StudyRead.objects.filter(person_id__in=pids, studied_at__gte=lo, studied_at__lt=hi)
        .order_by("studied_at", "id")
        .values_list("person_id", "material_id", "material__title", "seconds")
    ):
        facts[pid].add(
            "study_done",
            Evidence(
                "partylife.studymaterial",
                material_id,
                studied.format(title=title, minutes=seconds // 60),
                material_url(material_id),
            ),
        )
    from tongxin.volunteering.models import Signup, SignupStatus

    served = _("{title}：{minutes} 分钟")
    for pid, activity_id, title, minutes in (
        Signup.objects.filter(
            volunteer__person_id__in=pids,
            status=SignupStatus.CONFIRMED,
            confirmed_at__gte=lo,
            confirmed_at__lt=hi,
        )
        .order_by("confirmed_at", "id")
        .values_list("volunteer__person_id", "activity_id", "activity__title", "minutes")
    ):
        facts[pid].add(
            "volunteer_hours",
            Evidence(
                "volunteering.activity",
                activity_id,
                served.format(title=title, minutes=minutes),
                url_of("volunteering:activity", activity_id),
            ),
            amount=(Decimal(minutes) / 60).quantize(Decimal("0.01")),
        )
    from tongxin.alliance.models import Pledge, PledgeState

    unmet = _("{text}：未兑现（{why}）")
    for pid, pk, state, text, why in (
        Pledge.objects.filter(member__person_id__in=pids, year=year)
        .exclude(state=PledgeState.PLEDGED)
        .order_by("id")
        .values_list("member__person_id", "pk", "state", "text", "explanation")
    ):
        if state == PledgeState.DELIVERED:
            facts[pid].add("pledge_delivered", Evidence("alliance.pledge", pk, text))
        else:
            facts[pid].add(
                "pledge_unmet",
                Evidence("alliance.pledge", pk, unmet.format(text=text, why=why)),
            )
    posts = list(
        Post.objects.filter(person_id__in=pids, role=Role.CENTRE_HOUSEHOLD)
        .filter(models_in_year(year))
        .order_by("id")
        .values_list("pk", "person_id")
    )
    links = centres.links_in_year([pk for pk, _pid in posts], year)
    duty = _("党员中心户：联系党员 {m} 名，服务群众 {h} 户")
    # the member's own page lists the links (the centre itself sees them there)
    my_page = reverse("partylife:me") + f"?year={year}#centre"
    for pk, pid in posts:
        n_members, n_households = links[pk]
        facts[pid].add(
            "centre_household",
            Evidence("orgs.post", pk, duty.format(m=n_members, h=n_households), my_page),
        )
    graded = _("民主评议：{grade}")
    for pid, pk, grade, appraisal_id in AppraisalResult.objects.filter(
        person_id__in=pids, appraisal__year=year
    ).values_list("person_id", "pk", "grade", "appraisal_id"):
        facts[pid].add(
            "appraisal_points",
            Evidence(
                "partylife.appraisalresult",
                pk,
                graded.format(grade=AppraisalGrade(grade).label),
                url_of("partylife:appraisal", appraisal_id),
            ),
            amount=APPRAISAL_POINTS[grade],
        )
    return facts


def models_in_year(year: int) -> Any:
    from django.db.models import Q

    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return (Q(start_date__isnull=True) | Q(start_date__lte=last)) & (
        Q(end_date__isnull=True) | Q(end_date__gte=first)
    )


# ------------------------------------------------------------------------ branches


def collect_branches(branches: Sequence[Organisation], year: int) -> dict[int, FactSet]:
    """organisation id → the branch's facts for ``year`` (a fixed number of queries)."""
    facts = {b.pk: FactSet() for b in branches}
    by_path = {b.path: b.pk for b in branches}
    for m in (
        _party_meetings(year)
        .filter(organisation_id__in=list(facts))
        .select_related("life_record")
        .order_by("starts_at", "id")
    ):
        facts[m.organisation_id].add("life_held", meeting_evidence(m))
        record = getattr(m, "life_record", None)
        if record is not None and record.review_state == ReviewState.RETURNED:
            facts[m.organisation_id].add(
                "review_returned",
                meeting_evidence(m, _("被退回：{note}").format(note=record.review_note)),
            )
    missed = _("{period}未召开{kind}")
    for oid, lives in life.life_of_many(list(branches), year).items():
        board = url_of("partylife:board", oid) + f"?year={year}"
        for kl in lives:
            for p in kl.missing:
                facts[oid].add(
                    "life_missed",
                    Evidence(
                        "partylife.period",
                        f"{oid}:{kl.kind}:{p.start.isoformat()}",
                        missed.format(period=p.label, kind=kl.label),
                        board,
                    ),
                )
    members: dict[int, list[int]] = {b.pk: [] for b in branches}  # branch → person ids
    for person_id, org_path in PartyMembership.objects.filter(
        paths_q("organisation__path", by_path)
    ).values_list("person_id", "organisation__path"):
        for path, oid in by_path.items():
            if org_path.startswith(path):
                members[oid].append(person_id)
    materials = _materials_for(list(by_path), year)
    reads = set(
        StudyRead.objects.filter(material__in=materials, studied_at__isnull=False).values_list(
            "material_id", "person_id"
        )
    )
    for b in branches:
        mine = [mt for mt in materials if b.path.startswith(mt.organisation.path)]
        people = members[b.pk]
        if mine and people:
            facts[b.pk].add("study_due", amount=len(mine) * len(people))
            for mt in mine:
                done = sum(1 for pid in people if (mt.pk, pid) in reads)
                if done:
                    facts[b.pk].add(
                        "study_done",
                        Evidence(
                            "partylife.studymaterial",
                            mt.pk,
                            _("《{title}》{done}/{n} 人学完").format(
                                title=mt.title, done=done, n=len(people)
                            ),
                            material_url(mt.pk),
                        ),
                        amount=done,
                    )
    for a in AppraisalResult.objects.filter(
        appraisal__organisation_id__in=list(facts), appraisal__year=year
    ).select_related("appraisal"):
        fs = facts[a.appraisal.organisation_id]
        fs.add("member_graded")
        if a.grade in (AppraisalGrade.EXCELLENT, AppraisalGrade.QUALIFIED):
            fs.add(
                "member_qualified",
                Evidence(
                    "partylife.appraisal",
                    a.appraisal_id,
                    _("民主评议 {year}").format(year=year),
                    url_of("partylife:appraisal", a.appraisal_id),
                ),
            )
    return facts


# ------------------------------------------------------------------------ evaluation


@dataclass
class Card:
    kind: str
    subject_id: int
    subject: str
    organisation_id: int
    year: int
    result: Result
    stars: int

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.subject_id}-{self.year}"


def evaluate_members(memberships: Sequence[PartyMembership], year: int) -> list[Card]:
    formula = formula_of(CardKind.MEMBER)
    facts = collect_members(memberships, year)
    results = {m.person_id: scoring.evaluate(formula, facts[m.person_id]) for m in memberships}
    grades = scoring.cap_grades(formula, {k: r.total for k, r in results.items()})
    out = []
    for m in memberships:
        r = results[m.person_id]
        r.grade = grades[m.person_id]
        if m.status == MembershipStatus.PROBATIONARY:
            r.items.append(
                scoring.Item("appraisal.probationary", _("预备党员参加评议，不定等次"), Decimal(0))
            )
        out.append(
            Card(
                CardKind.MEMBER,
                m.person_id,
                str(m.person),
                m.organisation_id,
                year,
                r,
                _stars(r.grade),
            )
        )
    return out


def evaluate_branches(branches: Sequence[Organisation], year: int) -> list[Card]:
    """The branches' cards, the stars capped across ``branches`` (evaluate a committee's
    branches together)."""
    formula = formula_of(CardKind.BRANCH)
    facts = collect_branches(branches, year)
    results = {b.pk: scoring.evaluate(formula, facts[b.pk]) for b in branches}
    grades = scoring.cap_grades(formula, {k: r.total for k, r in results.items()})
    out = []
    for b in branches:
        r = results[b.pk]
        plain = r.grade
        r.grade = grades[b.pk]
        if plain != r.grade:
            r.items.append(
                scoring.Item(
                    "stars.cap",
                    _("五星比例限制"),
                    Decimal(0),
                    note=_("{a} 星 → {b} 星").format(a=plain, b=r.grade),
                )
            )
        out.append(Card(CardKind.BRANCH, b.pk, b.name, b.pk, year, r, _stars(r.grade)))
    return out


def _stars(grade: str) -> int:
    try:
        return int(grade)
    except ValueError:
        return 0


def sibling_branches(branch: Organisation) -> list[Organisation]:
    """The branches evaluated together with ``branch``: those of its committee."""
    step = Organisation.steplen
    root = branch.path[:-step] if len(branch.path) > step else branch.path
    return list(
        Organisation.objects.filter(
            kind__in=BRANCH_KINDS, path__startswith=root, is_active=True
        ).order_by("path")
    )
