"""Organisational life against the cadence its level owes (``LifeRequirement``).

For an organisation and a year: each required kind, its periods (``meetings.schedules``:
local calendar months, quarters, half years, years), the held meetings of the kind convened
by the organisation in each, and each period's status under the one clock — ``held`` (at
least ``min_count``), ``missing`` (ended with fewer), ``due`` (running today, not yet enough),
``overdue`` (running, its fixed day passed without it) or ``upcoming`` (not begun). A
cancelled or never-held meeting does not count.

A monthly kind may have a fixed day (主题党日): the organisation's own (``LifeFixedDay``),
else its level's (``LifeRequirement.fixed_day``); a day past a short month's end falls on its
last day. Each period then carries its ``fixed_on`` date, and the meetings held on another
day are listed (``off_day``): they count, and the board shows them.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tongxin.core import clock
from tongxin.meetings import schedules
from tongxin.meetings.models import HELD_STATES, Meeting
from tongxin.orgs.models import Organisation, Post
from tongxin.orgs.roles import Role

from ..models import LifeFixedDay, LifeRecord, LifeRequirement


@dataclass
class PeriodLife:
    label: str
    start: dt.date
    end: dt.date
    meeting_ids: list[int]
    status: str
    fixed_on: dt.date | None = None
    off_day: list[int] = field(default_factory=list)


@dataclass
class KindLife:
    kind: str
    label: str
    cadence: str
    min_count: int
    periods: list[PeriodLife] = field(default_factory=list)
    by_secretary_required: int = 0
    by_secretary_held: int = 0
    fixed_day: int | None = None

    @property
    def required(self) -> int:
        """Meetings the year requires (every period's minimum)."""
        return self.min_count * len(self.periods)

    @property
    def held(self) -> int:
        return sum(len(p.meeting_ids) for p in self.periods)

    @property
    def missing(self) -> list[PeriodLife]:
        return [p for p in self.periods if p.status == "missing"]

    @property
    def due(self) -> list[PeriodLife]:
        """The running period when it still owes meetings (overdue or not)."""
        return [p for p in self.periods if p.status in ("due", "overdue")]

    @property
    def overdue(self) -> list[PeriodLife]:
        return [p for p in self.periods if p.status == "overdue"]

    @property
    def off_day(self) -> list[int]:
        return [pk for p in self.periods for pk in p.off_day]

    @property
    def secretary_missing(self) -> bool:
        """The year has ended (or is this year) without the lectures the secretary owes."""
        return self.by_secretary_held < self.by_secretary_required

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "label": self.label,
            "cadence": self.cadence,
            "min_count": self.min_count,
            "required": self.required,
            "held": self.held,
            "missing": [p.label for p in self.missing],
            "due": [p.label for p in self.due],
            "fixed_day": self.fixed_day,
            "periods": [
                {
                    "label": p.label,
                    "start": p.start,
                    "end": p.end,
                    "status": p.status,
                    "meeting_ids": p.meeting_ids,
                    "fixed_on": p.fixed_on,
                    "off_day": p.off_day,
                }
                for p in self.periods
            ],
            "by_secretary_required": self.by_secretary_required,
            "by_secretary_held": self.by_secretary_held,
        }


def requirements_for(org_kind: str) -> list[LifeRequirement]:
    return list(
        LifeRequirement.objects.filter(org_kind=org_kind, kind__is_active=True)
        .select_related("kind")
        .order_by("order", "id")
    )


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def secretaries_of(org_ids: Iterable[int], on: dt.date) -> dict[int, set[int]]:
    """organisation id → the persons holding its secretary's post on ``on``."""
    out: dict[int, set[int]] = {}
    for oid, pid in (
        Post.objects.active(on)
        .filter(
            organisation_id__in=list(org_ids),
            role__in=(Role.BRANCH_SECRETARY, Role.SECRETARY),
        )
        .values_list("organisation_id", "person_id")
    ):
        out.setdefault(oid, set()).add(pid)
    return out


def fixed_on(day: int | None, period_start: dt.date) -> dt.date | None:
    """The fixed ``day`` in the month beginning ``period_start`` (a short month's last day)."""
    if day is None:
        return None
    last = calendar.monthrange(period_start.year, period_start.month)[1]
    return period_start.replace(day=min(day, last))


def fixed_days_of(org_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """(organisation id, kind id) → the day the organisation fixed."""
    return {
        (oid, kid): day
        for oid, kid, day in LifeFixedDay.objects.filter(
            organisation_id__in=list(org_ids)
        ).values_list("organisation_id", "kind_id", "day")
    }


def life_of_many(organisations: Sequence[Organisation], year: int) -> dict[int, list[KindLife]]:
    """organisation id → each required kind's life in ``year``. A fixed number of queries."""
    today = clock.today()
    start, end = year_bounds(year)
    reqs: dict[str, list[LifeRequirement]] = {}
    for org in organisations:
        if org.kind not in reqs:
            reqs[org.kind] = requirements_for(org.kind)
    kind_ids = {r.kind_id for rs in reqs.values() for r in rs}
    held: dict[tuple[int, int], list[tuple[dt.date, int]]] = {}
    meeting_ids: list[int] = []
    for oid, kid, at, pk in (
        Meeting.objects.filter(
            organisation_id__in=[o.pk for o in organisations],
            kind_id__in=kind_ids,
            state__in=HELD_STATES,
            starts_at__gte=clock.start_of_day(start),
            starts_at__lt=clock.start_of_day(end + dt.timedelta(days=1)),
        )
        .values_list("organisation_id", "kind_id", "starts_at", "pk")
        .order_by("starts_at", "pk")
    ):
        held.setdefault((oid, kid), []).append((clock.local_date(at), pk))
        meeting_ids.append(pk)
    presenters = dict(
        LifeRecord.objects.filter(meeting_id__in=meeting_ids, presenter__isnull=False).values_list(
            "meeting_id", "presenter_id"
        )
    )
    secretaries = secretaries_of([o.pk for o in organisations], min(end, today))
    own_days = fixed_days_of(o.pk for o in organisations)
    out: dict[int, list[KindLife]] = {}
    for org in organisations:
        lives = []
        for r in reqs[org.kind]:
            life = KindLife(
                kind=r.kind.code,
                label=r.kind.label,
                cadence=r.cadence,
                min_count=r.min_count,
                by_secretary_required=r.by_secretary,
            )
            if r.cadence == "monthly":
                life.fixed_day = own_days.get((org.pk, r.kind_id), r.fixed_day)
            rows = held.get((org.pk, r.kind_id), [])
            for p in schedules.periods(r.cadence, start, end):
                in_period = [(day, pk) for day, pk in rows if p.contains(day)]
                ids = [pk for _day, pk in in_period]
                fixed = fixed_on(life.fixed_day, p.start)
                if len(ids) >= r.min_count:
                    status = "held"
                elif p.end < today:
                    status = "missing"
                elif fixed is not None and fixed < today:
                    status = "overdue"
                elif p.start <= today:
                    status = "due"
                else:
                    status = "upcoming"
                off = [pk for day, pk in in_period if fixed is not None and day != fixed]
                life.periods.append(
                    PeriodLife(p.label(r.cadence), p.start, p.end, ids, status, fixed, off)
                )
            if r.by_secretary:
                sec = secretaries.get(org.pk, set())
                life.by_secretary_held = sum(1 for _d, pk in rows if presenters.get(pk) in sec)
            lives.append(life)
        out[org.pk] = lives
    return out


def life_of(organisation: Organisation, year: int) -> list[KindLife]:
    return life_of_many([organisation], year)[organisation.pk]
