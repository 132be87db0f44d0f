"""API schemas of notices and the daily log."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from tongxin.core.api_support import Moment, PageMeta, Text


class AudienceIn(Schema):
    """Whom a notice reaches, under ``place_id`` (by default the widest place the caller
    works at): everyone (the default), a care tag (``care_tag``), party members
    (``members``) or staff (``staff``)."""

    place_id: int | None = None
    care_tag: str = ""
    members: bool = False
    staff: bool = False


class NoticeIn(Schema):
    audience: AudienceIn
    title: str = Field(..., max_length=200)
    body: str = Field("", max_length=10000)
    kind: str = "notice"
    pinned: bool = False
    # On the community's public, no-login notice board (a notice to everyone only).
    public: bool = False
    valid_until: dt.date | None = None
    issue_number: int | None = Field(None, ge=1, le=100000)


class AttachmentOut(Schema):
    id: str
    name: str
    kind: str
    size: int
    url: str


class AttachmentsOut(Schema):
    items: list[AttachmentOut]


class NoticeOut(Schema):
    id: int
    title: str
    body: str
    kind: str
    kind_label: Text
    audience: str
    audience_label: Text
    audience_place: int
    audience_place_name: str
    care_tag: str
    pinned: bool
    public: bool
    issue_number: int | None
    valid_until: dt.date | None
    published_at: dt.datetime
    recipient_count: int
    read_at: dt.datetime | None
    attachments: list[AttachmentOut] = []


class NoticePage(PageMeta):
    items: list[NoticeOut]


class UnreadPersonOut(Schema):
    id: int
    name: str
    address: str


class UnreadGroupOut(Schema):
    building: str
    unit: str
    count: int
    people: list[int]


class ReceiptsOut(Schema):
    read: int
    unread: int
    unread_people: list[UnreadPersonOut]
    # The same unread people by building and unit, for the door-to-door round.
    groups: list[UnreadGroupOut] = []


class LogEntryIn(Schema):
    """An entry of the daily log; ``place_id`` by default the widest place the caller works
    at."""

    place_id: int | None = None
    raised: str = Field(..., max_length=4000)
    met: str = Field("", max_length=400)
    done: str = Field("", max_length=4000)
    follow_up: str = Field("", max_length=2000)
    visitors: str = Field("", max_length=400)
    difficulties: str = Field("", max_length=2000)
    requests: str = Field("", max_length=2000)
    tags: str = Field("", max_length=400)
    occurred_at: Moment | None = None
    source: str = "scratch"
    notice_id: int | None = None
    # Raise what was said as a case of this category (the case categories' codes).
    case_category: str = Field("", max_length=60)


class LogEntryOut(Schema):
    id: int
    place: int
    place_name: str
    occurred_at: dt.datetime
    source: str
    source_label: Text
    met: str
    visitors: str
    raised: str
    difficulties: str
    requests: str
    done: str
    follow_up: str
    tags: str
    author: str
    notice: int | None
    case: int | None


class LogEntryPage(PageMeta):
    items: list[LogEntryOut]


class CardLineOut(Schema):
    role: str
    role_label: str
    place: str
    name: str
    phone: str


class CardOrganisationOut(Schema):
    name: str
    kind: str
    kind_label: str
    phone: str


class EmergencyLineOut(Schema):
    label: str
    phone: str


class ContactCardOut(Schema):
    """The contact card of a place: the public posts along its ancestors, the organisations
    with a public phone, the one responsible today and the emergency numbers."""

    place: int
    place_name: str
    lines: list[CardLineOut]
    organisations: list[CardOrganisationOut]
    responsible: CardLineOut | None
    emergency: list[EmergencyLineOut]


class DisclosureIn(Schema):
    """A draft disclosure of ``community_id`` (by default the caller's own community); with
    ``item_id`` (a line of the disclosure list) its kind and cadence are the item's."""

    community_id: int | None = None
    item_id: int | None = None
    kind: str = ""
    cadence: str = ""
    period: str = Field("", max_length=20)
    title: str = Field(..., max_length=200)
    body: str = Field(..., max_length=40000)


class DisclosureActIn(Schema):
    act: str = Field(..., max_length=20)
    note: str = Field("", max_length=600)


class DisclosureOut(Schema):
    id: int
    community: int
    item: int | None
    kind: str
    kind_label: Text
    cadence: str
    cadence_label: Text
    period: str
    title: str
    body: str
    status: str
    status_label: Text
    approval_note: str
    published_at: dt.datetime | None


class DisclosurePage(PageMeta):
    items: list[DisclosureOut]


class CalendarEntryOut(Schema):
    item: int
    title: str
    kind: str
    cadence: str
    period: str
    opens: dt.date
    deadline: dt.date
    status: str
    disclosure: int | None
    draft_status: str


class CalendarOut(Schema):
    community: int
    year: int
    entries: list[CalendarEntryOut]
    overdue: int


class GuideFormOut(Schema):
    name: str
    url: str


class GuideOut(Schema):
    id: int
    code: str
    title: str
    category: str
    conditions: str
    materials: list[str]
    steps: list[str]
    where: str
    hours: str
    responsible_role: str
    responsible_role_label: Text
    forms: list[GuideFormOut]


class GuidePage(PageMeta):
    items: list[GuideOut]


class StudioOut(Schema):
    id: int
    community: int
    kind: str
    kind_label: Text
    name: str
    location: str
    description: str
    slot_minutes: int
    capacity: int
    ahead_days: int
    lead_hours: int
    no_show_rate: float | None = None


class StudioPage(PageMeta):
    items: list[StudioOut]


class SlotOut(Schema):
    starts_at: dt.datetime
    capacity: int
    taken: int
    free: int


class SlotsOut(Schema):
    studio: int
    date: dt.date
    slots: list[SlotOut]


class BookingIn(Schema):
    starts_at: Moment
    topic: str = Field("", max_length=400)


class BookingActIn(Schema):
    act: str = Field(..., max_length=20)


class BookingOut(Schema):
    id: int
    studio: int
    studio_name: str
    starts_at: dt.datetime
    topic: str
    status: str
    status_label: Text
    name: str


class DayListOut(Schema):
    studio: int
    date: dt.date
    bookings: list[BookingOut]
    no_show_rate: float | None


class AdoptionIn(Schema):
    """How a convention was adopted: ``method`` ``residents_meeting``,
    ``representatives_meeting`` or ``vote`` (a vote needs ``votes_for`` and
    ``votes_against``); ``deliberation_ref`` names the minutes or the deliberation."""

    adopted_on: dt.date
    method: str
    votes_for: int | None = Field(None, ge=0, le=100000)
    votes_against: int | None = Field(None, ge=0, le=100000)
    votes_abstain: int | None = Field(None, ge=0, le=100000)
    deliberation_ref: str = Field("", max_length=400)


class ConventionIn(Schema):
    """A convention: ``kind`` ``residents`` (for a community) or ``stairwell`` (for a
    building or a unit) at ``place_id``; with ``adoption`` it is recorded as adopted at once."""

    kind: str
    place_id: int | None = None
    title: str = Field(..., max_length=200)
    text: str = Field(..., max_length=40000)
    version: str = Field("1", max_length=40)
    adoption: AdoptionIn | None = None


class ConventionOut(Schema):
    id: int
    kind: str
    kind_label: Text
    place: int
    place_name: str
    title: str
    text: str
    version: str
    adopted: bool
    adopted_on: dt.date | None
    adoption_method: str
    adoption_method_label: Text
    votes_for: int | None
    votes_against: int | None
    votes_abstain: int | None
    deliberation_ref: str


class ConventionPage(PageMeta):
    items: list[ConventionOut]
