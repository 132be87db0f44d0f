"""Fixtures for party life's tests: a branch of its own under the demo community's party
committee, with a secretary who can sign in, five full members and a probationary one, and
a helper that records a meeting at a fixed moment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.orgs.models import Organisation, OrgKind, Post
from tongxin.orgs.roles import Role
from tongxin.partylife import services
from tongxin.people.models import MembershipStatus, PartyMembership, Person


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(y, m, d, h, mi))


@dataclass
class Branch:
    org: Organisation
    committee: Organisation
    secretary: Any  # a User
    members: list[Person] = field(default_factory=list)
    probationary: Person | None = None

    @property
    def full(self) -> list[Person]:
        return [p for p in self.members if p != self.probationary]

    def user_of(self, person: Person, name: str) -> Any:
        return User.objects.filter(person=person).first() or User.objects.create(
            username=name, person=person
        )

    def hold(
        self,
        when: dt.datetime,
        kind: str = "theme_day",
        *,
        absent: dict[int, str] | None = None,
        presenter: Person | None = None,
        topic: str = "学习党章",
    ) -> Any:
        absent = absent or {}
        with time_machine.travel(when + dt.timedelta(hours=2), tick=False):
            return services.life_record(
                actor=self.secretary,
                organisation=self.org,
                kind=kind,
                starts_at=when,
                topic=topic,
                present=[p.pk for p in self.members if p.pk not in absent],
                absent=absent,
                presenter_id=presenter.pk if presenter else None,
            )


def committee() -> Organisation:
    org = Organisation.objects.filter(kind=OrgKind.PARTY_COMMITTEE).order_by("path").first()
    assert org is not None
    return org


@pytest.fixture
def branch(demo: Any) -> Branch:
    top = committee()
    org = Organisation.objects.add_child(
        top, create_kwargs={"kind": OrgKind.BRANCH, "code": "TEST-BRANCH", "name": "测试党支部"}
    )
    grid = demo.grid(3)
    org.places.add(grid)
    people = list(
        Person.objects.filter(
            party_membership__isnull=True,
            posts__isnull=True,
            user__isnull=True,
            place_path__startswith=grid.path,
        )
        .exclude(birth_date__isnull=True)
        .order_by("id")[:7]
    )
    sec_person, members = people[0], people[1:7]
    for i, p in enumerate([sec_person, *members]):
        PartyMembership.objects.create(
            person=p,
            organisation=org,
            status=MembershipStatus.PROBATIONARY if i == 6 else MembershipStatus.FULL,
        )
    Post.objects.create(person=sec_person, role=Role.BRANCH_SECRETARY, organisation=org, place=grid)
    user = User.objects.create(username="branchsec", person=sec_person)
    return Branch(
        org=org,
        committee=top,
        secretary=user,
        members=[sec_person, *members],
        probationary=members[-1],
    )
