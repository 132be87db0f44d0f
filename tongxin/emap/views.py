"""The map page. Everything on it is drawn by ``static/emap/map.js`` from the GeoJSON API; the
page passes its settings in ``data-`` attributes (no inline script, see the CSP)."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Max, Min
from django.http import HttpResponse
from django.shortcuts import render

from tongxin.cases.models import CaseCategory
from tongxin.cases.workflow import State
from tongxin.core.actors import Actor, ActorRequest
from tongxin.core.scoping import paths_q, scope_for
from tongxin.places.models import FacilityKind, Place, PoiKind
from tongxin.ui.decorators import personal_page

from . import selectors


def home_bounds(user: Actor) -> list[float] | None:
    """[west, south, east, north] around the places the user looks after (or everything)."""
    roots = selectors.map_subtrees(user)
    # The areas under the user's subtrees (a district or street may have no outline itself).
    qs = Place.objects.filter(min_lat__isnull=False, kind__in=("street", "community", "grid"))
    if roots is not None:
        if not roots:
            return None
        qs = qs.filter(paths_q("path", roots))
    b = qs.aggregate(w=Min("min_lng"), s=Min("min_lat"), e=Max("max_lng"), n=Max("max_lat"))
    if b["w"] is None:
        return None
    return [b["w"], b["s"], b["e"], b["n"]]


@personal_page
def map_page(request: ActorRequest) -> HttpResponse:
    user = request.user
    config = {
        "api": "/api/v1/geo/",
        "bounds": home_bounds(user),
        "tiles": getattr(settings, "TONGXIN_MAP_TILE_URL", ""),
        "tileAttribution": getattr(settings, "TONGXIN_MAP_TILE_ATTRIBUTION", ""),
        "care": bool(scope_for(user).care_paths),
        "edit": bool(selectors.edit_roots(user)),
        "cases": not user.admin_duty,
        "poiKinds": dict(PoiKind.choices),
        "facilityKinds": dict(FacilityKind.choices),
        "caseStates": dict(State.choices),
        "caseCategories": dict(
            CaseCategory.objects.filter(parent__isnull=True)
            .order_by("code")
            .values_list("code", "name")
        ),
    }
    return render(
        request,
        "emap/map.html",
        {
            "config": json.dumps(config, cls=DjangoJSONEncoder, ensure_ascii=False),
            "can_edit": config["edit"],
            "can_care": config["care"],
        },
    )
