"""The organisation tree and the page of each organisation.

Organisations themselves are public structure (照片上墙); the people behind their posts and
their party members are personal data and reach the page only through ``visible_to``.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, Value, When
from django.http import HttpResponse
from django.shortcuts import render

from tongxin.core.actors import ActorRequest
from tongxin.core.scoping import access
from tongxin.people.display import openable_person_ids
from tongxin.people.models import PartyMembership
from tongxin.places.models import Place
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate, search_text

from .models import Organisation, OrgKind, Post
from .roles import Role

PARTY_KINDS = {OrgKind.PARTY_COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH, OrgKind.PARTY_GROUP}

# Posts listed by seniority (书记 before 委员 before 网格员…), as Role declares them.
ROLE_ORDER = Case(
    *[When(role=r, then=Value(i)) for i, r in enumerate(Role.values)],
    default=Value(99),
    output_field=IntegerField(),
)


@personal_page
def tree(request: ActorRequest) -> HttpResponse:
    q = search_text(request)
    kind = request.GET.get("kind", "")
    if kind not in OrgKind.values:
        kind = ""
    if q or kind:
        found = Organisation.objects.visible_to(request.user).filter(is_active=True)
        if q:
            found = found.filter(Q(name__contains=q) | Q(code__iexact=q))
        if kind:
            found = found.filter(kind=kind)
        page = paginate(request, found.order_by("path"))
        return render(
            request,
            "orgs/tree.html",
            {
                "q": q,
                "kind": kind,
                "kinds": OrgKind.choices,
                "page_obj": page,
                "searching": True,
            },
        )
    roots = (
        Organisation.objects.visible_to(request.user)
        .filter(depth=1, is_active=True)
        .order_by("path")
    )
    return render(
        request,
        "orgs/tree.html",
        {
            "q": "",
            "kind": "",
            "kinds": OrgKind.choices,
            "page_obj": paginate(request, roots),
            "searching": False,
        },
    )


@personal_page
def children(request: ActorRequest, pk: int) -> HttpResponse:
    org = access(Organisation.objects.visible_to(request.user).filter(is_active=True), pk)
    kids = (
        Organisation.objects.visible_to(request.user)
        .filter(path__prefix=org.path, depth=org.depth + 1, is_active=True)
        .order_by("path")
    )
    return render(
        request, "orgs/_tree_nodes.html", {"parent": org, "page_obj": paginate(request, kids)}
    )


@personal_page
def detail(request: ActorRequest, pk: int) -> HttpResponse:
    user = request.user
    org = access(Organisation.objects.visible_to(request.user).filter(is_active=True), pk)
    ancestors = list(
        Organisation.objects.visible_to(user)
        .filter(path__in=org.ancestor_paths())
        .order_by("depth")
    )
    kids = (
        Organisation.objects.visible_to(request.user)
        .filter(path__prefix=org.path, depth=org.depth + 1, is_active=True)
        .order_by("path")
    )
    places = list(org.places.order_by("path"))
    visible_places = set(
        Place.objects.visible_to(user)
        .filter(pk__in=[p.pk for p in places])
        .values_list("pk", flat=True)
    )
    posts = (
        Post.objects.visible_to(user)
        .active()
        .filter(organisation=org)
        .select_related("person", "place")
        .annotate(role_order=ROLE_ORDER)
        .order_by("role_order", "place__path", "rank", "id")
    )
    is_party = org.kind in PARTY_KINDS
    members_page = None
    if is_party:
        # A branch's members sit in its party groups: list the whole subtree.
        members = (
            PartyMembership.objects.visible_to(user)
            .filter(organisation__path__prefix=org.path)
            .select_related("person", "organisation")
            .order_by("organisation__path", "person_id")
        )
        members_page = paginate(request, members, param="mpage")
    post_page = paginate(request, posts, param="ppage")
    shown = [p.person for p in post_page.object_list]
    if members_page is not None:
        shown += [m.person for m in members_page.object_list]
    return render(
        request,
        "orgs/detail.html",
        {
            "org": org,
            "ancestors": ancestors,
            "children_page": paginate(request, kids, param="cpage"),
            "places": [(p, p.pk in visible_places) for p in places],
            "post_page": post_page,
            "openable": openable_person_ids(user, shown),
            "is_party": is_party,
            "members_page": members_page,
        },
    )
