"""The e-map's rows of the access matrix (tongxin/core/tests/test_access_matrix.py).

- the map page: everyone signed in (each sees their own scope drawn; back-office accounts an
  empty map, the system administrator the place tree without people);
- the layers (tried on the cases layer at street zoom): the subject case appears for its
  parties only;
- search: residents are found by those who may see them (the building head sees neighbours);
- a place's panel: who may see the place, and the system administrator (place data only);
- the data check and the edits: the community's secretary and the system administrator;
- the life circle: anyone signed in (without a position: 422).
"""

from __future__ import annotations

from typing import Any

from tongxin.core.tests.matrix_roles import SIGNED_IN

SEES_SUBJECT = frozenset({"grid1", "secretary", "building"})
CASE_PARTIES = frozenset({"grid1", "secretary", "resident"})
EDITORS = frozenset({"secretary", "sysadmin"})

# name → (allowed, kind, method, data)
RULES: dict[str, tuple[frozenset[str], str, str, dict[str, Any]]] = {
    "emap:map": (SIGNED_IN, "signed_in", "GET", {}),
    "api:geo_layer": (CASE_PARTIES, "list", "GET", {}),
    "api:geo_search": (SEES_SUBJECT, "list", "GET", {}),
    "api:geo_life_circle": (SIGNED_IN, "signed_in", "GET", {}),
    "api:geo_place_panel": (SEES_SUBJECT | {"sysadmin"}, "object", "GET", {}),
    "api:geo_check": (EDITORS, "object", "GET", {}),
    # The subject place is a dwelling: editors get 422 (no geometry to edit there).
    "api:geo_edit_geometry": (
        EDITORS,
        "object",
        "POST",
        {"geometry": {"type": "Point", "coordinates": [113.91, 30.92]}, "dry_run": True},
    ),
    # Moved far out of its estate: editors get 422, the others 403/404 before any check.
    "api:geo_move_feature": (EDITORS, "object", "POST", {"lat": 0.0, "lng": 0.0}),
}
PATH_WORDS = {"layer": "cases", "kind": "poi"}
ARGUMENTS = {"feature_id": "poi"}
ROUTE_SUBJECT = {
    "api:geo_place_panel": "place",
    "api:geo_check": "place",
    "api:geo_edit_geometry": "place",
}


def subject(demo: Any) -> dict[str, Any]:
    from tongxin.places.models import PointOfInterest

    poi = (
        PointOfInterest.objects.filter(place_path__startswith=demo.grid(1).path)
        .order_by("id")
        .first()
    )
    return {"poi": poi}


def list_query(name: str, s: dict[str, Any]) -> dict[str, Any]:
    if name == "api:geo_layer":
        return {"zoom": 18}
    return {"q": s["person"].name}


def marker(name: str, s: dict[str, Any]) -> str:
    if name == "api:geo_layer":
        return f'"ref":"{s["case"].ref}"'
    return f'"kind": "person", "id": {s["person"].pk},'
