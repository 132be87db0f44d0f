"""What member units really did, read from the other modules' records, in batches.

Each reader takes unit ids (``orgs.Organisation``) and a period of local days and answers
``{unit_id: [Record, …]}`` in a fixed number of queries whatever the number of units, so the
alliance board, the agreements' progress and the scorecards of a street's 200 units cost the
same few queries. A ``Record`` carries its evidence (``core.scoring.Evidence``), its local
day and an amount (1, or hours for service time).

- resources: the unit's entries in the resource list (matching), offered in the period;
- wishes: 微心愿 the unit claimed in the period (claimed or fulfilled);
- projects: the 项目清单 projects the unit led and closed, and the needs (三单) it claimed and
  completed in the period (实事);
- activities: volunteering activities the unit organised, held in the period;
- hours: confirmed service time of the unit's in-service members (activities, and needs they
  completed), in hours;
- problems: cases the unit handled to resolution (assigned to it or called in on, 吹哨报到);
- reported: cases reported in the period by people of the unit (its posts and in-service
  members) — the problems the alliance *found*.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from tongxin.cases.models import Case
from tongxin.cases.workflow import State as CaseState
from tongxin.core import clock
from tongxin.core.scoring import Evidence
from tongxin.matching.models import (
    Need,
    NeedState,
    Project,
    ProjectState,
    Resource,
    Wish,
    WishState,
)
from tongxin.orgs.models import Post
from tongxin.volunteering.models import Activity, ActivityStatus, Signup, SignupStatus

from ..models import CommitmentKind, InServiceMember

DONE_NEED_STATES = (NeedState.DONE, NeedState.RATED, NeedState.CLOSED)
CLAIMED_WISH_STATES = (WishState.CLAIMED, WishState.FULFILLED)
HELD_ACTIVITY_STATES = (ActivityStatus.RECRUITING, ActivityStatus.CLOSED, ActivityStatus.FINISHED)
HOUR = Decimal(60)


@dataclass(frozen=True)
class Record:
    """One record counted for a unit: its evidence, its local day and its amount."""

    evidence: Evidence
    day: dt.date
    amount: Decimal = Decimal(1)


ByUnit = dict[int, list[Record]]


_MARK = 918273645


@functools.lru_cache(maxsize=32)
def _pattern(name: str) -> str:
    return reverse(name, args=[_MARK])


def _url(name: str, pk: Any) -> str:
    """``reverse(name, args=[pk])`` without resolving the pattern again for each of a
    street's thousands of records."""
    return _pattern(name).replace(str(_MARK), str(int(pk)))


def bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[local midnight of start, local midnight after end)."""
    return clock.start_of_day(start), clock.start_of_day(end + dt.timedelta(days=1))


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _group(rows: Iterable[tuple[int, Record]]) -> ByUnit:
    out: ByUnit = defaultdict(list)
    for unit_id, record in rows:
        out[unit_id].append(record)
    return out


def resources(unit_ids: list[int], start: dt.date, end: dt.date) -> ByUnit:
    lo, hi = bounds(start, end)
    rows = Resource.objects.filter(
        organisation_id__in=unit_ids, created_at__gte=lo, created_at__lt=hi
    ).order_by("created_at", "id")
    return _group(
        (
            r.organisation_id,
            Record(
                Evidence(
                    "matching.resource",
                    r.pk,
                    _("资源清单：{kind}").format(kind=r.get_kind_display()),
                ),
                clock.local_date(r.created_at),
            ),
        )
        for r in rows
        if r.organisation_id
    )


def wishes(unit_ids: list[int], start: dt.date, end: dt.date) -> ByUnit:
    lo, hi = bounds(start, end)
    rows = Wish.objects.filter(
        claimed_by_org_id__in=unit_ids,
        state__in=CLAIMED_WISH_STATES,
        claimed_at__gte=lo,
        claimed_at__lt=hi,
    ).order_by("claimed_at", "id")
    url = reverse("matching:wishes")
    return _group(
        (
            w.claimed_by_org_id,
            Record(
                Evidence("matching.wish", w.pk, _("认领微心愿 #{id}").format(id=w.pk), url),
                clock.local_date(w.claimed_at),
            ),
        )
        for w in rows
        if w.claimed_by_org_id and w.claimed_at
    )


def projects(unit_ids: list[int], start: dt.date, end: dt.date) -> ByUnit:
    """实事项目 done by the units in the period: the 项目清单's projects they lead (牵头单位)
    closed in it, and the residents' needs they claimed and saw done."""
    lo, hi = bounds(start, end)
    closed = (
        Project.owners.through.objects.filter(
            organisation_id__in=unit_ids,
            project__state=ProjectState.CLOSED,
            project__closed_at__gte=lo,
            project__closed_at__lt=hi,
        )
        .select_related("project")
        .order_by("project__closed_at", "project_id")
        .only("organisation_id", "project_id", "project__title", "project__closed_at")
    )
    out: list[tuple[int, Record]] = [
        (
            link.organisation_id,
            Record(
                Evidence(
                    "matching.project",
                    link.project_id,
                    _("结项项目 #{id} · {title}").format(
                        id=link.project_id, title=link.project.title
                    ),
                    _url("matching:project", link.project_id),
                ),
                clock.local_date(link.project.closed_at),
            ),
        )
        for link in closed
        if link.project.closed_at
    ]
    rows = (
        Need.objects.filter(
            claimed_by_org_id__in=unit_ids,
            state__in=DONE_NEED_STATES,
            claimed_at__gte=lo,
            claimed_at__lt=hi,
        )
        .order_by("claimed_at", "id")
        .only("id", "kind", "claimed_by_org_id", "claimed_at")
    )
    out.extend(
        (
            n.claimed_by_org_id,
            Record(
                Evidence(
                    "matching.need",
                    n.pk,
                    _("办结需求 #{id} · {kind}").format(id=n.pk, kind=n.get_kind_display()),
                    _url("matching:need", n.pk),
                ),
                clock.local_date(n.claimed_at),
            ),
        )
        for n in rows
        if n.claimed_by_org_id and n.claimed_at
    )
    return _group(out)


def activities(unit_ids: list[int], start: dt.date, end: dt.date) -> ByUnit:
    lo, hi = bounds(start, end)
    rows = (
        Activity.objects.filter(
            organiser_org_id__in=unit_ids,
            status__in=HELD_ACTIVITY_STATES,
            starts_at__gte=lo,
            starts_at__lt=hi,
        )
        .order_by("starts_at", "id")
        .only("id", "title", "starts_at", "organiser_org_id")
    )
    return _group(
        (
            a.organiser_org_id,
            Record(
                Evidence(
                    "volunteering.activity",
                    a.pk,
                    a.title,
                    _url("volunteering:activity", a.pk),
                ),
                clock.local_date(a.starts_at),
            ),
        )
        for a in rows
        if a.organiser_org_id
    )


def members_of(unit_ids: list[int]) -> dict[int, int]:
    """person id → employer unit id of the units' in-service members."""
    return dict(
        InServiceMember.objects.filter(unit_id__in=unit_ids).values_list("person_id", "unit_id")
    )


def service_rows(person_ids: list[int], start: dt.date, end: dt.date) -> list[tuple[int, Record]]:
    """(person id, record) of the persons' confirmed service in the period, in hours."""
    lo, hi = bounds(start, end)
    signups = (
        Signup.objects.filter(
            volunteer__person_id__in=person_ids,
            status=SignupStatus.CONFIRMED,
            activity__starts_at__gte=lo,
            activity__starts_at__lt=hi,
        )
        .order_by("activity__starts_at", "id")
        .values_list(
            "pk",
            "minutes",
            "activity_id",
            "activity__title",
            "activity__starts_at",
            "volunteer__person_id",
            "volunteer__person__name",
        )
    )
    out: list[tuple[int, Record]] = []
    template = _("{name} · {title} · {h} 小时")
    for pk, minutes, activity_id, title, starts_at, person_id, name in signups:
        h = Decimal(minutes) / HOUR
        text = template.format(name=name, title=title, h=round(h, 1))
        url = _url("volunteering:activity", activity_id)
        day = clock.local_date(starts_at)
        out.append((person_id, Record(Evidence("volunteering.signup", pk, text, url), day, h)))
    needs = (
        Need.objects.filter(
            claimed_by_person_id__in=person_ids,
            state__in=DONE_NEED_STATES,
            claimed_at__gte=lo,
            claimed_at__lt=hi,
        )
        .order_by("claimed_at", "id")
        .values_list(
            "pk", "minutes", "claimed_at", "claimed_by_person_id", "claimed_by_person__name"
        )
    )
    template = _("{name} · 需求 #{id} · {h} 小时")
    for pk, minutes, claimed_at, person_id, name in needs:
        if not claimed_at or not person_id:
            continue
        h = Decimal(minutes or 0) / HOUR
        text = template.format(name=name, id=pk, h=round(h, 1))
        url = _url("matching:need", pk)
        day = clock.local_date(claimed_at)
        out.append((person_id, Record(Evidence("matching.need", pk, text, url), day, h)))
    return out


