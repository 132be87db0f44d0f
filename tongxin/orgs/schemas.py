"""API schemas for organisations, posts and the responsibility answer."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from tongxin.core.api_support import PageMeta, Text
from tongxin.places.schemas import PlaceRef


class OrganisationRef(Schema):
    id: int
    kind: str
    code: str
    name: str


class PersonContact(Schema):
    """The holder of a post. ``phone`` is masked, and given only when the post's contact is
    public (电话公开) or the caller may see the person anyway; otherwise it is null."""

    id: int
    name: str
    phone: str | None


class PostOut(Schema):
    """A person holding a role at a place and/or in an organisation; ``rank`` is the AB角
    (``"A"``, ``"B"`` or ``""``)."""

    id: int
    role: str
    role_label: Text
    rank: str
    place: PlaceRef | None
    organisation: OrganisationRef | None
    person: PersonContact
    start_date: dt.date | None
    end_date: dt.date | None
    public_contact: bool
    public_phone: str = Field(
        "", description="the number the post publishes in full; empty unless its contact is public"
    )


class PostPage(PageMeta):
    items: list[PostOut]


class OrganisationOut(Schema):
    """An organisation in the tree-ish list: ``parent`` is the parent organisation's id when
    the caller may see it, else null; ``places`` are the covered places the caller may see."""

    id: int
    kind: str
    kind_label: Text
    department_kind: str
    code: str
    name: str
    parent: int | None
    depth: int
    phone: str
    address: str
    is_active: bool
    places: list[PlaceRef]


class OrganisationDetailOut(OrganisationOut):
    """One organisation with its visible child organisations and its current posts."""

    ancestors: list[OrganisationRef]
    children: list[OrganisationRef]
    posts: list[PostOut]


class OrganisationPage(PageMeta):
    items: list[OrganisationOut]


class PostRef(Schema):
    id: int
    role: str
    role_label: Text
    rank: str
    public_contact: bool
    place: PlaceRef | None


class ResponsibilityOut(Schema):
    """Who is responsible for a place for a duty on a day, and why (五级负责, 依次递补).

    ``person`` and ``post`` are null when nobody in the whole chain can act; ``level`` is the
    place whose post answered; ``trail`` lists each candidate considered, in order, ending with
    the choice; ``reason`` is the trail joined with "；".
    """

    place: PlaceRef
    duty: str
    duty_label: Text
    on: dt.date
    person: PersonContact | None
    post: PostRef | None
    level: PlaceRef | None
    trail: list[str]
    reason: str
