"""API schemas of service matching. Money is integer 元; time is minutes."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from tongxin.core.api_support import PageMeta, Text


class NeedIn(Schema):
    kind: str
    description: str
    urgency: str = "normal"
    household_id: int | None = None
    wanted_on: dt.date | None = None
    estimated_value: int | None = None


class NeedActIn(Schema):
    """The fields of an act; each act reads the ones it needs (see docs/api.md)."""

    method: str | None = None
    note: str | None = None
    reason: str | None = None
    resource: int | None = None
    organisation: int | None = None
    minutes: int | None = None
    proof: str | None = None
    rating: int | None = None
    comment: str | None = None


class NeedEventOut(Schema):
    act: str
    act_label: Text
    from_state: str
    to_state: str
    to_state_label: Text
    note: str
    at: dt.datetime


class NeedOut(Schema):
    """A need as the caller may see it: ``private`` says whether the resident, the address
    and the claim's particulars are shown (otherwise they are null)."""

    id: int
    kind: str
    kind_label: Text
    description: str
    urgency: str
    urgency_label: Text
    state: str
    state_label: Text
    community: int
    round: int
    priority: bool
    wanted_on: dt.date | None
    estimated_value: int | None
    listed_until: dt.date | None
    created_at: dt.datetime
    claimed: bool
    rating: int | None
    private: bool
    resident: str | None
    address: str | None
    claimer: str | None
    contact_by: dt.date | None
    minutes: int | None
    points: int | None
    verify_method: str | None
    acts: list[str]
    events: list[NeedEventOut] | None


class NeedPage(PageMeta):
    items: list[NeedOut]


class SuggestionOut(Schema):
    resource: int
    kind: str
    kind_label: Text
    name: str
    skills: list[str]
    hours_per_month: int
    score: int
    reasons: list[str]


class SuggestionsOut(Schema):
    items: list[SuggestionOut]


class ResourceIn(Schema):
    kind: str
    community: int | None = None
    organisation: int | None = None
    need_kinds: list[str] = []
    skills: list[str] = []
    hours_per_month: int = 4
    employer: str = ""


class ResourceOut(Schema):
    id: int
    kind: str
    kind_label: Text
    name: str
    community: int
    need_kinds: list[str]
    skills: list[str]
    hours_per_month: int
    employer: str
    is_active: bool


class ResourcePage(PageMeta):
    items: list[ResourceOut]


class CampaignIn(Schema):
    title: str
    community: int | None = None
    display: str = "given_name"
    max_value: int = 300
    claims_per_claimer: int = 3
    ends_on: dt.date | None = None
    state: str = "collecting"


class CampaignOut(Schema):
    id: int
    title: str
    community: int
    display: str
    state: str
    state_label: Text
    max_value: int
    claims_per_claimer: int
    ends_on: dt.date | None


class CampaignPage(PageMeta):
    items: list[CampaignOut]


class WishIn(Schema):
    person: int | None = None
    text: str = ""
    value: int = 0
    given_name: str = ""


class PublishIn(Schema):
    method: str = ""


class FulfilIn(Schema):
    receipt_by: str = ""
    receipt_name: str = ""
    thanks: str = ""


class WishOut(Schema):
    """A wish card: ``name`` is what the campaign allows (the given name, or null); the
    resident's name and address only for the staff, the household and its own claimer."""

    id: int
    campaign: int
    name: str | None
    text: str
    value: int
    state: str
    state_label: Text
    mine: bool
    resident: str | None
    address: str | None
    claimer: str | None
    contact_by: dt.date | None
    receipt_by: str | None
    thanks: str | None


class WishPage(PageMeta):
    items: list[WishOut]


class StationIn(Schema):
    name: str
    address: str = ""
    community: int | None = None


class StockOut(Schema):
    item: str
    quantity: int


class StationOut(Schema):
    id: int
    name: str
    address: str
    community: int
    is_active: bool
    stock: list[StockOut] | None


class StationPage(PageMeta):
    items: list[StationOut]


class DonationIn(Schema):
    donor_name: str = ""
    category: str = ""
    item: str = ""
    quantity: int = 0
    condition: str = "new"
    best_before: dt.date | None = None


class DonationOut(Schema):
    id: int
    donor_name: str
    category: str
    item: str
    quantity: int
    at: dt.datetime


class DonorItemOut(Schema):
    item: str
    quantity: int


class DonorOut(Schema):
    donor: str
    count: int
    items: list[DonorItemOut]


class DonorsOut(Schema):
    month: str
    items: list[DonorOut]


class FamilyIn(Schema):
    household_id: int | None = None
    note: str = ""


class FamilyOut(Schema):
    id: int
    station: int
    household: int
    is_active: bool


class DistributionIn(Schema):
    family: int | None = None
    item: str = ""
    quantity: int = 0


class DistributionOut(Schema):
    id: int
    family: int
    item: str
    quantity: int
    at: dt.datetime


class FundRecordOut(Schema):
    id: int
    kind: str
    kind_label: Text
    amount: int
    donor_name: str | None
    household: str | None
    reason: str
    transaction: int
    at: dt.datetime


class FundOut(Schema):
    """The 互助基金: ``balance`` and ``amount`` in fen (0.01 元)."""

    community: int
    balance: int
    records: list[FundRecordOut]


class FundDonationIn(Schema):
    amount: int = 0
    donor_name: str = ""
    reason: str = ""
    community: int | None = None


class FundHelpIn(Schema):
    amount: int = 0
    household_id: int | None = None
    reason: str = ""
    community: int | None = None


class NeedRevealIn(Schema):
    reason: str = ""


class NeedRevealOut(Schema):
    phone: str
