"""API for the registry of people: persons (with search) and households.

Rows are reached only through ``visible_to(user)`` (``persons_for`` / ``households_for`` for
lists, ``access`` for one row): out of scope answers 404 like missing. Only masked ID and phone
numbers leave the server, and lists never even load the ciphertexts. Care tags are sensitive
and are not exposed here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from ninja import Router

from tongxin.core.actors import Actor
from tongxin.core.api_support import caller, paginate
from tongxin.core.i18n import lazy_str
from tongxin.core.scoping import access
from tongxin.places.api import access_place, full_names

from .models import Gender, Household, Person, PoliticalStatus, Relation, ResidenceStatus, Tenure
from .schemas import (
    HouseholdDetailOut,
    HouseholdPage,
    PersonDetailOut,
    PersonPage,
    RevealIn,
    RevealOut,
)
from .selectors import households_for, persons_for
from .services import person_reveal

router = Router(tags=["people"])

# What a person in a list needs; the ciphertexts and hashes stay in the database.
LIST_FIELDS = (
    "id",
    "name",
    "gender",
    "birth_date",
    "id_number_last4",
    "phone_masked",
    "grid_id",
    "place_id",
    "household_id",
    "relation",
)
_RELATION_LABELS = dict(Relation.choices)
_RELATION_ORDER = {value: i for i, value in enumerate(Relation.values)}


def person_out(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk,
        "name": person.name,
        "gender": person.gender,
        "age": person.age,
        "id_number": person.id_number_masked or None,
        "phone": person.phone_masked or None,
        "grid": person.grid_id,
        "place": person.place_id,
        "household": person.household_id,
        "relation": person.relation,
        "relation_label": _RELATION_LABELS.get(person.relation, ""),
    }


@router.get("/persons", response=PersonPage, summary=lazy_str("居民列表与搜索"))
def list_persons(
    request: HttpRequest, search: str = "", place: int | None = None, page: int = 1
) -> Any:
    """Residents the caller may see, in address order. ``search`` takes a name (or part of
    it), pinyin initials (``zsf``) or the start of the full pinyin, the last 4 digits of a
    phone or ID number, a whole phone number or a whole ID number. ``place`` limits the list
    to the residents under one place."""
    user = caller(request)
    under = access_place(user, place) if place is not None else None
    qs = persons_for(user, search=search[:50], place=under)
    sl = paginate(qs.select_related(None).only(*LIST_FIELDS), page)
    return sl.answer([person_out(p) for p in sl.items])


@router.get("/persons/{person_id}", response=PersonDetailOut, summary=lazy_str("居民详情"))
def get_person(request: HttpRequest, person_id: int) -> Any:
    """One resident. ID and phone numbers are masked; care tags are not included."""
    person = access(Person.objects.visible_to(caller(request)).select_related("place"), person_id)
    address = full_names([person.place]).get(person.place.pk, "") if person.place else ""
    return {
        **person_out(person),
        "name_pinyin": person.name_pinyin,
        "gender_label": dict(Gender.choices).get(person.gender, ""),
        "address": address,
        "political_status": person.political_status,
        "political_status_label": dict(PoliticalStatus.choices).get(person.political_status, ""),
        "residence_status": person.residence_status,
        "residence_status_label": dict(ResidenceStatus.choices).get(person.residence_status, ""),
        "ethnicity": person.ethnicity,
        "occupation": person.occupation,
        "employer": person.employer,
        "is_active": person.is_active,
    }


@router.post(
    "/persons/{person_id}/reveal",
    response=RevealOut,
    summary=lazy_str("查看完整身份证号或手机号（须说明事由，全程留痕）"),
)
def reveal_person_field(request: HttpRequest, person_id: int, payload: RevealIn) -> Any:
    """Only roles that need it may see a full value; every attempt, refused ones too, is
    written to the audit log with the reason."""
    user = caller(request)
    person = access(Person.objects.visible_to(user), person_id)
    value = person_reveal(actor=user, person=person, field=payload.field, reason=payload.reason)
    return {"field": payload.field, "value": value}


def _with_members(qs: Any, user: Actor) -> Any:
    """Annotate each household with its head and active-member count, counting only persons
    the caller may see (two subqueries, no extra round trips)."""
    members = Person.objects.visible_to(user).filter(household=OuterRef("pk"))
    head = members.filter(relation=Relation.HEAD).order_by("pk")
    count = (
        members.filter(is_active=True)
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        head_id=Subquery(head.values("pk")[:1]),
        head_name=Subquery(head.values("name")[:1]),
        member_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
    )


def household_out(hh: Household, addresses: dict[int, str]) -> dict[str, Any]:
    d = hh.dwelling
    head_id = getattr(hh, "head_id", None)
    return {
        "id": hh.pk,
        "code": hh.code,
        "tenure": hh.tenure,
        "tenure_label": dict(Tenure.choices).get(hh.tenure, ""),
        "dwelling": {"id": d.pk, "kind": d.kind, "code": d.code, "name": d.name},
        "address": addresses.get(d.pk, d.name),
        "member_count": getattr(hh, "member_count", 0) or 0,
        "head": {"id": head_id, "name": getattr(hh, "head_name", "")} if head_id else None,
    }


@router.get("/households", response=HouseholdPage, summary=lazy_str("户列表"))
def list_households(request: HttpRequest, place: int | None = None, page: int = 1) -> Any:
    """Households the caller may see, in address order; ``place`` limits them to one subtree."""
    user = caller(request)
    under = access_place(user, place) if place is not None else None
    qs = _with_members(households_for(user, place=under), user)
    sl = paginate(qs.defer("dwelling__geometry", "dwelling__attributes"), page)
    addresses = full_names([hh.dwelling for hh in sl.items])
    return sl.answer([household_out(hh, addresses) for hh in sl.items])


@router.get("/households/{household_id}", response=HouseholdDetailOut, summary=lazy_str("户详情"))
def get_household(request: HttpRequest, household_id: int) -> Any:
    """One household with its members (head first) and their relation to the head."""
    user = caller(request)
    scoped = Household.objects.visible_to(user).select_related("dwelling")
    hh = access(_with_members(scoped, user), household_id)
    members = list(
        Person.objects.visible_to(user).filter(household=hh).only(*LIST_FIELDS).order_by("pk")
    )
    members.sort(key=lambda p: _RELATION_ORDER.get(p.relation, len(_RELATION_ORDER)))
    return {
        **household_out(hh, full_names([hh.dwelling])),
        "note": hh.note,
        "members": [person_out(p) for p in members],
    }
