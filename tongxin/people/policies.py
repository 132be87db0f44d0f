"""Who may do what with the registry of people."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from tongxin.core.scoping import scope_for
from tongxin.orgs.roles import ROLE_RULES, View


def is_staff_for_people(user: Any) -> bool:
    """Holds a staff post (community or grid work) or an explicit grant."""
    if not getattr(user, "is_authenticated", False):
        return False
    from tongxin.accounts.scopes import active_posts

    if any(
        ROLE_RULES.get(p.role) and ROLE_RULES[p.role].view == View.STAFF and p.place_id
        for p in active_posts(user)
    ):
        return True
    today = dt.date.today()
    return (
        user.grants.filter(valid_from__lte=today)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .exists()
    )


def can_import(user: Any) -> bool:
    return is_staff_for_people(user)


def can_export(user: Any) -> bool:
    return is_staff_for_people(user)


def can_register_at(user: Any, path: str) -> bool:
    """May the user add residents at the place with this path?"""
    return is_staff_for_people(user) and scope_for(user).sees_person_at(path)
