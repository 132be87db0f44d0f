"""业委会 elections: nomination, eligibility against the configured rules, publication, one
owners' vote per candidate (Art. 278, an ordinary item: more than half of the participating
heads and area, after two thirds took part), and the committee's posts in the registry.

The negative list is data (``DEFAULT_RULES``, copied into the election when it is created,
``TONGXIN_ELECTION_RULES`` to configure): Shanghai's 2023 rule bars relatives working for the
property company and owners with uncorrected illegal building, structural damage or illegal
letting. ``owner`` and ``property_staff`` are checked against the registry; the others are
findings a manager records (with a note) from the inspection records.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core import audit, clock
from tongxin.core.actors import Actor, as_account
from tongxin.core.errors import TransitionRefused, ValidationFailed
from tongxin.orgs.models import Organisation, OrgKind, Post
from tongxin.orgs.roles import Role
from tongxin.people.models import DwellingOwner, Person
from tongxin.places.models import Place

from .. import policies
from ..counting import hundredths
from ..errors import AlreadyDone, ElectionNotReady
from ..models import (
    Candidate,
    CandidateState,
    Election,
    ElectionState,
    Electorate,
    Rule,
    VoteState,
)
from .votes import vote_close, vote_open

DEFAULT_RULES: list[dict[str, str]] = [  # i18n-data: the labels are stored with the election
    {"code": "owner", "label": "须为本小区业主", "check": "registry"},
    {
        "code": "property_staff",
        "label": "本人或近亲属在本小区物业服务企业任职",
        "check": "registry",
    },
    {"code": "illegal_building", "label": "有违法搭建且未整改", "check": "finding"},
    {"code": "structural_damage", "label": "擅自改变房屋结构且未整改", "check": "finding"},
    {"code": "illegal_letting", "label": "违规出租（群租）且未整改", "check": "finding"},
]


def _problem(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(reason, fields=[{"field": field, "reason": reason}])


def _refuse_state(election: Election) -> TransitionRefused:
    return TransitionRefused(
        _("选举当前为“{state}”，不能这样做").format(state=election.get_state_display()),
        context={"state": election.state},
    )


def election_create(*, actor: Actor, place_id: int, title: str, seats: int) -> Election:
    place = (
        Place.objects.filter(pk=place_id, kind="estate").first() if 0 < place_id < 2**31 else None
    )
    if place is None:
        raise _problem("place_id", _("请选择小区"))
    policies.require_manager_of(actor, place.path)
    title = (title or "").strip()[:200]
    if not title:
        raise _problem("title", _("不能为空"))
    if not 3 <= seats <= 15:
        raise _problem("seats", _("委员名额应为3至15人"))
    rules = list(getattr(settings, "TONGXIN_ELECTION_RULES", DEFAULT_RULES))
    with transaction.atomic():
        e = Election.objects.create(
            title=title,
            place=place,
            place_path=place.path,
            seats=int(seats),
            rules=rules,
            created_by=as_account(actor),
        )
        audit.record(actor=actor, action="deliberation.election_create", obj=e)
    return e


def _registry_checks(election: Election, person: Person) -> dict[str, Any]:
    owns = DwellingOwner.objects.filter(
        person=person, deed__place_path__prefix=election.place_path
    ).exists()
    property_orgs = Organisation.objects.filter(
        kind=OrgKind.PROPERTY_COMPANY, places__path__in=_paths_up(election.place_path)
    )
    household = list(
        Person.objects.filter(household_id=person.household_id).values_list("id", flat=True)
        if person.household_id
        else [person.pk]
    )
    staff = (
        Post.objects.active(clock.today())
        .filter(person_id__in=household, organisation__in=property_orgs)
        .exists()
    )
    return {
        "owner": {"failed": not owns, "note": "", "source": "registry"},
        "property_staff": {"failed": staff, "note": "", "source": "registry"},
    }


def _paths_up(path: str) -> list[str]:
    return [path[:k] for k in range(4, len(path) + 1, 4)]


def _settle(c: Candidate, rules: list[dict[str, str]]) -> None:
    codes = [r["code"] for r in rules]
    failed = any(c.checks.get(code, {}).get("failed") for code in codes)
    c.state = CandidateState.INELIGIBLE if failed else CandidateState.ELIGIBLE


def candidate_nominate(
    *, actor: Actor, election: Election, person_id: int | None = None, statement: str = ""
) -> Candidate:
    """Nominate a candidate: oneself (an owner of the estate), or anyone by a manager. The
    registry's checks run at once; the findings follow."""
    if election.state != ElectionState.NOMINATING:
        raise _refuse_state(election)
    own = getattr(actor, "person_id", None)
    if person_id is None or person_id == own:
        if not own:
            raise _problem("person_id", _("您的账号未关联居民"))
        person_id = own
    else:
        policies.require_manager_of(actor, election.place_path)
    person = (
        Person.objects.filter(pk=person_id, is_active=True).first()
        if 0 < person_id < 2**31
        else None
    )
    if person is None:
        raise _problem("person_id", _("没有这位居民"))
    with transaction.atomic():
        c, made = Candidate.objects.get_or_create(
            election=election,
            person=person,
            defaults={"statement": statement[:2000], "nominated_by": as_account(actor)},
        )
        if not made:
            raise AlreadyDone(_("已经提名过"))
        c.checks = _registry_checks(election, person)
        _settle(c, election.rules)
        c.save()
        audit.record(
            actor=actor,
            action="deliberation.candidate_nominate",
            obj=c,
            subject_person_id=person.pk,
        )
    return c


