"""Writes to the registry of people. Every personal value passes through the vault here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import audit, clock, vault
from tongxin.core.actors import Actor
from tongxin.core.errors import ValidationFailed, field_errors
from tongxin.core.validators import (
    id_birth_date,
    id_gender,
    validate_id_number,
    validate_phone,
)
from tongxin.places.models import Place

from .models import CareTag, Household, Person, Relation
from .pinyin import name_pinyin

ID_CONTEXT = "person.id_number"
PHONE_CONTEXT = "person.phone"


def id_number_hash(value: str) -> str:
    return vault.lookup_hash(value, context=ID_CONTEXT)


def phone_hash(value: str) -> str:
    return vault.lookup_hash(value, context=PHONE_CONTEXT)


def id_number_hashes(value: str) -> list[str]:
    """The ID number's hash under every configured key (for lookups during key rotation)."""
    return vault.lookup_hashes(value, context=ID_CONTEXT)


def phone_hashes(value: str) -> list[str]:
    return vault.lookup_hashes(value, context=PHONE_CONTEXT)


def grid_of(place: Place | None, *, grids_by_path: dict[str, int] | None = None) -> int | None:
    """The id of the grid at or above ``place``."""
    if place is None:
        return None
    if place.kind == "grid":
        return place.pk
    paths = place.ancestor_paths()
    if grids_by_path is not None:
        for p in reversed(paths):
            if p in grids_by_path:
                return grids_by_path[p]
        return None
    grid = Place.objects.filter(path__in=paths, kind="grid").values_list("pk", flat=True).first()
    return grid


@dataclass
class PersonData:
    """Validated input for a person, as forms, the API and the importer produce it."""

    name: str
    id_number: str = ""
    phone: str = ""
    gender: str = ""
    birth_date: dt.date | None = None
    political_status: str = ""
    residence_status: str = ""
    ethnicity: str = ""
    occupation: str = ""
    employer: str = ""


