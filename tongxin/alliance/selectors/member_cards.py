"""The in-service member scorecard's collector (在职党员): each member's facts for a year,
from the records, evaluated by the one scoring engine with the alliance's member formula
(``Alliance.member_formula``, else ``defaults.DEFAULT_MEMBER_FORMULA``).

Facts:

- ``hours_target`` (amount): the alliance's yearly target (``Alliance.hours_target``);
- ``hours_served`` (amounts, hours): confirmed service in activities and completed needs
  (``records.service_rows``, the same reader as the unit's hours);
- ``pledge_made`` / ``pledge_delivered`` / ``pledge_unmet``: the member's pledges of the year
  by state (an unmet one carries its explanation);
- ``registered``: the 报到 at the community of residence (``people.PartyMembership``), made
  by the end of the year.

A member belongs to the alliance of their employer's membership; where the employer is a
member of several (the street's and a community's), the one whose place covers the community
the member registered at, else the first joined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from tongxin.core.scoring import Evidence, FactSet, Formula, Result, evaluate
from tongxin.people.models import PartyMembership

from ..defaults import DEFAULT_MEMBER_FORMULA
from ..models import (
    Alliance,
    CardState,
    InServiceMember,
    MemberScorecard,
    Membership,
    Pledge,
    PledgeState,
)
from . import progress, records


def member_formula_of(alliance: Alliance) -> Formula:
    return Formula.parse(alliance.member_formula or DEFAULT_MEMBER_FORMULA)


@dataclass
class MemberCard:
    member: InServiceMember
    year: int
    result: Result


def alliances_of(members: Sequence[InServiceMember]) -> dict[int, Alliance]:
    """member id → the alliance whose formula scores them (members whose employer is in no
    alliance are left out)."""
    units = {m.unit_id for m in members}
    by_unit: dict[int, list[Alliance]] = {}
    for ms in (
        Membership.objects.filter(unit_id__in=units, left_on__isnull=True)
        .select_related("alliance")
        .order_by("joined_on", "id")
    ):
        by_unit.setdefault(ms.unit_id, []).append(ms.alliance)
    registered = dict(
        PartyMembership.objects.filter(person_id__in={m.person_id for m in members})
        .exclude(registered_community=None)
        .values_list("person_id", "registered_community__path")
    )
    out: dict[int, Alliance] = {}
    for m in members:
        options = by_unit.get(m.unit_id, [])
        if not options:
            continue
        home = registered.get(m.person_id) or ""
        covering = [a for a in options if home.startswith(a.place_path)]
        out[m.pk] = max(covering, key=lambda a: len(a.place_path)) if covering else options[0]
    return out


def _pledge_evidence(p: Pledge) -> Evidence:
    text = p.text if p.state != PledgeState.UNMET else f"{p.text}（{p.explanation}）"
    return Evidence("alliance.pledge", p.pk, text, reverse("alliance:member", args=[p.member_id]))


def collect(members: Sequence[InServiceMember], year: int, target: int) -> dict[int, FactSet]:
    """member id → the member's facts for ``year`` (a fixed number of queries)."""
    start, end = progress.period_of(year)
    facts = {m.pk: FactSet() for m in members}
    member_of_person = {m.person_id: m.pk for m in members}
    for fs in facts.values():
        fs.add("hours_target", amount=target)
    for pid, r in records.service_rows(list(member_of_person), start, end):
        facts[member_of_person[pid]].add("hours_served", r.evidence, amount=r.amount)
    for p in Pledge.objects.filter(member__in=[m.pk for m in members], year=year).order_by("id"):
        ev = _pledge_evidence(p)
        facts[p.member_id].add("pledge_made", ev)
        if p.state == PledgeState.DELIVERED:
            facts[p.member_id].add("pledge_delivered", ev)
        elif p.state == PledgeState.UNMET:
            facts[p.member_id].add("pledge_unmet", ev)
    for pm in (
        PartyMembership.objects.filter(
            person_id__in=list(member_of_person), registered_date__lte=end
        )
        .exclude(registered_community=None)
        .select_related("registered_community")
    ):
        facts[member_of_person[pm.person_id]].add(
            "registered",
            Evidence(
                "people.party_membership",
                pm.pk,
                _("{date} 到{place}报到").format(
                    date=pm.registered_date, place=pm.registered_community.name
                ),
            ),
        )
    return facts


def compute(alliance: Alliance, members: Sequence[InServiceMember], year: int) -> list[MemberCard]:
    """The live cards of some in-service members by ``alliance``'s member formula."""
    formula = member_formula_of(alliance)
    facts = collect(members, year, alliance.hours_target)
    return [MemberCard(m, year, evaluate(formula, facts[m.pk])) for m in members]


def members_of_alliance(alliance: Alliance) -> list[InServiceMember]:
    """The in-service members this alliance scores."""
    units = Membership.objects.filter(alliance=alliance).values_list("unit_id", flat=True)
    members = list(
        InServiceMember.objects.filter(unit_id__in=list(units))
        .select_related("person", "unit")
        .order_by("unit_id", "id")
    )
    home = alliances_of(members)
    return [m for m in members if home.get(m.pk) and home[m.pk].pk == alliance.pk]


def card_of(member: InServiceMember, year: int) -> dict[str, Any] | None:
    """The member's card for ``year``: the stored one once published or final, else computed
    live; ``None`` when the employer is in no alliance."""
    stored = MemberScorecard.objects.filter(member=member, year=year).first()
    if stored is not None and stored.state != CardState.DRAFT:
        body = dict(stored.result)
        body.update(
            state=stored.state,
            publish_until=stored.publish_until.isoformat() if stored.publish_until else None,
            scorecard_id=stored.pk,
            alliance_id=stored.alliance_id,
        )
        return body
    alliance = alliances_of([member]).get(member.pk)
    if alliance is None:
        return None
    body = compute(alliance, [member], year)[0].result.as_dict()
    body.update(
        state=CardState.DRAFT.value,
        publish_until=None,
        scorecard_id=stored.pk if stored else None,
        alliance_id=alliance.pk,
    )
    return body


def total(body: dict[str, Any]) -> Decimal:
    return Decimal(body["total"])


def rows_of(alliance: Alliance, year: int) -> list[dict[str, Any]]:
    """The alliance's in-service members' cards, best first: stored ones as stored, the rest
    live (for its managers' list and export)."""
    members = members_of_alliance(alliance)
    stored = {
        c.member_id: c
        for c in MemberScorecard.objects.filter(alliance=alliance, year=year).exclude(
            state=CardState.DRAFT
        )
    }
    live = {
        c.member.pk: c.result
        for c in compute(alliance, [m for m in members if m.pk not in stored], year)
    }
    out = []
    for m in members:
        if m.pk in stored:
            s = stored[m.pk]
            out.append(
                {"member": m, "total": s.total, "grade": s.grade, "state": s.get_state_display()}
            )
        else:
            r = live[m.pk]
            out.append(
                {
                    "member": m,
                    "total": r.total,
                    "grade": r.grade,
                    "state": str(CardState.DRAFT.label),
                }
            )
    out.sort(key=lambda row: (-row["total"], row["member"].person.name))
    return out
