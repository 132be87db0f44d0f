"""The place browser: the tree (expanded lazily with htmx) and the page of each place."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render

from tongxin.core.actors import ActorRequest
from tongxin.core.scoping import access, scope_for
from tongxin.orgs.panels import duty_lines, numbers_for, visible_posts_at
from tongxin.people.display import (
    ancestors_map,
    breadcrumb,
    openable_person_ids,
    with_addresses,
)
from tongxin.people.selectors import persons_for
from tongxin.places.models import Place
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate, search_text


def _children_of(user, place: Place):  # type: ignore[no-untyped-def]
    """The children of ``place`` the user may see (a grid worker sees only their grids)."""
    return (
        Place.objects.visible_to(user)
        .filter(path__prefix=place.path, depth=place.depth + 1)
        .order_by("path")
    )


@personal_page
def browser(request: ActorRequest) -> HttpResponse:
    user = request.user
    q = search_text(request)
    if q:
        found = Place.objects.visible_to(user).filter(Q(name__contains=q) | Q(code__iexact=q))
        page = paginate(request, found.order_by("path"))
        amap = ancestors_map(page.object_list)
        results = [(p, amap[p.pk]) for p in page.object_list]
        return render(
            request, "places/browser.html", {"q": q, "page_obj": page, "results": results}
        )
    roots = Place.objects.filter(path__in=scope_for(user).place_paths).order_by("path")
    page = paginate(request, roots)
    amap = ancestors_map(page.object_list)
    nodes = [(p, amap[p.pk]) for p in page.object_list]
    return render(request, "places/browser.html", {"q": "", "page_obj": page, "roots": nodes})


@personal_page
def children(request: ActorRequest, pk: int) -> HttpResponse:
    place: Place = access(Place.objects.visible_to(request.user), pk)
    page = paginate(request, _children_of(request.user, place))
    return render(request, "places/_tree_nodes.html", {"parent": place, "page_obj": page})


@personal_page
def detail(request: ActorRequest, pk: int) -> HttpResponse:
    user = request.user
    place: Place = access(Place.objects.visible_to(user), pk)
    q = search_text(request)
    kids = paginate(request, _children_of(user, place), param="cpage")
    residents = paginate(request, persons_for(user, search=q, place=place))
    posts = visible_posts_at(user, place)
    return render(
        request,
        "places/detail.html",
        {
            "place": place,
            "crumbs": breadcrumb(place, user),
            "children_page": kids,
            "page_obj": residents,
            "rows": with_addresses(residents.object_list),
            "q": q,
            "numbers": numbers_for(user, place),
            "posts": posts,
            "openable": openable_person_ids(user, (p.person for p in posts)),
            "duties": duty_lines(place),
        },
    )
