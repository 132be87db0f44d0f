"""API schemas for cases (民情诉求): categories, intake, lists, the case with its timeline,
the acts of the workflow, measures and nearby open cases.

The reporter appears only to those who may see them (``policies.sees_reporter``) and then as a
name and a masked phone; the full number comes only from the audited reveal.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from tongxin.core.api_support import PageMeta, Text
from tongxin.places.schemas import PlaceRef


class CategoryOut(Schema):
    """A node of the category tree, with its children."""

    code: str
    name: str
    description: str
    level: str
    level_label: Text
    department_kind: str
    must_attend: bool
    attributes: list[dict[str, Any]]
    children: list[CategoryOut]


class CategoryRef(Schema):
    code: str
    name: str
    full_name: str


class GridRef(Schema):
    id: int
    name: str


class AssigneeOut(Schema):
    """Who must act now: a person or an organisation (``label`` names either)."""

    label: Text
    person: int | None
    org: int | None


class ReporterOut(Schema):
    """The reporter as staff see them: name and masked phone."""

    label: Text
    anonymous: bool


class CaseIn(Schema):
    """A new case. The location is one of: ``lat``+``lng`` (WGS-84), ``place_id`` (a place
    from the tree), or ``address``. ``photos`` are ids from ``POST /uploads``."""

    category: str = ""
    description: str = ""
    priority: str = "normal"
    channel: str = "app"
    lat: float | None = None
    lng: float | None = None
    place_id: int | None = None
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    anonymous: bool = False
    photos: list[str] = Field(default_factory=list)
    answers: dict[str, Any] = Field(default_factory=dict)


class CaseOut(Schema):
    """A case in a list."""

    id: int
    ref: str
    category: CategoryRef
    priority: str
    priority_label: Text
    channel: str
    channel_label: Text
    state: str
    state_label: Text
    description: str
    address: str
    lat: float | None
    lng: float | None
    grid: GridRef | None
    level: str
    level_label: Text
    assignee: AssigneeOut
    owner: str | None
    reporter: ReporterOut | None
    overdue: bool
    supervised: bool
    support_count: int
    reopen_count: int
    feedback: str
    feedback_label: Text
    public_note: str
    created_at: dt.datetime
    accept_due: dt.datetime | None
    arrive_due: dt.datetime | None
    resolve_due: dt.datetime | None
    accepted_at: dt.datetime | None
    arrived_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    resolved_on_time: bool | None


class CasePage(PageMeta):
    items: list[CaseOut]


class EventOut(Schema):
    """One entry of the timeline."""

    seq: int
    at: dt.datetime
    act: str
    act_label: Text
    actor: str
    from_state: str
    to_state: str
    note: str
    public: bool
    photos: list[str]
    data: dict[str, Any]


class ActionOut(Schema):
    action: str
    label: Text


class CallOut(Schema):
    """One department called in (吹哨) and its part (报到, 处置)."""

    id: int
    organisation: dict[str, Any]
    status: str
    status_label: Text
    request: str
    report_due: dt.datetime
    reported_at: dt.datetime | None
    done_at: dt.datetime | None
    result: str
    late: bool


class RoutingOut(Schema):
    """A routing decision and its reason (staff only)."""

    at: dt.datetime
    level: str
    level_label: Text
    person: str | None
    organisation: str | None
    reason: str
    override: bool
    decided_by: str | None


class NearbyOut(Schema):
    """An open case near a point: enough to recognise it, nothing about who reported it."""

    id: int
    ref: str
    category: CategoryRef
    state: str
    state_label: Text
    distance: float
    created_at: dt.datetime
    support_count: int


class CaseDetailOut(CaseOut):
    """One case with its timeline, the acts the caller may do, and (for staff) the calls,
    routing decisions, clocks and possible duplicates."""

    place: PlaceRef | None
    location_source: str
    photos: list[str]
    answers: dict[str, Any]
    result: str
    merged_into: str | None
    timeline: list[EventOut]
    allowed_actions: list[ActionOut]
    calls: list[CallOut]
    routings: list[RoutingOut]
    clocks: dict[str, Any]
    possible_duplicates: list[NearbyOut]


class ActionIn(Schema):
    """The fields of an act; each act reads the ones it needs (see docs/api.md)."""

    note: str | None = None
    reason: str | None = None
    result: str | None = None
    comment: str | None = None
    rating: str | None = None
    person_id: int | None = None
    org_id: int | None = None
    org_ids: list[int] | None = None
    into: int | None = None
    minutes: int | None = None
    on_site: bool | None = None
    done: bool | None = None
    public: bool | None = None
    photos: list[str] | None = None


class RevealPhoneIn(Schema):
    reason: str = ""


class RevealPhoneOut(Schema):
    phone: str


class MeasuresRow(Schema):
    key: int | str | None
    label: Text
    received: int
    accepted: int
    resolved: int
    resolved_on_time: int
    on_time_rate: float | None
    avg_hours: float | None
    follow_up_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None


class MeasuresOut(Schema):
    by: str
    since: dt.date | None
    until: dt.date | None
    items: list[MeasuresRow]


class NearbyPage(Schema):
    items: list[NearbyOut]


class UploadOut(Schema):
    id: str
    name: str
    kind: str
    size: int
    width: int | None
    height: int | None
    url: str


class UploadsOut(Schema):
    ids: list[str]
    items: list[UploadOut]


class SuggestIn(Schema):
    """A text to suggest categories for; optionally where (for the department preview)."""

    text: str = Field(..., max_length=4000)
    place_id: int | None = None
    lat: float | None = None
    lng: float | None = None


class SuggestItem(Schema):
    code: str
    name: str
    top: str
    confidence: float
    preselect: bool
    level: str
    department: str | None = None


class SuggestModelInfo(Schema):
    version: str
    source: str


class SuggestOut(Schema):
    items: list[SuggestItem]
    model: SuggestModelInfo
