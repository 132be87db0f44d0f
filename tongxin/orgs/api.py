"""API for organisations, posts and the responsibility query ("who is responsible here?").

Organisations are public structure, but a caller sees only those that cover a place they may
browse (or that they hold a post in); posts come through ``Post.objects.visible_to``; a post
holder's phone is shown (masked) only when the post's contact is public or the caller may see
that person anyway.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Router

from tongxin.core.actors import Actor
from tongxin.core.api_support import caller, paginate
from tongxin.core.errors import NotFound
from tongxin.core.i18n import lazy_str
from tongxin.people.models import Person
from tongxin.places.api import access_place, place_ref, visible_places

from .models import Organisation, OrgKind, Post
from .roles import Duty, Role
from .schemas import (
    OrganisationDetailOut,
    OrganisationPage,
    PostPage,
    ResponsibilityOut,
)
from .selectors import responsible_for

router = Router(tags=["organisations"])

_ROLE_LABELS = dict(Role.choices)
_ORG_KIND_LABELS = dict(OrgKind.choices)
_ROLE_ORDER = {value: i for i, value in enumerate(Role.values)}


# ------------------------------------------------------------------ helpers


def visible_organisations(user: Actor) -> QuerySet[Organisation]:
    """Organisations the caller may see (``Organisation.objects.visible_to``)."""
    return Organisation.objects.visible_to(user)


def access_organisation(user: Actor, pk: int, *, with_places: bool = False) -> Organisation:
    """The organisation if the caller may see it; ``NotFound`` (404) otherwise."""
    qs = visible_organisations(user)
    if with_places:
        qs = _with_places(qs, user)
    try:
        return qs.get(pk=pk)
    except Organisation.DoesNotExist:
        raise NotFound() from None


def contact_phones(user: Actor, posts: Iterable[Post]) -> dict[int, str | None]:
    """Post id → the masked phone the caller may see for its holder, in one query."""
    posts = list(posts)
    private = {p.person_id for p in posts if not p.public_contact}
    visible: set[int] = set()
    if private:
        visible = set(
            Person.objects.visible_to(user).filter(pk__in=private).values_list("pk", flat=True)
        )
    return {
        p.pk: (p.person.phone_masked or None)
        if p.public_contact or p.person_id in visible
        else None
        for p in posts
    }


def org_ref(org: Organisation) -> dict[str, Any]:
    return {"id": org.pk, "kind": org.kind, "code": org.code, "name": org.name}


def post_out(post: Post, phones: dict[int, str | None]) -> dict[str, Any]:
    return {
        "id": post.pk,
        "role": post.role,
        "role_label": _ROLE_LABELS.get(post.role, post.role),
        "rank": post.rank,
        "place": place_ref(post.place) if post.place is not None else None,
        "organisation": org_ref(post.organisation) if post.organisation is not None else None,
        "person": {"id": post.person_id, "name": post.person.name, "phone": phones.get(post.pk)},
        "start_date": post.start_date,
        "end_date": post.end_date,
        "public_contact": post.public_contact,
        "public_phone": post.public_phone if post.public_contact else "",
    }


def _posts(user: Actor) -> QuerySet[Post]:
    return (
        Post.objects.visible_to(user)
        .active()
        .select_related("person", "place", "organisation")
        .only(
            "id",
            "role",
            "rank",
            "start_date",
            "end_date",
            "public_contact",
            "public_phone",
            "place_path",
            "person__id",
            "person__name",
            "person__phone_masked",
            "place__id",
            "place__kind",
            "place__code",
            "place__name",
            "organisation__id",
            "organisation__kind",
            "organisation__code",
            "organisation__name",
        )
    )


def _parent_path(org: Organisation) -> str | None:
    return org.parent_path


def organisation_out(org: Organisation, parents: dict[str, int]) -> dict[str, Any]:
    parent_path = _parent_path(org)
    return {
        **org_ref(org),
        "kind_label": _ORG_KIND_LABELS.get(org.kind, org.kind),
        "department_kind": org.department_kind,
        "parent": parents.get(parent_path) if parent_path else None,
        "depth": org.depth,
        "phone": org.phone,
        "address": org.address,
        "is_active": org.is_active,
        "places": [place_ref(p) for p in org.visible_places],
    }


def _with_places(qs: QuerySet[Organisation], user: Actor) -> QuerySet[Organisation]:
    places = visible_places(user).only("id", "kind", "code", "name", "path")
    return qs.prefetch_related(Prefetch("places", queryset=places, to_attr="visible_places"))


# ------------------------------------------------------------------ endpoints


@router.get("/organisations", response=OrganisationPage, summary=lazy_str("组织列表"))
def list_organisations(
    request: HttpRequest, kind: OrgKind | None = None, parent: int | None = None, page: int = 1
) -> Any:
    """The organisations the caller may see, in tree order (a parent before its children).
    ``kind`` filters by kind; ``parent`` lists the children of one organisation."""
    user = caller(request)
    qs = visible_organisations(user)
    if kind is not None:
        qs = qs.filter(kind=kind)
    if parent is not None:
        up = access_organisation(user, parent)
        qs = qs.filter(path__prefix=up.path, depth=up.depth + 1)
    sl = paginate(_with_places(qs.order_by("path"), user), page)
    parent_paths = {p for p in (_parent_path(o) for o in sl.items) if p}
    parents = (
        dict(visible_organisations(user).filter(path__in=parent_paths).values_list("path", "id"))
        if parent_paths
        else {}
    )
    return sl.answer([organisation_out(o, parents) for o in sl.items])


@router.get("/organisations/{org_id}", response=OrganisationDetailOut, summary=lazy_str("组织详情"))
def get_organisation(request: HttpRequest, org_id: int) -> Any:
    """One organisation, its visible ancestors and children, and its current posts."""
    user = caller(request)
    org = access_organisation(user, org_id, with_places=True)
    ancestors = list(
        visible_organisations(user).filter(path__in=org.ancestor_paths()).order_by("path")
    )
    children = list(
        visible_organisations(user)
        .filter(path__prefix=org.path, depth=org.depth + 1)
        .order_by("path")
    )
    posts = sorted(
        _posts(user).filter(organisation=org),
        key=lambda p: (_ROLE_ORDER.get(p.role, 99), p.place_path, p.rank or "Z", p.pk),
    )
    phones = contact_phones(user, posts)
    parents = {a.path: a.pk for a in ancestors}
    return {
        **organisation_out(org, parents),
        "ancestors": [org_ref(a) for a in ancestors],
        "children": [org_ref(c) for c in children],
        "posts": [post_out(p, phones) for p in posts],
    }


@router.get("/posts", response=PostPage, summary=lazy_str("职务列表"))
def list_posts(
    request: HttpRequest,
    place: int | None = None,
    role: Role | None = None,
    organisation: int | None = None,
    page: int = 1,
) -> Any:
    """Current posts the caller may see. ``place``: posts held at that place; ``role``: posts
    of that role; ``organisation``: posts in that organisation."""
    user = caller(request)
    qs = _posts(user)
    if place is not None:
        qs = qs.filter(place=access_place(user, place))
    if role is not None:
        qs = qs.filter(role=role)
    if organisation is not None:
        org = access_organisation(user, organisation)
        qs = qs.filter(organisation=org)
    sl = paginate(qs.order_by("place_path", "role", "rank", "pk"), page)
    phones = contact_phones(user, sl.items)
    return sl.answer([post_out(p, phones) for p in sl.items])


@router.get(
    "/places/{place_id}/responsible",
    response=ResponsibilityOut,
    tags=["places"],
    summary=lazy_str("责任人查询（五级负责，依次递补）"),
)
def get_responsible(
    request: HttpRequest, place_id: int, duty: Duty = Duty.GENERAL, on: dt.date | None = None
) -> Any:
    """Who is responsible for this place for ``duty`` on ``on`` (default today): the walk up
    dwelling → unit → building → estate → grid → community → street, A before B, skipping the
    absent, with the trail of who was considered and why."""
    user = caller(request)
    place = access_place(user, place_id)
    answer = responsible_for(place, duty=duty, on=on)
    post = answer.post
    person = None
    level = None
    if post is not None:
        # The post is held at this place or an ancestor, which the caller may see by name.
        phones = contact_phones(user, [post])
        person = {"id": post.person_id, "name": post.person.name, "phone": phones[post.pk]}
        level = post.place
    return {
        "place": place_ref(place),
        "duty": answer.duty,
        "duty_label": dict(Duty.choices).get(answer.duty, answer.duty),
        "on": answer.on,
        "person": person,
        "post": None
        if post is None
        else {
            "id": post.pk,
            "role": post.role,
            "role_label": _ROLE_LABELS.get(post.role, post.role),
            "rank": post.rank,
            "public_contact": post.public_contact,
            "place": place_ref(level) if level is not None else None,
        },
        "level": place_ref(level) if level is not None else None,
        "trail": answer.trail,
        "reason": answer.reason,
    }
