"""API schemas of the trends."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class PlaceBrief(Schema):
    id: int
    name: str


class TopicOut(Schema):
    code: str
    name: str
    top: str
    counts: list[int]
    spikes: list[bool]
    spike: bool
    total: int


class TrendsOut(Schema):
    place: PlaceBrief
    weeks: list[dt.date]
    topics: list[TopicOut]


class TrendCaseOut(Schema):
    id: int
    ref: str
    category: str
    description: str
    created_at: dt.datetime


class TrendLogOut(Schema):
    id: int
    occurred_at: dt.datetime
    place: str
    raised: str


class TrendTextsOut(Schema):
    place: PlaceBrief
    topic: str
    week: dt.date
    cases: list[TrendCaseOut]
    log_entries: list[TrendLogOut]
