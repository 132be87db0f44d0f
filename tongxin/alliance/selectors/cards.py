"""The unit scorecard's collector: the facts of each member unit for a year, from the records,
evaluated by the one scoring engine (``core.scoring``) with the alliance's formula.

Facts (the names the default formula reads, ``alliance.defaults``):

- ``activity_held`` (period ``YYYYQn``), ``wish_claimed``, ``project_done``,
  ``problem_solved``: ``selectors.records``;
- ``meeting_invited``, ``meeting_present``, ``meeting_missed``, ``meeting_unexcused``: the
  unit's seats at held meetings (``meetings.selectors.unit_attendance``);
- ``commitment_target`` / ``commitment_done`` (amounts): the year's *signed* agreement, 1 per
  item and each item's share done (at most 1), so the ratio is the mean share
  (``selectors.progress``);
- ``suggestion_adopted``: the unit's suggestions adopted in the year.

The periods are the year's quarters that have ended (under the one clock), so a quarter still
running is never deducted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from tongxin.core import clock
from tongxin.core.scoring import Evidence, FactSet, Formula, Result, evaluate
from tongxin.meetings import selectors as meeting_selectors
from tongxin.meetings.models import Meeting

from ..defaults import DEFAULT_FORMULA
from ..models import Agreement, Alliance, CommitmentKind, Membership, Suggestion
from . import progress, records
from .six import meeting_evidence, quarter_of, quarters_ended


def formula_of(alliance: Alliance) -> Formula:
    """The alliance's formula, or the default when it has none."""
    return Formula.parse(alliance.formula or DEFAULT_FORMULA)


@dataclass
class UnitCard:
    membership: Membership
    year: int
    result: Result


def collect(memberships: Sequence[Membership], year: int) -> dict[int, FactSet]:
    """membership id → the unit's facts for ``year`` (a fixed number of queries)."""
    start, end = progress.period_of(year)
    units = sorted({m.unit_id for m in memberships})
    periods = [f"{year}Q{q}" for q in quarters_ended(year)]
    facts = {m.pk: FactSet(periods=list(periods)) for m in memberships}
    by_unit: dict[int, list[FactSet]] = {}
    for m in memberships:
        by_unit.setdefault(m.unit_id, []).append(facts[m.pk])

    def add(name: str, rows: records.ByUnit, *, amounts: bool = False, quarter: bool = False):
        for unit_id, unit_rows in rows.items():
            for fs in by_unit.get(unit_id, []):
                for r in unit_rows:
                    fs.add(
                        name,
                        r.evidence,
                        period=f"{year}Q{quarter_of(r.day)}" if quarter else "",
                        amount=r.amount if amounts else 1,
                    )

    read = {
        CommitmentKind.ACTIVITIES.value: records.activities(units, start, end),
        CommitmentKind.WISHES.value: records.wishes(units, start, end),
        CommitmentKind.PROJECTS.value: records.projects(units, start, end),
        CommitmentKind.PROBLEMS.value: records.problems(units, start, end),
    }
    add("activity_held", read[CommitmentKind.ACTIVITIES.value], quarter=True)
    add("wish_claimed", read[CommitmentKind.WISHES.value])
    add("project_done", read[CommitmentKind.PROJECTS.value])
    add("problem_solved", read[CommitmentKind.PROBLEMS.value])

    seats = meeting_selectors.unit_attendance(units, start, end)
    meeting_ids = {mid for s in seats.values() for mid in s.invited_meeting_ids}
    meetings = {m.pk: meeting_evidence(m) for m in Meeting.objects.filter(pk__in=meeting_ids)}
    for unit_id, seat in seats.items():
        for fs in by_unit.get(unit_id, []):
            for name, ids in (
                ("meeting_invited", seat.invited_meeting_ids),
                ("meeting_present", seat.present_meeting_ids),
                ("meeting_missed", seat.excused_meeting_ids + seat.unexcused_meeting_ids),
                ("meeting_unexcused", seat.unexcused_meeting_ids),
            ):
                for mid in ids:
                    fs.add(name, meetings.get(mid))

    agreements = (
        Agreement.objects.filter(
            membership__in=[m.pk for m in memberships], year=year, signed_on__isnull=False
        )
        .select_related("membership")
        .order_by("id")
    )
    for ap in progress.of_agreements(agreements, known=read):
        fs = facts[ap.agreement.membership_id]
        for item in ap.items:
            c = item.commitment
            fs.add("commitment_target", amount=1)
            fs.add(
                "commitment_done",
                Evidence(
                    "alliance.commitment",
                    c.pk,
                    _("{text}：完成 {done}/{target}").format(
                        text=c.text, done=_num(item.done), target=_num(item.target)
                    ),
                    _agreement_url(ap.agreement.pk),
                ),
                amount=item.share,
            )
    lo, hi = start, end
    for s in Suggestion.objects.filter(
        membership__in=[m.pk for m in memberships], adopted_on__gte=lo, adopted_on__lte=hi
    ).order_by("adopted_on", "id"):
        facts[s.membership_id].add(
            "suggestion_adopted",
            Evidence("alliance.suggestion", s.pk, s.text),
        )
    return facts


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _agreement_url(pk: int) -> str:
    from django.urls import reverse

    return reverse("alliance:agreement", args=[pk])


def compute(alliance: Alliance, memberships: Sequence[Membership], year: int) -> list[UnitCard]:
    """The live scorecards of some of the alliance's memberships for ``year``."""
    formula = formula_of(alliance)
    facts = collect(memberships, year)
    return [UnitCard(m, year, evaluate(formula, facts[m.pk])) for m in memberships]


def compute_one(membership: Membership, year: int) -> Result:
    return compute(membership.alliance, [membership], year)[0].result


def current_year(today: dt.date | None = None) -> int:
    return (today or clock.today()).year
