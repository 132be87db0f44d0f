"""Compute what a user may see from the posts their person holds and the grants they have."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from tongxin.core import clock
from tongxin.core.actors import Actor, as_account
from tongxin.core.scoping import Scope, minimal_roots
from tongxin.orgs.roles import ROLE_RULES, Role, View


def active_posts(user: Actor, on: dt.date | None = None) -> list[Any]:
    """The posts the user's person holds on ``on`` (today); read once per day asked and kept
    on the user object for the request, for the scope and the audit's role label alike."""
    from tongxin.orgs.models import Post

    if not user.person_id:
        return []
    day = on or clock.today()
    held: dict[dt.date, tuple[Any, ...]] = user.__dict__.setdefault("_tongxin_posts", {})
    if day not in held:
        held[day] = tuple(
            Post.objects.active(day)
            .filter(person_id=user.person_id)
            .select_related("place", "organisation")
            .order_by("id")
        )
    return list(held[day])


MANAGING_KINDS = frozenset({"district", "street", "community"})


def compute_scope(user: Actor) -> Scope:
    from tongxin.people.models import Person

    today = clock.today()
    person_paths: list[str] = []
    care_paths: list[str] = []
    place_paths: list[str] = []
    person_ids: set[int] = set()
    household_ids: set[int] = set()
    case_paths: list[str] = []
    org_ids: set[int] = set()
    staff_post = False
    manager_paths: list[str] = []
    dispatch_paths: list[str] = []

    if user.person_id:
        person_ids.add(user.person_id)
        account = as_account(user)
        if account._meta.get_field("person").is_cached(account):
            hh = account.person.household_id  # read with the account (the API's token)
        else:
            hh = (
                Person.objects.filter(pk=user.person_id)
                .values_list("household_id", flat=True)
                .first()
            )
        if hh:
            household_ids.add(hh)
        for post in active_posts(user, today):
            if post.organisation_id:
                org_ids.add(post.organisation_id)
            rule = ROLE_RULES.get(post.role)
            staff_post = staff_post or bool(rule and rule.view == View.STAFF)
            if rule is None or post.place is None or rule.view == View.NONE:
                continue
            place_paths.append(post.place.path)
            person_paths.append(post.place.path)
            if rule.view == View.STAFF:
                case_paths.append(post.place.path)
                if post.place.kind in MANAGING_KINDS:
                    manager_paths.append(post.place.path)
                    dispatch_paths.append(post.place.path)
            if rule.view == View.STAFF and rule.sees_care:
                care_paths.append(post.place.path)

    grants = as_account(user).grants.active(today).select_related("place")
    for grant in grants:
        place_paths.append(grant.place.path)
        person_paths.append(grant.place.path)
        case_paths.append(grant.place.path)
        if grant.place.kind in MANAGING_KINDS:
            dispatch_paths.append(grant.place.path)
        if grant.include_care:
            care_paths.append(grant.place.path)

    return Scope(
        person_paths=minimal_roots(person_paths),
        care_paths=minimal_roots(care_paths),
        place_paths=minimal_roots(place_paths),
        person_ids=frozenset(person_ids),
        household_ids=frozenset(household_ids),
        case_paths=minimal_roots(case_paths),
        org_ids=frozenset(org_ids),
        staff_post=staff_post,
        manager_paths=minimal_roots(manager_paths),
        dispatch_paths=minimal_roots(dispatch_paths),
    )


# Which role a user "is", for the workbench and the audit log: the most senior active post.
_SENIORITY = [
    Role.STREET_OFFICER,
    Role.SECRETARY,
    Role.DEPUTY_SECRETARY,
    Role.DIRECTOR,
    Role.COMMITTEE_MEMBER,
    Role.COMMUNITY_WORKER,
    Role.GRID_CHIEF,
    Role.GRID_WORKER,
    Role.DEPARTMENT_OFFICER,
    Role.BRANCH_SECRETARY,
    Role.ESTATE_HEAD,
    Role.BUILDING_HEAD,
    Role.UNIT_HEAD,
    Role.GROUP_LEADER,
    Role.CENTRE_HOUSEHOLD,
]


def primary_post(user: Actor) -> Any | None:
    cached = getattr(user, "_tongxin_primary_post", False)
    if cached is not False:
        return cached
    posts = active_posts(user)
    posts.sort(key=lambda p: _SENIORITY.index(p.role) if p.role in _SENIORITY else 99)
    primary = posts[0] if posts else None
    user._tongxin_primary_post = primary  # type: ignore[attr-defined]  # a per-request cache
    return primary


def primary_role_label(user: Actor) -> str:
    if user.admin_duty:
        return as_account(user).get_admin_duty_display()
    post = primary_post(user)
    if post is not None:
        return post.get_role_display()
    if user.person_id:
        from tongxin.people.models import PartyMembership

        if PartyMembership.objects.filter(person_id=user.person_id).exists():
            return _("党员")
        return _("居民")
    return ""
