"""API schemas of the meeting mechanism."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from tongxin.core.api_support import Moment, PageMeta, Text


class InviteeIn(Schema):
    """One seat: ``kind`` is ``person`` (a person's id), ``post`` (a post's id: whoever holds
    it answers) or ``unit`` (an organisation's id: anyone holding a post in it answers)."""

    kind: str = Field(..., max_length=8)
    id: int


class MeetingIn(Schema):
    kind: str = Field(..., max_length=32)
    # The caller's own organisation (the first they are an officer of) when left out.
    organisation_id: int | None = None
    starts_at: Moment
    ends_at: Moment | None = None
    agenda: list[str] = Field(..., max_length=30)
    title: str = Field("", max_length=120)
    place_id: int | None = None
    place: str = Field("", max_length=200)
    online_url: str = Field("", max_length=500)
    invitees: list[InviteeIn] = Field([], max_length=500)
    is_election: bool = False


class PersonRef(Schema):
    id: int
    name: str


class SignInOut(Schema):
    person: PersonRef
    method: str
    method_label: Text
    signed_at: dt.datetime


class SeatOut(Schema):
    id: int
    kind: str
    label: str
    status: str  # present, excused, absent
    signed_in: list[SignInOut]
    apology_reason: str | None


class QuorumOut(Schema):
    invited: int
    present: int
    excused: int
    absent: int
    expected: int
    required: int
    met: bool
    rule: str


class ActionItemOut(Schema):
    id: int
    meeting: int
    meeting_title: str
    text: str
    owner: PersonRef
    due: dt.date | None
    state: str
    state_label: Text
    overdue: bool
    note: str
    closed_at: dt.datetime | None


class AttachmentOut(Schema):
    id: str
    name: str
    url: str


class MeetingSummaryOut(Schema):
    id: int
    kind: str
    kind_label: str
    organisation: int
    organisation_name: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    where: str
    online_url: str
    state: str
    state_label: Text


class MeetingOut(MeetingSummaryOut):
    place: int | None
    is_election: bool
    convener: PersonRef
    agenda: list[str]
    seats: list[SeatOut]
    quorum: QuorumOut
    minutes: str
    cancel_reason: str
    resolutions: list[ActionItemOut]
    attachments: list[AttachmentOut]
    acts: list[str]
    may_run: bool


class MeetingPage(PageMeta):
    items: list[MeetingSummaryOut]


class ActionItemPage(PageMeta):
    items: list[ActionItemOut]


class SignInIn(Schema):
    """The caller signs in with the QR code's ``token``; the secretary names ``person_id``."""

    token: str = Field("", max_length=64)
    person_id: int | None = None


class SignInResultOut(Schema):
    meeting: int
    person: PersonRef
    method: str
    signed_at: dt.datetime


class ApologyIn(Schema):
    reason: str = Field(..., max_length=200)
    person_id: int | None = None


class ApologyOut(Schema):
    meeting: int
    person: PersonRef
    reason: str


class MeetingActIn(Schema):
    minutes: str = Field("", max_length=20000)
    reason: str = Field("", max_length=200)


class ResolutionIn(Schema):
    text: str = Field(..., max_length=500)
    owner_person_id: int | None = None
    due: dt.date | None = None


class ActionItemActIn(Schema):
    note: str = Field("", max_length=500)