def hours(unit_ids: list[int], start: dt.date, end: dt.date) -> ByUnit:
    """Confirmed service of the units' in-service members, in hours (minutes ÷ 60, exact)."""
    members = members_of(unit_ids)
    return _group((members[pid], r) for pid, r in service_rows(list(members), start, end))


def hours_by_person(person_ids: list[int], start: dt.date, end: dt.date) -> dict[int, Decimal]:
    """Each person's confirmed service hours in the period (activities and needs)."""
    out: dict[int, Decimal] = defaultdict(Decimal)
    for pid, r in service_rows(person_ids, start, end):
        out[pid] += r.amount
    return out


def problems(unit_ids: list[int], start: dt.date, end: dt.date) -> ByUnit:
    """Cases resolved in the period that the unit handled or was called in on."""
    lo, hi = bounds(start, end)
    rows = (
        Case.objects.filter(resolved_at__gte=lo, resolved_at__lt=hi)
        .filter(Q(assignee_org_id__in=unit_ids) | Q(calls__organisation_id__in=unit_ids))
        .exclude(state=CaseState.MERGED)
        .values_list("pk", "ref", "resolved_at", "assignee_org_id", "calls__organisation_id")
        .order_by("resolved_at", "pk")
    )
    wanted = set(unit_ids)
    seen: set[tuple[int, int]] = set()
    out: list[tuple[int, Record]] = []
    for pk, ref, resolved_at, assignee, called in rows:
        for unit_id in {assignee, called} & wanted:
            if (unit_id, pk) in seen:
                continue
            seen.add((unit_id, pk))
            out.append(
                (
                    unit_id,
                    Record(
                        Evidence(
                            "cases.case",
                            pk,
                            _("办结问题 {ref}").format(ref=ref),
                            _url("cases:detail", pk),
                        ),
                        clock.local_date(resolved_at),
                    ),
                )
            )
    return _group(out)


def reported(unit_ids: list[int], start: dt.date, end: dt.date) -> ByUnit:
    """Cases reported in the period by people of the units: their post holders and their
    in-service members (the problems the alliance found, 发现问题)."""
    lo, hi = bounds(start, end)
    people: dict[int, int] = members_of(unit_ids)
    for person_id, unit_id in (
        Post.objects.active(start)
        .filter(organisation_id__in=unit_ids)
        .values_list("person_id", "organisation_id")
    ):
        people.setdefault(person_id, unit_id)
    if not people:
        return {}
    rows = (
        Case.objects.filter(
            reporter_person_id__in=list(people), created_at__gte=lo, created_at__lt=hi
        )
        .exclude(state=CaseState.MERGED)
        .values_list("pk", "ref", "created_at", "reporter_person_id")
        .order_by("created_at", "pk")
    )
    return _group(
        (
            people[person_id],
            Record(
                Evidence(
                    "cases.case",
                    pk,
                    _("发现问题 {ref}").format(ref=ref),
                    _url("cases:detail", pk),
                ),
                clock.local_date(created_at),
            ),
        )
        for pk, ref, created_at, person_id in rows
    )


# The reader behind each commitment kind.
READERS = {
    CommitmentKind.RESOURCES: resources,
    CommitmentKind.ACTIVITIES: activities,
    CommitmentKind.PROJECTS: projects,
    CommitmentKind.WISHES: wishes,
    CommitmentKind.HOURS: hours,
    CommitmentKind.PROBLEMS: problems,
}


def all_kinds(unit_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[str, ByUnit]:
    """Every commitment kind's records for the units in the period."""
    ids = sorted(set(unit_ids))
    return {str(kind): reader(ids, start, end) for kind, reader in READERS.items()}
