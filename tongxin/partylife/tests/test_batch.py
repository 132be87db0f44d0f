"""The member cards computed for many members at once are the cards computed one by one, in a
number of SQL statements that does not grow with the members (the year-end benchmark computes
5,000 and more in pages of 500); stored drafts likewise (``cards_compute``)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tongxin.alliance.models import InServiceMember, Pledge, PledgeState
from tongxin.core import tokens
from tongxin.orgs.models import Organisation, Post
from tongxin.orgs.roles import Role
from tongxin.partylife import centres, services
from tongxin.partylife.models import AppraisalGrade, CardKind, CardState, PartyCard
from tongxin.partylife.selectors import cards
from tongxin.people.models import MembershipStatus, PartyMembership, Person
from tongxin.places.models import Place
from tongxin.volunteering.models import Activity, Signup, SignupStatus, Volunteer
from tongxin.volunteering.services import default_rule

from .conftest import at
from .test_cards import material, study_it

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

YEAR = 2026


def served(branch, demo, person, minutes, when, title):
    """A confirmed volunteering signup of ``person`` (rows as the volunteering services leave
    them once the minutes are confirmed)."""
    community = Place.objects.get(path=demo.grid(3).path[: -Place.steplen])
    volunteer = Volunteer.objects.filter(person=person).first() or Volunteer.objects.create(
        person=person, person_path=person.place_path, community=community, status="approved"
    )
    activity = Activity.objects.create(
        community=community,
        created_by=branch.secretary,
        title=title,
        starts_at=when,
        ends_at=when + dt.timedelta(hours=2),
        slots=10,
        rule=default_rule(community),
        checkin_token=tokens.mint(20),
    )
    Signup.objects.create(
        activity=activity,
        volunteer=volunteer,
        status=SignupStatus.CONFIRMED,
        minutes=minutes,
        confirmed_at=when + dt.timedelta(hours=3),
    )


@pytest.fixture
def records(branch, demo):
    """A year of every kind of record a member card reads, spread over the branch's members
    (and the demo's party life for the committee's other branches)."""
    x, y, z = branch.members[1], branch.members[2], branch.members[3]
    for month in (1, 2, 3):
        branch.hold(at(YEAR, month, 15))
    branch.hold(at(YEAR, 4, 15), absent={x.pk: "", y.pk: "出差"})
    branch.hold(at(YEAR, 5, 15), kind="party_lecture", absent={z.pk: ""})
    branch.hold(at(YEAR - 1, 12, 15), absent={x.pk: ""})  # last year's: not counted
    study_it(branch, x, material(branch), at(YEAR, 2, 1))
    study_it(branch, y, material(branch, dt.date(YEAR, 3, 1)), at(YEAR, 3, 2))
    served(branch, demo, x, 150, at(YEAR, 6, 1), "清理楼道")
    served(branch, demo, x, 45, at(YEAR, 7, 1), "敬老院陪护")
    served(branch, demo, z, 600, at(YEAR, 8, 1), "防汛值守")
    unit = Organisation.objects.exclude(kind__in=cards.BRANCH_KINDS).order_by("id").first()
    assert unit is not None
    for person, states in (
        (y, [PledgeState.DELIVERED, PledgeState.UNMET, PledgeState.PLEDGED]),
        (z, [PledgeState.DELIVERED, PledgeState.DELIVERED]),
    ):
        member = InServiceMember.objects.create(unit=unit, person=person)
        for i, state in enumerate(states):
            Pledge.objects.create(
                member=member,
                year=YEAR,
                text=f"承诺{i}",
                state=state,
                explanation="调岗" if state == PledgeState.UNMET else "",
            )
    post = Post.objects.create(
        person=y,
        role=Role.CENTRE_HOUSEHOLD,
        organisation=branch.org,
        place=demo.grid(3),
        start_date=dt.date(YEAR, 1, 1),
    )
    with time_machine.travel(at(YEAR, 3, 1), tick=False):
        for p in (x, z, branch.members[4]):
            centres.centre_link(actor=branch.secretary, centre_id=post.pk, person_id=p.pk)
    with time_machine.travel(at(YEAR, 12, 1), tick=False):
        a = services.appraisal_open(actor=branch.secretary, organisation=branch.org, year=YEAR)
        services.appraisal_grade(
            actor=branch.secretary,
            appraisal=a,
            grades={
                x.pk: AppraisalGrade.EXCELLENT,
                y.pk: AppraisalGrade.QUALIFIED,
                z.pk: AppraisalGrade.BASIC,
            },
        )
    return branch


def memberships(committee: Organisation) -> list[PartyMembership]:
    return list(
        PartyMembership.objects.filter(organisation__path__startswith=committee.path)
        .select_related("person", "organisation")
        .order_by("id")
    )


def as_data(card: cards.Card) -> tuple:
    return (
        card.id,
        card.kind,
        card.subject,
        card.organisation_id,
        card.stars,
        card.result.as_dict(),
    )


def test_cards_in_batch_are_the_cards_one_by_one(records):
    ms = memberships(records.committee)
    assert len(ms) > len(records.members)  # the demo's branches' members too
    with time_machine.travel(at(YEAR + 1, 1, 5), tick=False):
        batch = [as_data(c) for c in cards.evaluate_members(ms, YEAR)]
        one_by_one = [as_data(cards.evaluate_members([m], YEAR)[0]) for m in ms]
    assert batch == one_by_one
    # every kind of evidence is in the comparison
    rules = {i["rule"] for *_rest, result in batch for i in result["items"]}
    assert {
        "life_attended",
        "life_unexcused",
        "study_done",
        "volunteer_hours",
        "pledge_delivered",
        "pledge_unmet",
        "centre_household",
        "appraisal_grade",
        "appraisal.probationary",
    } <= rules
    card = dict((c[0], c) for c in batch)[f"member-{records.members[1].pk}-{YEAR}"]
    hours = next(i for i in card[5]["items"] if i["rule"] == "volunteer_hours")
    assert hours["raw"] == "3.25" and len(hours["evidence"]) == 2  # 150 + 45 minutes


def test_member_cards_take_the_same_statements_for_one_member_or_many(records):
    ms = memberships(records.committee)
    by_person = {m.person_id: m for m in ms}
    x, y, z = (by_person[p.pk] for p in records.members[1:4])
    counts = []
    # one member, three, all: each set with every kind of record (y is a centre household)
    with time_machine.travel(at(YEAR + 1, 1, 5), tick=False):
        for some in ([y], [x, y, z], ms):
            with CaptureQueriesContext(connection) as ctx:
                assert len(cards.evaluate_members(some, YEAR)) == len(some)
            counts.append(len(ctx.captured_queries))
    assert len(ms) >= 20
    assert counts[0] == counts[1] == counts[2] <= 9, counts


def test_stored_drafts_take_the_same_statements_for_more_members(records):
    """Recomputing a branch's drafts: the statements do not grow with its members (the rows
    read and written in bulk), and the rows are the live cards."""
    branch = records

    def compute():
        with (
            time_machine.travel(at(YEAR + 1, 1, 5), tick=False),
            CaptureQueriesContext(connection) as ctx,
        ):
            out = services.cards_compute(actor=branch.secretary, organisation=branch.org, year=YEAR)
        return out, len(ctx.captured_queries)

    first, _n = compute()
    assert len(first) == 1 + len(branch.members)  # the branch's card and its members'
    again, before = compute()  # every row exists: updated in place
    assert [c.pk for c in again] == [c.pk for c in first]
    extra = list(
        Person.objects.filter(
            party_membership__isnull=True, posts__isnull=True, user__isnull=True
        ).order_by("id")[:12]
    )
    for p in extra:
        PartyMembership.objects.create(
            person=p, organisation=branch.org, status=MembershipStatus.FULL
        )
    grown, _n = compute()  # twelve rows more to create
    assert len(grown) == len(first) + len(extra)
    again, after = compute()
    assert after == before, (before, after)
    stored = {
        c.person_id: c
        for c in PartyCard.objects.filter(year=YEAR, kind=CardKind.MEMBER, organisation=branch.org)
    }
    with time_machine.travel(at(YEAR + 1, 1, 5), tick=False):
        live = cards.evaluate_members(services.members_of(branch.org), YEAR)
    assert len(live) == len(branch.members) + len(extra)
    for card in live:
        row = stored[card.subject_id]
        assert row.state == CardState.DRAFT and row.organisation_id == card.organisation_id
        assert (row.total, row.stars) == (card.result.total, card.stars)
        assert row.result == card.result.as_dict()
    assert all(r.computed_at == at(YEAR + 1, 1, 5) for r in stored.values())


def test_a_published_card_is_left_as_it_is(records):
    branch = records
    x = branch.members[1]
    with time_machine.travel(at(YEAR + 1, 1, 5), tick=False):
        services.cards_compute(actor=branch.secretary, organisation=branch.org, year=YEAR)
    PartyCard.objects.filter(person_id=x.pk, year=YEAR).update(state=CardState.FINAL, total=1)
    with time_machine.travel(at(YEAR + 1, 1, 6), tick=False):
        out = services.cards_compute(actor=branch.secretary, organisation=branch.org, year=YEAR)
    assert x.pk not in {c.person_id for c in out} and len(out) == len(branch.members)
    row = PartyCard.objects.get(person_id=x.pk, year=YEAR)
    assert row.state == CardState.FINAL and row.total == 1
    assert all(
        c.computed_at == at(YEAR + 1, 1, 6)
        for c in PartyCard.objects.filter(pk__in=[c.pk for c in out])
    )
