"""Who may do what with the registry of people."""

from __future__ import annotations

from typing import Any

from tongxin.core.actors import Actor
from tongxin.core.scoping import scope_for


def is_staff_for_people(user: Actor) -> bool:
    """Holds a staff post (community or grid work) or an explicit grant."""
    if not user.is_authenticated:
        return False
    # The scope's case paths are exactly the places of staff posts and of grants.
    return bool(scope_for(user).case_paths)


def can_import(user: Actor) -> bool:
    return is_staff_for_people(user)


def can_export(user: Actor) -> bool:
    return is_staff_for_people(user)


def can_register_at(user: Actor, path: str) -> bool:
    """May the user add residents at the place with this path?"""
    return is_staff_for_people(user) and scope_for(user).sees_person_at(path)


def can_reveal(user: Actor, person: Any, field: str = "") -> bool:
    """May the user see this person's full ID or phone number (with a stated reason)?

    Only the roles that need it for casework: staff whose care scope covers the person (the
    grid's workers, the community's secretary), or the person themself; and, for ``field``,
    whoever an app above people grants it to (``contributions.reveal_grants``: the claimer
    of a resident's open need, their phone).
    """
    if user.person_id and user.person_id == person.pk:
        return True
    if is_staff_for_people(user) and scope_for(user).sees_care_at(person.place_path):
        return True
    if field:
        from .contributions import reveal_granted

        return reveal_granted(user, person, field)
    return False