def clean_person_data(data: PersonData) -> PersonData:
    """Validate and normalise; raise ``ValidationFailed`` with every field's reason."""
    errors: dict[str, list[str]] = {}
    data.name = data.name.strip()
    if not data.name:
        errors["name"] = [_("姓名不能为空")]
    elif len(data.name) > 50:
        errors["name"] = [_("姓名不能超过50个字")]
    if data.id_number:
        try:
            data.id_number = validate_id_number(data.id_number)
            data.birth_date = data.birth_date or id_birth_date(data.id_number)
            data.gender = data.gender or id_gender(data.id_number)
        except ValidationError as exc:
            errors["id_number"] = exc.messages
    if data.phone:
        try:
            data.phone = validate_phone(data.phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if errors:
        raise ValidationFailed(
            "；".join(m for ms in errors.values() for m in ms), fields=field_errors(errors)
        )
    return data


def fill_person(person: Person, data: PersonData) -> Person:
    """Copy validated data onto ``person``, sealing ID and phone in the vault."""
    person.name = data.name
    person.name_pinyin, person.name_initials = name_pinyin(data.name)
    for attr in (
        "gender",
        "birth_date",
        "political_status",
        "residence_status",
        "ethnicity",
        "occupation",
        "employer",
    ):
        value = getattr(data, attr)
        if value:
            setattr(person, attr, value)
    if data.id_number:
        person.id_number_cipher = vault.encrypt(data.id_number, context=ID_CONTEXT)
        person.id_number_hash = id_number_hash(data.id_number)
        person.id_number_last4 = data.id_number[-4:]
    if data.phone:
        person.phone_cipher = vault.encrypt(data.phone, context=PHONE_CONTEXT)
        person.phone_hash = phone_hash(data.phone)
        person.phone_masked = vault.mask_phone(data.phone)
        person.phone_last4 = data.phone[-4:]
    return person


def anchor(person: Person, place: Place | None) -> None:
    person.place = place
    person.place_path = place.path if place else ""
    person.grid_id = grid_of(place)


def _check_unique_id(id_number: str, *, exclude_pk: int | None = None) -> None:
    if not id_number:
        return
    qs = Person.objects.filter(id_number_hash__in=id_number_hashes(id_number))
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ValidationFailed(
            _("该身份证号已登记"), fields=field_errors({"id_number": _("该身份证号已登记")})
        )


@transaction.atomic
def person_create(
    *,
    actor: Actor | None,
    data: PersonData,
    place: Place | None = None,
    household: Household | None = None,
    relation: str = "",
) -> Person:
    data = clean_person_data(data)
    _check_unique_id(data.id_number)
    person = fill_person(Person(), data)
    if household is not None:
        person.household = household
        person.relation = relation or Relation.OTHER
        place = household.dwelling
    anchor(person, place)
    person.save()
    audit.record(actor=actor, action="person_create", obj=person, subject_person_id=person.pk)
    return person


@transaction.atomic
def person_update(*, actor: Actor, person: Person, data: PersonData) -> Person:
    data = clean_person_data(data)
    _check_unique_id(data.id_number, exclude_pk=person.pk)
    locked = Person.objects.select_for_update().get(pk=person.pk)
    fill_person(locked, data)
    locked.save()
    audit.record(actor=actor, action="person_update", obj=locked, subject_person_id=locked.pk)
    return locked


@transaction.atomic
def household_create(
    *, actor: Actor, dwelling: Place, code: str = "", tenure: str = "owner"
) -> Household:
    if dwelling.kind != "dwelling":
        raise ValidationFailed(_("户只能建在“户”（房屋）一级的地点上"))
    hh = Household(
        dwelling=dwelling, place_path=dwelling.path, tenure=tenure, code=code or f"H{dwelling.code}"
    )
    if Household.objects.filter(code=hh.code).exists():
        hh.code = f"{hh.code}-{Household.objects.filter(dwelling=dwelling).count() + 1}"
    hh.save()
    audit.record(actor=actor, action="household_create", obj=hh)
    return hh


@transaction.atomic
def care_tag_add(
    *,
    actor: Actor,
    person: Person,
    kind: str,
    grade: str = "",
    start_date: dt.date | None = None,
    note: str = "",
) -> CareTag:
    tag = CareTag.objects.create(
        person=person, kind=kind, grade=grade, start_date=start_date or clock.today(), note=note
    )
    audit.record(
        actor=actor,
        action="care_tag_add",
        obj=tag,
        subject_person_id=person.pk,
        detail={"kind": kind},
    )
    return tag


REVEALABLE = {
    "id_number": (gettext_lazy("身份证号"), ID_CONTEXT),
    "phone": (gettext_lazy("手机号"), PHONE_CONTEXT),
}


def person_reveal(*, actor: Actor, person: Person, field: str, reason: str) -> str:
    """The clear value of a sealed field, for an allowed user who states why.

    Every attempt is audited with the data subject and the reason, refused ones too.
    """
    from tongxin.core.errors import Forbidden

    from .policies import can_reveal

    if field not in REVEALABLE:
        raise ValidationFailed(
            _("只能查看完整的身份证号或手机号"), fields=field_errors({"field": field})
        )
    reason = reason.strip()
    if len(reason) < 4:
        raise ValidationFailed(
            _("请说明查看完整号码的事由（至少4个字）"),
            fields=field_errors({"reason": _("事由过短")}),
        )
    if not can_reveal(actor, person, field):
        audit.record(
            actor=actor,
            action="pii_reveal",
            obj=person,
            subject_person_id=person.pk,
            result="denied",
            detail={"field": field, "reason": reason},
        )
        raise Forbidden(_("您的岗位无权查看完整号码"))
    cipher = person.id_number_cipher if field == "id_number" else person.phone_cipher
    audit.record(
        actor=actor,
        action="pii_reveal",
        obj=person,
        subject_person_id=person.pk,
        detail={"field": field, "reason": reason},
    )
    return vault.decrypt(cipher, context=REVEALABLE[field][1]) if cipher else ""
