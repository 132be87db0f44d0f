"""党员中心户 (1+10+N): each centre household links about ten party members and serves N
households of the masses (四圈四提力, 文化路). The centre is a ``centre_household`` post in a
party organisation; its links are ``CentreLink`` rows, ended rather than deleted so that a
year's duty stays on record (the member card's ``centre_household`` evidence counts them).

Writes (``centre_link``, ``centre_unlink``) are the officers' over the centre's organisation;
reads go through ``CentreLink.objects.visible_to``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from tongxin.core import audit, clock
from tongxin.core.actors import Actor
from tongxin.core.errors import NotFound, Problems, ValidationFailed
from tongxin.core.scoping import access
from tongxin.orgs.models import Organisation, Post
from tongxin.orgs.roles import Role
from tongxin.people.models import Household, PartyMembership

from .models import CentreLink, CentreLinkKind
from .policies import oversees

MEMBERS_ABOUT = 10  # "1+10+N": about ten members each


def centre_posts(organisation: Organisation, on: dt.date | None = None) -> Any:
    """The centre households in force in the organisation and those under it: posts of the
    organisation, or posts held at a home by a member of it (the 1+10+N post is often the
    home's, with no organisation of its own)."""
    under = organisation.path
    return (
        Post.objects.active(on)
        .filter(role=Role.CENTRE_HOUSEHOLD)
        .filter(
            Q(organisation__path__startswith=under)
            | Q(
                organisation__isnull=True,
                person__party_membership__organisation__path__startswith=under,
            )
        )
        .select_related("person", "organisation", "place")
        .order_by("person__name", "id")
    )


def organisation_of(post: Post) -> Organisation | None:
    """The party organisation a centre household answers to: its post's, else its member's."""
    if post.organisation is not None:
        return post.organisation
    pm = (
        PartyMembership.objects.filter(person_id=post.person_id)
        .select_related("organisation")
        .first()
    )
    return pm.organisation if pm else None


def _centre_for(actor: Actor, centre_id: Any) -> Post:
    """A centre household of an organisation the actor oversees (404 otherwise)."""
    found = access(
        Post.objects.visible_to(actor)
        .filter(role=Role.CENTRE_HOUSEHOLD)
        .select_related("organisation"),
        centre_id,
    )
    org = organisation_of(found)
    if org is None or not oversees(actor, org):
        raise NotFound()
    found.organisation = org  # for the caller: the organisation it answers to
    return found


def centre_link(
    *,
    actor: Actor,
    centre_id: Any,
    person_id: int | None = None,
    household_code: str = "",
) -> CentreLink:
    """Link a party member of the centre's organisation, or a household the actor may see
    (by its code), to a centre household."""
    centre = _centre_for(actor, centre_id)
    problems = Problems()
    household = None
    code = (household_code or "").strip()
    if (person_id is None) == (not code):
        problems.add("person", _("请选择一名党员或填写一个户编号"))
    if person_id is not None:
        if person_id == centre.person_id:
            problems.add("person", _("中心户不能联系自己"))
        elif not PartyMembership.objects.filter(
            person_id=person_id,
            organisation__path__startswith=centre.organisation.path,  # type: ignore[union-attr]
        ).exists():
            problems.add("person", _("只能联系本组织的党员"))
    if code:
        household = Household.objects.visible_to(actor).filter(code=code).first()
        if household is None:
            problems.add("household", _("找不到该户（或不在您的管辖范围）"))
    problems.raise_if_any()
    with transaction.atomic():
        existing = CentreLink.objects.filter(centre=centre, until__isnull=True).filter(
            Q(person_id=person_id) if person_id is not None else Q(household=household)
        )
        if existing.exists():
            raise ValidationFailed(
                _("已在联系名单中"), fields=[{"field": "person", "reason": _("重复")}]
            )
        link = CentreLink.objects.create(
            centre=centre,
            kind=CentreLinkKind.MEMBER if person_id is not None else CentreLinkKind.HOUSEHOLD,
            person_id=person_id,
            household=household,
            since=clock.today(),
        )
        audit.record(actor=actor, action="partylife.centre_link", obj=link)
    return link


def centre_unlink(*, actor: Actor, link_id: Any) -> CentreLink:
    """End a link (today): the year's record keeps it."""
    with transaction.atomic():
        link = access(
            # lock the link's row only (the scope's joins are outer joins)
            CentreLink.objects.visible_to(actor).select_for_update(of=("self",)),
            link_id,
        )
        _centre_for(actor, link.centre_id)
        if link.until is None:
            link.until = clock.today()
            link.save(update_fields=["until", "updated_at"])
            audit.record(actor=actor, action="partylife.centre_unlink", obj=link)
    return link


@dataclass
class Centre:
    post: Post
    members: list[CentreLink] = field(default_factory=list)
    households: list[CentreLink] = field(default_factory=list)

    @property
    def short_of_members(self) -> bool:
        return len(self.members) < MEMBERS_ABOUT


def centres_of(viewer: Actor, organisation: Organisation) -> list[Centre]:
    """The organisation's centre households with their links in force (those the viewer may
    see)."""
    posts = list(centre_posts(organisation))
    out = {p.pk: Centre(p) for p in posts}
    for link in (
        CentreLink.objects.visible_to(viewer)
        .filter(centre_id__in=list(out), until__isnull=True)
        .select_related("person", "household")
        .order_by("kind", "id")
    ):
        c = out[link.centre_id]
        (c.members if link.kind == CentreLinkKind.MEMBER else c.households).append(link)
    return list(out.values())


def links_in_year(post_ids: Sequence[int], year: int) -> dict[int, tuple[int, int]]:
    """post id → (members, households) linked at some time in ``year``."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    out: dict[int, list[int]] = {pk: [0, 0] for pk in post_ids}
    for centre_id, kind in (
        CentreLink.objects.filter(centre_id__in=list(post_ids), since__lte=last)
        .filter(Q(until__isnull=True) | Q(until__gte=first))
        .values_list("centre_id", "kind")
    ):
        out[centre_id][0 if kind == CentreLinkKind.MEMBER else 1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


def my_centres(person_id: int) -> list[CentreLink]:
    """The centre households that link this member now."""
    return list(
        CentreLink.objects.filter(person_id=person_id, until__isnull=True)
        .select_related("centre__person")
        .order_by("id")
    )


def my_duty(person_id: int) -> list[CentreLink]:
    """The links in force of the centre households this member is (their own 1+10+N)."""
    return list(
        CentreLink.objects.filter(centre__person_id=person_id, until__isnull=True)
        .select_related("person", "household")
        .order_by("kind", "id")
    )
