"""Writes of votes: open (freeze the electorate), cast a ballot (one per head, a receipt),
close (store the result). Keyword-only, with an explicit ``actor``; each in one transaction.

The electorate is computed from the registry when the vote opens and never again:

- ``owners``: the dwellings under the place with a deed; dwellings with the same set of
  owners are one head with their areas summed (an owner of several units is one head; a
  co-owned unit is one vote, cast by any of its owners) — 建筑物区分所有权司法解释 Art. 9;
- ``households``: each household under the place, cast by any adult member;
- ``residents``: each adult resident under the place;
- ``representatives``: the holders of the representative posts under the place
  (``REPRESENTATIVE_ROLES``, configurable with ``TONGXIN_REPRESENTATIVE_ROLES``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from tongxin.core import audit, clock, tokens
from tongxin.core.actors import Actor, as_account
from tongxin.core.errors import ValidationFailed
from tongxin.orgs.models import Post
from tongxin.people.models import DwellingOwner, Household, Person
from tongxin.places.models import Place

from .. import counting, policies
from ..errors import AlreadyVoted, EmptyElectorate, NotAnElector, VoteClosed
from ..models import Ballot, Choice, Elector, Electorate, ElectorMember, Rule, Vote, VoteState

REPRESENTATIVE_ROLES = ("estate_head", "building_head", "unit_head", "group_leader")
ADULT_AGE = 18
ELECTOR_PLACE_KINDS = ("community", "grid", "estate", "building", "unit")


def _problem(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(reason, fields=[{"field": field, "reason": reason}])


# ---------------------------------------------------------------------------- electorate


@dataclass
class Head:
    label: str
    area: int  # hundredths of m²
    units: list[dict[str, str]]
    persons: list[int]


def _labels(place: Place) -> dict[str, str]:
    """Every place under ``place`` by path → its name below the estate ("1栋1单元101室")."""
    names = dict(Place.objects.under(place).values_list("path", "name"))
    kinds = dict(Place.objects.under(place).values_list("path", "kind"))
    out: dict[str, str] = {}
    for path in names:
        parts = []
        for k in range(len(place.path) + 4, len(path) + 1, 4):
            p = path[:k]
            if kinds.get(p) in ("building", "unit", "dwelling"):
                parts.append(names[p])
        out[path] = "".join(parts) or names[path]
    return out


def _adult_cutoff() -> dt.date:
    today = clock.today()
    try:
        return today.replace(year=today.year - ADULT_AGE)
    except ValueError:  # 29 February
        return today.replace(year=today.year - ADULT_AGE, day=28)


def owners_heads(place: Place) -> list[Head]:
    labels = _labels(place)
    deeds: dict[int, dict[str, Any]] = {}
    rows = DwellingOwner.objects.filter(deed__place_path__prefix=place.path).values_list(
        "deed_id", "deed__place_path", "deed__floor_area", "person_id"
    )
    for deed_id, path, area, person_id in rows:
        d = deeds.setdefault(deed_id, {"path": path, "area": area, "owners": set()})
        d["owners"].add(person_id)
    groups: dict[frozenset[int], list[dict[str, Any]]] = defaultdict(list)
    for d in sorted(deeds.values(), key=lambda d: d["path"]):
        groups[frozenset(d["owners"])].append(d)
    heads = []
    for owners, ds in groups.items():
        units = [{"unit": labels.get(d["path"], d["path"]), "area": str(d["area"])} for d in ds]
        heads.append(
            Head(
                label="、".join(u["unit"] for u in units),
                area=sum(counting.hundredths(d["area"]) for d in ds),
                units=units,
                persons=sorted(owners),
            )
        )
    return sorted(heads, key=lambda h: h.label)


def households_heads(place: Place) -> list[Head]:
    labels = _labels(place)
    cutoff = _adult_cutoff()
    members: dict[int, list[int]] = defaultdict(list)
    for hh_id, pid, birth in Person.objects.filter(
        household__place_path__prefix=place.path, is_active=True
    ).values_list("household_id", "id", "birth_date"):
        if birth is None or birth <= cutoff:
            members[hh_id].append(pid)
    heads = []
    for hh_id, path in Household.objects.filter(place_path__prefix=place.path).values_list(
        "id", "place_path"
    ):
        if members.get(hh_id):
            label = labels.get(path, path)
            heads.append(Head(label, 0, [{"unit": label, "area": "0.00"}], members[hh_id]))
    return sorted(heads, key=lambda h: h.label)


def residents_heads(place: Place) -> list[Head]:
    labels = _labels(place)
    cutoff = _adult_cutoff()
    heads = []
    for pid, path, birth in Person.objects.filter(
        place_path__prefix=place.path, is_active=True
    ).values_list("id", "place_path", "birth_date"):
        if birth is None or birth <= cutoff:
            label = labels.get(path, path)
            heads.append(Head(label, 0, [{"unit": label, "area": "0.00"}], [pid]))
    return sorted(heads, key=lambda h: h.label)


def representatives_heads(place: Place) -> list[Head]:
    roles = getattr(settings, "TONGXIN_REPRESENTATIVE_ROLES", REPRESENTATIVE_ROLES)
    labels = _labels(place)
    seen: dict[int, str] = {}
    for pid, path in (
        Post.objects.active(clock.today())
        .filter(place_path__prefix=place.path, role__in=roles)
        .order_by("place_path", "id")
        .values_list("person_id", "place_path")
    ):
        seen.setdefault(pid, labels.get(path, path))
    return [Head(label, 0, [{"unit": label, "area": "0.00"}], [pid]) for pid, label in seen.items()]


HEADS = {
    Electorate.OWNERS: owners_heads,
    Electorate.HOUSEHOLDS: households_heads,
    Electorate.RESIDENTS: residents_heads,
    Electorate.REPRESENTATIVES: representatives_heads,
}


# ---------------------------------------------------------------------------- open


def vote_open(
    *,
    actor: Actor,
    title: str,
    electorate: str,
    place_id: int,
    rule: str,
    closes_at: dt.datetime,
    secret: bool = True,
    description: str = "",
    topic: Any = None,
    meeting_id: int | None = None,
) -> Vote:
    """Open a vote now, with its electorate frozen from the registry."""
    title = (title or "").strip()
    if not title:
        raise _problem("title", _("请填写表决事项"))
    if len(title) > 200:
        raise _problem("title", _("表决事项不能超过200字"))
    if electorate not in Electorate.values:
        raise _problem("electorate", _("表决人类型不正确"))
    if rule not in Rule.values:
        raise _problem("rule", _("表决规则不正确"))
    if rule in (Rule.ART278_ORDINARY, Rule.ART278_SPECIAL) and electorate != Electorate.OWNERS:
        raise _problem("rule", _("按专有面积和人数表决的规则只适用于业主表决"))
    now = clock.now()
    if closes_at is None or closes_at <= now:
        raise _problem("closes_at", _("截止时间须晚于现在"))
    if closes_at > now + dt.timedelta(days=366):
        raise _problem("closes_at", _("截止时间不能超过一年"))
    place = Place.objects.filter(pk=place_id).first() if 0 < place_id < 2**31 else None
    if place is None or place.kind not in ELECTOR_PLACE_KINDS:
        raise _problem("place_id", _("请选择社区、网格、小区或楼栋"))
    policies.require_manager_of(actor, place.path)
    heads = HEADS[Electorate(electorate)](place)
    if not heads:
        raise EmptyElectorate(_("该范围内没有符合条件的表决人"))
    with transaction.atomic():
        vote = Vote.objects.create(
            title=title,
            description=description,
            electorate=electorate,
            rule=rule,
            secret=secret,
            place=place,
            place_path=place.path,
            opens_at=now,
            closes_at=closes_at,
            eligible_heads=len(heads),
            eligible_area=sum(h.area for h in heads),
            topic=topic,
            meeting_id=meeting_id,
            created_by=as_account(actor),
        )
        electors = Elector.objects.bulk_create(
            [
                Elector(vote=vote, label=h.label[:300], heads=1, area=h.area, units=h.units)
                for h in heads
            ],
            batch_size=1000,
        )
        ElectorMember.objects.bulk_create(
            [
                ElectorMember(vote=vote, elector=e, person_id=pid)
                for e, h in zip(electors, heads, strict=True)
                for pid in h.persons
            ],
            batch_size=1000,
        )
        audit.record(
            actor=actor,
            action="deliberation.vote_open",
            obj=vote,
            detail={"electorate": electorate, "rule": rule, "eligible_heads": len(heads)},
        )
    return vote


# ---------------------------------------------------------------------------- ballots


def receipt_hash(vote_id: int, code: str, n: int) -> str:
    return hashlib.sha256(f"{vote_id}:{code}:{n}".encode()).hexdigest()


@dataclass(frozen=True)
class Receipt:
    vote_id: int
    code: str
    ballots: int
    units: list[str]


def ballot_cast(*, actor: Actor, vote: Vote, choice: str) -> Receipt:
    """Cast the caller's ballot for every head they stand for that has not voted yet.

    Exactly once per head, whatever runs concurrently: the elector's ``voted`` mark is set by
    a conditional update (``voted = false``) in the same transaction as the ballot's insert.
    A head already voted (by this person or a co-owner) is ``ALREADY_VOTED`` (409) when no
    head is left to vote for."""
    if choice not in Choice.values:
        raise _problem("choice", _("请选择同意、反对或弃权"))
    person_id = getattr(actor, "person_id", None)
    electors = list(
        Elector.objects.filter(vote=vote, members__person_id=person_id)
        .order_by("id")
        .values_list("id", "area", "label")
        if person_id
        else []
    )
    if not electors:
        raise NotAnElector(_("您不在本次表决的表决人名单中"))
    return _cast(actor=actor, vote=vote, electors=electors, choice=choice)


def _cast(
    *, actor: Actor, vote: Vote, electors: list[tuple[int, int, str]], choice: str
) -> Receipt:
    code = tokens.mint(16)
    units: list[str] = []
    with transaction.atomic():
        if vote.state != VoteState.OPEN or clock.now() >= vote.closes_at:
            raise VoteClosed(_("本次表决已经结束"))
        n = 0
        for elector_id, area, label in electors:
            if not Elector.objects.filter(pk=elector_id, voted=False).update(voted=True):
                continue
            Ballot.objects.create(
                id=tokens.mint(24),
                vote=vote,
                choice=choice,
                heads=1,
                area=area,
                receipt_hash=receipt_hash(vote.pk, code, n),
                elector_id=None if vote.secret else elector_id,
            )
            units.append(label)
            n += 1
        if n == 0:
            raise AlreadyVoted(_("您（或同一房屋的其他业主）已经投过票"))
        # The audit says that a ballot was cast (as the elector's mark does), never how.
        audit.record(
            actor=actor, action="deliberation.ballot_cast", obj=vote, detail={"ballots": n}
        )
    return Receipt(vote_id=vote.pk, code=code, ballots=n, units=units)


def paper_ballot_enter(*, actor: Actor, vote: Vote, elector_id: int, choice: str) -> Receipt:
    """A paper ballot (纸质选票) entered by a manager of the vote's place for one elector; the
    receipt code is printed for the voter. Exactly once per elector, like a ballot online."""
    policies.require_manager_of(actor, vote.place_path)
    if choice not in Choice.values:
        raise _problem("choice", _("请选择同意、反对或弃权"))
    electors = list(
        Elector.objects.filter(vote=vote, pk=elector_id).values_list("id", "area", "label")
        if 0 < elector_id < 2**31
        else []
    )
    if not electors:
        raise _problem("elector_id", _("不在本次表决的表决人名单中"))
    return _cast(actor=actor, vote=vote, electors=electors, choice=choice)


def receipt_check(vote: Vote, code: str) -> list[str]:
    """The choices of the ballots a receipt code stands for (empty: no such ballot)."""
    code = (code or "").strip()
    if not code or len(code) > 64:
        return []
    found: list[str] = []
    n = 0
    while True:
        b = Ballot.objects.filter(vote=vote, receipt_hash=receipt_hash(vote.pk, code, n)).first()
        if b is None:
            return found
        found.append(b.choice)
        n += 1


# ---------------------------------------------------------------------------- counting


def totals_of(vote: Vote) -> counting.Totals:
    """The totals counted from the stored ballots (one grouped query)."""
    by: dict[str, tuple[int, int]] = {}
    for row in vote.ballots.values("choice").annotate(h=Sum("heads"), a=Sum("area")):
        by[row["choice"]] = (int(row["h"] or 0), int(row["a"] or 0))
    yes, no, ab = (by.get(c, (0, 0)) for c in (Choice.YES, Choice.NO, Choice.ABSTAIN))
    return counting.Totals(
        eligible_heads=vote.eligible_heads,
        eligible_area=int(vote.eligible_area),
        participating_heads=yes[0] + no[0] + ab[0],
        participating_area=yes[1] + no[1] + ab[1],
        yes_heads=yes[0],
        yes_area=yes[1],
        no_heads=no[0],
        no_area=no[1],
    )


def vote_close(*, actor: Actor | None, vote: Vote) -> Vote:
    """Close the vote and store its result (``actor`` None: the sweep at the closing time)."""
    if actor is not None:
        policies.require_manager_of(actor, vote.place_path)
    with transaction.atomic():
        vote = Vote.objects.select_for_update().get(pk=vote.pk)
        if vote.state != VoteState.OPEN:
            raise VoteClosed(_("本次表决已经结束"))
        vote.state = VoteState.CLOSED
        vote.closed_at = clock.now()
        body = counting.result_body(vote.rule, totals_of(vote), final=True)
        vote.result = counting.stored_part(body)
        vote.save(update_fields=["state", "closed_at", "result", "updated_at"])
        audit.record(
            actor=actor,
            action="deliberation.vote_close",
            obj=vote,
            detail={"passed": body["passed"], "outcome": body["outcome"]},
        )
    return vote
