"""What every page needs to know about the signed-in user: their name and role for the top
bar, and which parts of the navigation lead anywhere for them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

IO_PAGES = {"export", "import", "import_template", "import_job"}


def _section(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if match.app_name == "people" and match.url_name in IO_PAGES:
        return "io"
    if match.app_name == "notices":
        name = match.url_name or ""
        if name.startswith("log_"):
            return "log"
        if name.startswith(("guide", "studio", "booking")) or name == "my_bookings":
            return "services"
        return "notices"
    return {"web": "home", "places": "places", "people": "people", "orgs": "orgs"}.get(
        match.app_name, ""
    )


def workbench(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from tongxin.core.scoping import scope_for
    from tongxin.orgs.scopes import primary_role_label
    from tongxin.people.policies import is_staff_for_people

    scope = scope_for(user)
    return {
        "role_label": primary_role_label(user),
        "nav_section": _section(request),
        "nav": {
            # Back-office accounts hold no scope: they get the workbench and the admin link.
            "places": bool(scope.place_paths),
            "people": bool(scope.person_paths or scope.person_ids),
            "orgs": not user.admin_duty,
            "io": is_staff_for_people(user),
            "admin": user.is_staff,
            # The daily log is kept by staff; the alliance's pages are for the people of
            # organisations (a unit's liaison, the community's committee).
            "log": scope.staff_post,
            "alliance": bool(scope.org_ids),
            # The trends read the cases under the staff's places (tongxin/insight).
            "trends": bool(scope.case_paths),
            # The data centre's dashboards: staff over a community or more (tongxin/datacentre).
            "datacentre": bool(scope.dispatch_paths),
        },
    }