def candidate_finding(
    *, actor: Actor, candidate: Candidate, rule: str, failed: bool, note: str
) -> Candidate:
    """A manager records what the inspection records say about one rule of the list."""
    election = candidate.election
    policies.require_manager_of(actor, election.place_path)
    if election.state != ElectionState.NOMINATING:
        raise _refuse_state(election)
    codes = {r["code"]: r for r in election.rules}
    if rule not in codes or codes[rule].get("check") != "finding":
        raise _problem("rule", _("没有这项需要审查的条件"))
    note = (note or "").strip()[:500]
    if failed and not note:
        raise _problem("note", _("不符合条件时须写明依据"))
    with transaction.atomic():
        candidate.checks = {
            **candidate.checks,
            rule: {"failed": bool(failed), "note": note, "source": "finding"},
        }
        _settle(candidate, election.rules)
        candidate.save()
        audit.record(
            actor=actor,
            action="deliberation.candidate_finding",
            obj=candidate,
            subject_person_id=candidate.person_id,
            detail={"rule": rule, "failed": bool(failed)},
        )
    return candidate


def election_publish(*, actor: Actor, election: Election) -> Election:
    """Publish the eligible candidates (公示), once every finding rule was looked at."""
    policies.require_manager_of(actor, election.place_path)
    if election.state != ElectionState.NOMINATING:
        raise _refuse_state(election)
    findings = [r["code"] for r in election.rules if r.get("check") == "finding"]
    pending = [
        c.pk
        for c in election.candidates.exclude(state=CandidateState.INELIGIBLE)
        if any(code not in c.checks for code in findings)
    ]
    if pending:
        raise ElectionNotReady(_("还有候选人未完成资格审查"), context={"candidates": pending})
    eligible = election.candidates.filter(state=CandidateState.ELIGIBLE).count()
    if eligible < election.seats:
        raise ElectionNotReady(_("符合条件的候选人（{n}人）少于委员名额").format(n=eligible))
    election.state = ElectionState.PUBLISHED
    election.save(update_fields=["state", "updated_at"])
    audit.record(actor=actor, action="deliberation.election_publish", obj=election)
    return election


def election_open(*, actor: Actor, election: Election, closes_at: dt.datetime) -> Election:
    """One owners' vote per eligible candidate, the electorate frozen now."""
    policies.require_manager_of(actor, election.place_path)
    if election.state != ElectionState.PUBLISHED:
        raise _refuse_state(election)
    with transaction.atomic():
        for c in election.candidates.filter(state=CandidateState.ELIGIBLE).select_related("person"):
            c.vote = vote_open(
                actor=actor,
                title=_("{election}：同意{name}当选业主委员会委员").format(
                    election=election.title, name=c.person.name
                )[:200],
                electorate=Electorate.OWNERS,
                place_id=election.place_id,
                rule=Rule.ART278_ORDINARY,
                closes_at=closes_at,
                secret=True,
            )
            c.save(update_fields=["vote", "updated_at"])
        election.state = ElectionState.VOTING
        election.save(update_fields=["state", "updated_at"])
        audit.record(actor=actor, action="deliberation.election_open", obj=election)
    return election


def election_decide(*, actor: Actor, election: Election) -> Election:
    """Close the candidates' votes; those who passed are elected in order of the area, then
    the heads in favour, up to the seats; the committee and its posts are created."""
    policies.require_manager_of(actor, election.place_path)
    if election.state != ElectionState.VOTING:
        raise _refuse_state(election)
    with transaction.atomic():
        ranked = []
        for c in election.candidates.filter(state=CandidateState.ELIGIBLE).select_related("vote"):
            vote = c.vote
            if vote is None:
                continue
            if vote.state == VoteState.OPEN:
                vote = vote_close(actor=actor, vote=vote)
            r = vote.result or {}
            if r.get("passed"):
                ranked.append((r["yes_area"], r["yes_heads"], c))
            else:
                c.state = CandidateState.NOT_ELECTED
                c.save(update_fields=["state", "updated_at"])
        ranked.sort(key=lambda t: (-hundredths(t[0]), -t[1], t[2].pk))
        community_org = (
            Organisation.objects.filter(
                kind=OrgKind.RESIDENTS_COMMITTEE, places__path__in=_paths_up(election.place_path)
            )
            .order_by("-depth")
            .first()
        )
        estate = election.place
        spec = {
            "kind": OrgKind.OWNERS_COMMITTEE,
            "code": f"YWH-{estate.code}-{election.pk}"[:40],
            "name": _("{estate}业主委员会").format(estate=estate.name)[:100],
        }
        committee = (
            Organisation.objects.add_child(community_org, spec)
            if community_org is not None
            else Organisation.objects.add_root(instance=Organisation(**spec))
        )
        committee.places.add(estate)
        today = clock.today()
        for n, (_area, _heads, c) in enumerate(ranked):
            if n < election.seats:
                c.state = CandidateState.ELECTED
                Post.objects.create(
                    person=c.person,
                    role=Role.DIRECTOR if n == 0 else Role.COMMITTEE_MEMBER,
                    place=estate,
                    place_path=estate.path,
                    organisation=committee,
                    start_date=today,
                )
            else:
                c.state = CandidateState.NOT_ELECTED
            c.save(update_fields=["state", "updated_at"])
        election.committee_id = committee.pk
        election.state = ElectionState.DECIDED
        election.save(update_fields=["state", "committee_id", "updated_at"])
        audit.record(
            actor=actor,
            action="deliberation.election_decide",
            obj=election,
            detail={"elected": min(len(ranked), election.seats)},
        )
    return election
