"""Reads of the branch secretary's board: the organisations a user runs, the year's party
meetings with their attendance and review, the life of the organisations below."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tongxin.core.actors import Actor
from tongxin.meetings import selectors as meeting_selectors
from tongxin.meetings.models import Meeting, MeetingKind
from tongxin.orgs.models import Organisation, OrgKind

from ..models import LifeRecord, LifeRequirement, officer_paths
from . import life
from .cards import PARTY_KINDS, year_range

PARTY_ORG_KINDS = (
    OrgKind.PARTY_COMMITTEE,
    OrgKind.GENERAL_BRANCH,
    OrgKind.BRANCH,
    OrgKind.PARTY_GROUP,
)


def my_party_orgs(user: Actor) -> list[Organisation]:
    """The party organisations the user is an officer of, highest first."""
    paths = officer_paths(user)
    return list(
        Organisation.objects.filter(path__in=paths, kind__in=PARTY_ORG_KINDS).order_by("path")
    )


def kinds_for(org: Organisation) -> list[MeetingKind]:
    """The meeting kinds the organisation records: those its level requires first."""
    required = [
        r.kind for r in LifeRequirement.objects.filter(org_kind=org.kind).select_related("kind")
    ]
    others = [
        k
        for k in MeetingKind.objects.filter(code__in=PARTY_KINDS, is_active=True)
        if k not in required
    ]
    return required + others


@dataclass
class MeetingRow:
    meeting: Meeting
    record: LifeRecord | None
    due: int
    present: int
    excused: int
    absent: int
    absentees: list[tuple[str, str]]


def meeting_rows(org: Organisation, year: int) -> list[MeetingRow]:
    """The organisation's party meetings of the year, newest first, with the counts due,
    present, excused and absent, and each absentee's reason."""
    lo, hi = year_range(year)
    meetings = list(
        Meeting.objects.filter(
            organisation=org, kind__code__in=PARTY_KINDS, starts_at__gte=lo, starts_at__lt=hi
        )
        .select_related("kind")
        .order_by("-starts_at", "-id")
    )
    records = {r.meeting_id: r for r in LifeRecord.objects.filter(meeting__in=meetings)}
    rows = []
    for m in meetings:
        seats = meeting_selectors.seats(m)
        rows.append(
            MeetingRow(
                meeting=m,
                record=records.get(m.pk),
                due=len(seats),
                present=sum(1 for s in seats if s.status == "present"),
                excused=sum(1 for s in seats if s.status == "excused"),
                absent=sum(1 for s in seats if s.status == "absent"),
                absentees=[
                    (s.label, s.apology_reason or "") for s in seats if s.status != "present"
                ],
            )
        )
    return rows


def child_lives(org: Organisation, year: int) -> list[dict[str, Any]]:
    """The organisations directly under ``org`` that owe a cadence, with their missing
    periods (the committee's view of its branches)."""
    children = [
        c
        for c in Organisation.objects.filter(
            path__startswith=org.path,
            depth=org.depth + 1,
            is_active=True,
            kind__in=PARTY_ORG_KINDS,
        ).order_by("path")
    ]
    lives = life.life_of_many(children, year)
    return [
        {
            "org": c,
            "missing": sum(len(k.missing) for k in lives[c.pk]),
            "held": sum(k.held for k in lives[c.pk]),
            "required": sum(k.required for k in lives[c.pk]),
        }
        for c in children
    ]


@dataclass
class StudyRow:
    material: Any
    members: int
    studied: int
    opened: int


def study_rows(org: Organisation, year: int) -> list[StudyRow]:
    """The 微学习 board: the year's materials for the organisation's members (published by it
    or above it), each with how many of its members studied it (past the time floor) and how
    many only opened it."""
    from ..models import StudyMaterial, StudyRead
    from ..services import members_of

    prefixes = [org.path[:n] for n in range(Organisation.steplen, len(org.path) + 1, 4)]
    materials = list(
        StudyMaterial.objects.filter(
            organisation__path__in=prefixes, published_on__year=year
        ).order_by("-published_on", "-id")
    )
    people = [m.person_id for m in members_of(org)]
    studied: dict[int, int] = {}
    opened: dict[int, int] = {}
    for mid, done in StudyRead.objects.filter(
        material__in=materials, person_id__in=people
    ).values_list("material_id", "studied_at"):
        bucket = studied if done is not None else opened
        bucket[mid] = bucket.get(mid, 0) + 1
    return [StudyRow(m, len(people), studied.get(m.pk, 0), opened.get(m.pk, 0)) for m in materials]
