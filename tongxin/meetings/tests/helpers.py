"""Shared set-up for the meeting tests: the demo community's committee, co-building units
with a liaison each, and a meeting convened by the secretary."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tongxin.core import clock
from tongxin.meetings import services
from tongxin.meetings.models import Meeting
from tongxin.orgs.models import Organisation, OrgKind, Post
from tongxin.orgs.roles import Role
from tongxin.people.models import Person


def committee() -> Organisation:
    return Organisation.objects.filter(kind=OrgKind.PARTY_COMMITTEE).order_by("path").first()


def units(n: int = 2) -> list[Organisation]:
    comm = committee()
    return list(
        Organisation.objects.filter(
            kind=OrgKind.CO_BUILDING_UNIT, path__startswith=comm.path
        ).order_by("code")[:n]
    )


def liaison_of(unit: Organisation) -> Person:
    """The unit's liaison: the demo's when it has one, else a resident given a post there."""
    post = Post.objects.active().filter(organisation=unit).order_by("id").first()
    if post is not None:
        return post.person
    holders = Post.objects.values("person_id")
    person = (
        Person.objects.filter(is_active=True, place_path__startswith=committee_place_path())
        .exclude(pk__in=holders)
        .order_by("id")[unit.pk % 50]
    )
    Post.objects.create(person=person, role=Role.DEPARTMENT_OFFICER, organisation=unit)
    return person


def committee_place_path() -> str:
    return committee().places.order_by("path").first().path


def user_for(person: Person, username: str) -> Any:
    from tongxin.accounts.models import User

    user = User.objects.filter(person=person).first()
    if user is None:
        user = User.objects.create_user(username=username, password="x", person=person)
    return user


def convene(
    demo: Any,
    *,
    kind: str = "joint",
    invitees: list[dict[str, Any]] | None = None,
    starts_at: dt.datetime | None = None,
    actor: Any = None,
    **kw: Any,
) -> Meeting:
    if invitees is None:
        invitees = [{"kind": "unit", "id": u.pk} for u in units(2)]
    return services.meeting_convene(
        actor=actor or demo.user("secretary"),
        kind=kind,
        organisation_id=kw.pop("organisation_id", committee().pk),
        starts_at=starts_at or clock.now() + dt.timedelta(hours=1),
        agenda=kw.pop("agenda", ["通报本季度共建项目进展", "研究下季度微心愿认领"]),
        invitees=invitees,
        **kw,
    )
