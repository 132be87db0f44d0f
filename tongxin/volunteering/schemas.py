"""API schemas of volunteering and the points ledger. Points are integers; time is minutes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from tongxin.core.api_support import Moment, PageMeta, Text


class EntryOut(Schema):
    id: int
    transaction: int
    kind: str
    kind_label: Text
    reason: str
    amount: int
    expires_on: dt.date | None
    at: dt.datetime


class PointsMeOut(Schema):
    """The caller's balance (points), banked time (minutes), confirmed service time and the
    latest entries of their points account."""

    volunteer_status: str | None
    balance: int
    banked_minutes: int
    served_minutes: int
    entries: list[EntryOut]


class RewardOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: Text
    description: str
    cost: int
    stock: int
    per_person_limit: int | None


class RewardPage(PageMeta):
    items: list[RewardOut]


class OrderOut(Schema):
    id: int
    reward: int
    reward_name: str
    points: int
    status: str
    status_label: Text
    created_at: dt.datetime
    redeem_transaction: int
    refund_transaction: int | None
    balance_after: int | None = None


class OrderPage(PageMeta):
    items: list[OrderOut]


class ReasonIn(Schema):
    reason: str = Field("", max_length=200)


class VolunteerIn(Schema):
    person: int | None = None  # a child of the caller's household (小小志愿者); default: self
    skills: list[str] = []
    availability: str = Field("", max_length=100)
    teams: list[int] = []


class VolunteerOut(Schema):
    id: int
    person: int
    name: str
    community: int
    status: str
    status_label: Text
    skills: list[str]
    availability: str
    teams: list[dict[str, Any]]
    is_child: bool
    guardian: str | None


class VolunteerPage(PageMeta):
    items: list[VolunteerOut]


class ReviewIn(Schema):
    approve: bool
    note: str = Field("", max_length=200)


class ActivityIn(Schema):
    community: int | None = None
    organiser_org: int | None = None
    title: str = Field(..., max_length=100)
    description: str = ""
    address: str = Field("", max_length=200)
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    starts_at: Moment
    ends_at: Moment
    slots: int = Field(..., ge=1, le=10000)
    skills_wanted: list[str] = []
    difficulty: int = Field(1, ge=1, le=3)


class SignupOut(Schema):
    id: int
    activity: int
    volunteer: int
    name: str
    status: str
    status_label: Text
    bank_time: bool
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    minutes: int
    points: int


class ActivityOut(Schema):
    id: int
    title: str
    description: str
    community: int
    organiser: str | None
    address: str
    lat: float | None
    lng: float | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    slots: int
    taken: int
    waiting: int
    skills_wanted: list[str]
    difficulty: int
    status: str
    status_label: Text
    my_signup: SignupOut | None = None
    roster: list[SignupOut] | None = None  # organisers only


class ActivityPage(PageMeta):
    items: list[ActivityOut]


class SignupIn(Schema):
    bank_time: bool = False


class ScanIn(Schema):
    token: str = Field(..., max_length=60)
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)


class ConfirmIn(Schema):
    minutes: int | None = Field(None, ge=0, le=1440)


class LegOut(Schema):
    account: int
    account_kind: str
    holder: str
    amount: int


class TransactionOut(Schema):
    id: int
    kind: str
    kind_label: Text
    unit: str
    reason: str
    created_at: dt.datetime
    created_by: str | None
    approved_by: str | None
    corrects: int | None
    entries: list[LegOut]


class TransactionPage(PageMeta):
    items: list[TransactionOut]


class CorrectIn(Schema):
    reason: str = Field(..., max_length=200)
    amounts: dict[int, int] | None = None  # account id → signed amount; default: reverse all


class SpendIn(Schema):
    provider: int  # the person who served
    minutes: int = Field(..., ge=1, le=100000)
    reason: str = Field("", max_length=200)


class HonourIn(Schema):
    kind: str
    period: str = Field(..., max_length=7)
    person: int | None = None
    organisation: int | None = None
    citation: str = Field("", max_length=300)
    award: str | None = None  # code of a fixed award to pay with it


class HonourOut(Schema):
    id: int
    kind: str
    kind_label: Text
    period: str
    holder: str
    points: int | None


class BoardRow(Schema):
    id: int
    name: str
    points: int


class LeaderboardOut(Schema):
    community: int
    period: str
    persons: list[BoardRow]
    units: list[BoardRow]
