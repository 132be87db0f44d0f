"""Schemas of the party-life API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema

from tongxin.core.api_support import Text


class LifePeriodOut(Schema):
    label: str
    start: dt.date
    end: dt.date
    status: str
    meeting_ids: list[int]
    fixed_on: dt.date | None = None
    off_day: list[int] = []


class LifeKindOut(Schema):
    kind: str
    label: str
    cadence: str
    min_count: int
    required: int
    held: int
    missing: list[str]
    due: list[str]
    fixed_day: int | None = None
    periods: list[LifePeriodOut] = []
    by_secretary_required: int
    by_secretary_held: int


class LifeOut(Schema):
    organisation_id: int
    name: str
    year: int
    kinds: list[LifeKindOut]


class ReviewIn(Schema):
    accept: bool
    note: str = ""


class ReviewOut(Schema):
    meeting_id: int
    review_state: str
    review_note: str


class EvidenceOut(Schema):
    model: str
    id: Any
    text: str
    url: str


class CardItemOut(Schema):
    rule: str
    label: str
    points: str
    note: str = ""
    evidence: list[EvidenceOut]


class CardOut(Schema):
    id: str
    kind: str
    subject: str
    year: int
    total: str
    stars: int | None
    grade: str
    state: str
    publish_until: str | None
    items: list[CardItemOut]


class CardSummaryOut(Schema):
    id: str
    kind: str
    subject: str
    year: int
    total: str
    stars: int | None
    grade: str
    state: str


class CardPage(Schema):
    kind: str
    kind_label: Text
    year: int
    count: int
    items: list[CardSummaryOut]


class NominationOut(Schema):
    id: int
    title: str
    title_label: str
    subject: str
    card_id: str
    total: str
    stars: int
    deeds: str


class ObjectionOut(Schema):
    id: int
    reason: str
    answer: str
    answered: bool


class NominationListOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    year: int
    occasion: str
    state: str
    review_note: str
    publish_from: dt.date | None
    publish_until: dt.date | None
    nominations: list[NominationOut]
    objections: list[ObjectionOut]


class CandidateOut(Schema):
    title: str
    subject_id: int
    subject: str
    card_id: str
    total: str | None
    stars: int | None
    eligible: bool
    reasons: list[str]
    nominated: bool


class NominateIn(Schema):
    year: int | None = None
    occasion: str = "year_end"
    title: str
    subject_id: int
    deeds: str = ""


class NominationActIn(Schema):
    act: str
    note: str = ""


class ObjectionIn(Schema):
    reason: str


class AnswerIn(Schema):
    answer: str
