"""API schemas for persons and households. ID and phone numbers appear masked, never clear;
care tags are not part of these answers."""

from __future__ import annotations

from ninja import Schema

from tongxin.core.api_support import PageMeta, Text


class PersonOut(Schema):
    """A person in a list: ``id_number`` shows the last 4 characters only
    (``**************1234``), ``phone`` is masked (``138****5678``)."""

    id: int
    name: str
    gender: str
    age: int | None
    id_number: str | None
    phone: str | None
    grid: int | None
    place: int | None
    household: int | None
    relation: str
    relation_label: Text


class PersonDetailOut(PersonOut):
    """One person, with the registry fields a worker needs (still masked)."""

    name_pinyin: str
    gender_label: Text
    address: str
    political_status: str
    political_status_label: Text
    residence_status: str
    residence_status_label: Text
    ethnicity: str
    occupation: str
    employer: str
    is_active: bool


class PersonPage(PageMeta):
    items: list[PersonOut]


class DwellingRef(Schema):
    id: int
    kind: str
    code: str
    name: str


class HeadRef(Schema):
    id: int
    name: str


class HouseholdOut(Schema):
    """A household in a list."""

    id: int
    code: str
    tenure: str
    tenure_label: Text
    dwelling: DwellingRef
    address: str
    member_count: int
    head: HeadRef | None


class HouseholdDetailOut(HouseholdOut):
    """One household with its members (head first) and their relation to the head."""

    note: str
    members: list[PersonOut]


class HouseholdPage(PageMeta):
    items: list[HouseholdOut]


class RevealIn(Schema):
    field: str
    reason: str


class RevealOut(Schema):
    field: str
    value: str
