"""Input and output shapes of the alliance's API."""

from __future__ import annotations

from typing import Any

from ninja import Schema

from tongxin.core.api_support import PageMeta, Text


class UnitOut(Schema):
    id: int
    alliance_id: int
    alliance: str
    unit_id: int
    name: str
    kind: str
    kind_label: Text
    party_org: str | None
    leaders: str
    joined_on: Any


class UnitPage(PageMeta):
    items: list[UnitOut]


class EvidenceOut(Schema):
    model: str
    id: int | str
    text: str
    url: str


class ItemOut(Schema):
    rule: str
    label: str
    part: str
    points: str
    raw: str
    note: str
    evidence: list[EvidenceOut]


class ScorecardOut(Schema):
    unit_id: int
    year: int
    total: str
    grade: str
    state: str
    publish_until: str | None
    parts: dict[str, str]
    part_labels: dict[str, str] = {}
    items: list[ItemOut]


class ObjectionIn(Schema):
    year: int
    reason: str


class ObjectionOut(Schema):
    id: int
    reason: str
    answer: str


class MemberOut(Schema):
    id: int
    person_id: int
    name: str
    unit_id: int
    unit: str
    since: Any
    hours: str


class MemberPage(PageMeta):
    items: list[MemberOut]


class MemberCardOut(Schema):
    member_id: int
    year: int
    total: str
    grade: str
    state: str
    publish_until: str | None
    parts: dict[str, str]
    part_labels: dict[str, str] = {}
    items: list[ItemOut]
