"""Reads about people: search, and the lists pages and the API show."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q

from tongxin.core.actors import Actor, person_id_of
from tongxin.core.validators import normalize_id_number, normalize_phone

from .models import Household, Person
from .services import id_number_hashes, phone_hashes

_LETTERS = re.compile(r"^[a-zA-Z]+$")
_DIGITS = re.compile(r"^\d+$")
_ID_LIKE = re.compile(r"^\d{17}[\dXx]$")


def home_place(user: Actor | None) -> Any:
    """The place the user's own person is registered at (their dwelling), if any."""
    from tongxin.places.models import Place

    person_id = person_id_of(user)
    if not person_id:
        return None
    return Place.objects.filter(persons__pk=person_id).first()


def search_q(text: str) -> Q:
    """What a search box query means.

    - letters: pinyin initials (``zsf``) or the start of the full pinyin (``zhangs``);
    - 4 digits (or 3 digits and X): the last 4 of a phone or ID number;
    - 11 digits: an exact phone number; 18 characters: an exact ID number (by keyed hash);
    - anything else: the name contains it.
    """
    q = text.strip()
    if not q:
        return Q()
    if _LETTERS.match(q):
        low = q.lower()
        return Q(name_initials__prefix=low) | Q(name_pinyin__prefix=low)
    if _ID_LIKE.match(q):
        return Q(id_number_hash__in=id_number_hashes(normalize_id_number(q)))
    if _DIGITS.match(q) and len(q) == 11:
        return Q(phone_hash__in=phone_hashes(normalize_phone(q)))
    if len(q) == 4 and re.match(r"^\d{3}[\dXx]$", q):
        return Q(phone_last4=q) | Q(id_number_last4=q.upper())
    return Q(name__contains=q)


def persons_for(user: Actor, *, search: str = "", place: Any = None, active_only: bool = True):  # type: ignore[no-untyped-def]
    qs = Person.objects.visible_to(user)
    if active_only:
        qs = qs.filter(is_active=True)
    if place is not None:
        qs = qs.filter(place_path__prefix=place.path)
    if search:
        qs = qs.filter(search_q(search))
    return qs.select_related("grid", "place").order_by("place_path", "id")


def households_for(user: Actor, *, place: Any = None):  # type: ignore[no-untyped-def]
    qs = Household.objects.visible_to(user)
    if place is not None:
        qs = qs.filter(place_path__prefix=place.path)
    return qs.select_related("dwelling").order_by("place_path", "id")
