"""How far each agreement's commitments are done, computed from the records (never typed).

A commitment of kind *k* in year *y* is done as far as the unit's records of kind *k* in *y*
reach its target (``records.READERS``): two commitments of the same kind read the same records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from tongxin.core import clock

from ..models import Agreement, Commitment, CommitmentKind
from . import records


@dataclass
class CommitmentProgress:
    """One commitment: its target, what the records say is done, and those records."""

    commitment: Commitment
    done: Decimal
    items: list[records.Record] = field(default_factory=list)

    @property
    def target(self) -> Decimal:
        return Decimal(self.commitment.target)

    @property
    def met(self) -> bool:
        return self.done >= self.target

    @property
    def counted(self) -> Decimal:
        """Done, at most the target (what the agreement's rate counts)."""
        return min(self.done, self.target)

    @property
    def share(self) -> Decimal:
        """Done ÷ target, at most 1."""
        return self.counted / self.target if self.target else Decimal(0)

    @property
    def percent(self) -> int:
        return int(self.counted * 100 / self.target) if self.target else 0


@dataclass
class AgreementProgress:
    agreement: Agreement
    items: list[CommitmentProgress]

    @property
    def rate(self) -> int:
        """The share of the agreement done, in percent: the mean of its items' shares (each
        done up to its target), so that 100 hours and 2 projects weigh the same."""
        if not self.items:
            return 0
        return int(sum((i.share for i in self.items), Decimal(0)) * 100 / len(self.items))

    @property
    def due(self) -> list[CommitmentProgress]:
        return [i for i in self.items if not i.met]


def period_of(year: int) -> tuple[dt.date, dt.date]:
    """The agreement year, up to today when it is the current year."""
    start, end = records.year_bounds(year)
    return start, min(end, max(start, clock.today()))


def of_agreements(
    agreements: Iterable[Agreement], known: Mapping[str, records.ByUnit] | None = None
) -> list[AgreementProgress]:
    """The progress of several agreements: one batch of reads per year among them. ``known``
    are records a caller already read for the agreements' units over ``period_of`` their
    (single) year, by commitment kind; they are not read again."""
    agreements = list(agreements)
    commitments: dict[int, list[Commitment]] = {a.pk: [] for a in agreements}
    for c in Commitment.objects.filter(agreement_id__in=list(commitments)).order_by("id"):
        commitments[c.agreement_id].append(c)
    by_year: dict[int, list[Agreement]] = {}
    for a in agreements:
        by_year.setdefault(a.year, []).append(a)
    found: dict[int, dict[str, records.ByUnit]] = {}
    for year, group in by_year.items():
        kinds = {c.kind for a in group for c in commitments[a.pk]}
        units = sorted({a.membership.unit_id for a in group})
        start, end = period_of(year)
        known = known or {}
        found[year] = {
            str(kind): known[str(kind)]
            if str(kind) in known
            else records.READERS[CommitmentKind(kind)](units, start, end)
            for kind in kinds
        }
    out = []
    for a in agreements:
        items = []
        for c in commitments[a.pk]:
            rows = found[a.year][c.kind].get(a.membership.unit_id, [])
            done = sum((r.amount for r in rows), Decimal(0))
            items.append(CommitmentProgress(c, done, rows))
        out.append(AgreementProgress(a, items))
    return out


def of_agreement(agreement: Agreement) -> AgreementProgress:
    return of_agreements([agreement])[0]
