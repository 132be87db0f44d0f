"""API schemas of the data centre."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class PlaceBrief(Schema):
    id: int
    name: str
    kind: str


class StateTime(Schema):
    state: str
    label: str
    spells: int  # stays in the state that have ended
    seconds: int  # their summed length
    mean_hours: float | None


class CaseFigures(Schema):
    received: int
    accepted: int
    resolved: int
    on_time: int
    reopened: int
    overdue: int
    open: int
    followed_up: int
    satisfied: int
    accept_seconds: int
    resolve_timed: int
    resolve_seconds: int
    on_time_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    satisfaction: float | None
    accept_hours: float | None
    resolve_hours: float | None
    state_times: list[StateTime] = []


class CaseStatsRow(CaseFigures):
    grid: int | None = None
    category: str | None = None
    day: dt.date | None = None
    label: str


class CaseStatsOut(Schema):
    place: PlaceBrief
    level: str
    by: str
    date_from: dt.date
    date_to: dt.date
    total: CaseFigures
    rows: list[CaseStatsRow]
    as_of: dt.datetime | None  # when the case rollups last ran


class CaseRecordOut(Schema):
    id: int
    ref: str
    category: str
    grid: str | None
    state: str
    created_at: dt.datetime
    overdue: bool


class CaseRecordsOut(Schema):
    count: int
    withheld: bool
    page: int
    page_size: int
    items: list[CaseRecordOut]


class ModuleStatsRow(Schema):
    key: str | None  # grid id, breakdown key or day, as text; null: outside every grid
    label: str
    figures: dict[str, float | int | None]


class ModuleStatsOut(Schema):
    source: str
    place: PlaceBrief
    level: str
    by: str
    date_from: dt.date
    date_to: dt.date
    as_of: dt.datetime | None  # when this module's rollups last ran
    total: dict[str, float | int | None]
    rows: list[ModuleStatsRow]
    figures: list[str]


class ModuleRecordRef(Schema):
    id: int  # the record's id (the module's own API and pages show it)


class ModuleRecordsOut(Schema):
    count: int
    withheld: bool
    page: int
    page_size: int
    items: list[ModuleRecordRef]
