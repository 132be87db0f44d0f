"""The cadence engine: pure functions over dates, and the rules as configuration.

A calendar rule owes one contact per period (a day, an ISO week, a month, a quarter, a half
year, a year: ``meetings.schedules.period_of``, the one calendar of recurring periods, with the
day added here). The visit is due by the end of the period's last day, late after that, and
missed ``grace_days`` later. A trigger (a new tag, a hospital admission, a release, a 三必到
case) owes a contact within ``trigger_hours`` of the moment it happened.

A resident's rules are merged into one schedule: ``rules_for`` picks every rule a resident's
current tags and risk tier call for, and ``counts_toward`` decides which open tasks one visit
satisfies — all of them whose window holds the visit and whose rule accepts the contact, so one
visit is never counted twice and never has to be made twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tongxin.core import clock, config_cache
from tongxin.meetings.schedules import Period, period_of

from .models import CadenceRule, Interval

RULES_ENTRY = "visits.rules"


@dataclass(frozen=True)
class Rule:
    """A cadence rule as the engine reads it (a row of ``CadenceRule``, cached)."""

    id: int
    code: str
    name: str
    care_kind: str
    risk_tier: str
    role: str
    duty: str
    interval: str
    grace_days: int
    methods: tuple[str, ...]
    triggers: tuple[str, ...]
    trigger_hours: int
    any_visitor: bool
    start_date: dt.date | None
    end_date: dt.date | None

    def in_force(self, on: dt.date) -> bool:
        return (self.start_date is None or self.start_date <= on) and (
            self.end_date is None or self.end_date >= on
        )

    def applies_to(self, kinds: Iterable[str], tier: str) -> bool:
        kinds = set(kinds)
        if not kinds:
            return False
        if self.care_kind and self.care_kind not in kinds:
            return False
        return not (self.risk_tier and self.risk_tier != tier)

    @property
    def periodic(self) -> bool:
        return self.interval != Interval.ON_TRIGGER


def as_rule(row: CadenceRule) -> Rule:
    return Rule(
        id=row.pk,
        code=row.code,
        name=row.name,
        care_kind=row.care_kind,
        risk_tier=row.risk_tier,
        role=row.role,
        duty=row.duty,
        interval=row.interval,
        grace_days=row.grace_days,
        methods=tuple(row.methods or ()),
        triggers=tuple(row.triggers or ()),
        trigger_hours=row.trigger_hours,
        any_visitor=row.any_visitor,
        start_date=row.start_date,
        end_date=row.end_date,
    )


def load_rules() -> tuple[Rule, ...]:
    return tuple(as_rule(r) for r in CadenceRule.objects.order_by("code"))


def all_rules() -> tuple[Rule, ...]:
    return config_cache.get(RULES_ENTRY)  # type: ignore[no-any-return]


def rules_for(
    kinds: Iterable[str], tier: str, on: dt.date, rules: Iterable[Rule] | None = None
) -> list[Rule]:
    """Every rule in force on ``on`` that a resident with care tags ``kinds`` and risk tier
    ``tier`` falls under (one merged schedule)."""
    kinds = list(kinds)
    return [
        r
        for r in (all_rules() if rules is None else rules)
        if r.in_force(on) and r.applies_to(kinds, tier)
    ]


def period(interval: str, day: dt.date) -> Period:
    """The calendar period of ``interval`` holding ``day``."""
    if interval == Interval.DAILY:
        return Period(day, day)
    return period_of(interval, day)


def periods(interval: str, start: dt.date, end: dt.date) -> Iterator[Period]:
    """Every period of ``interval`` that overlaps [start, end], in order."""
    if end < start:
        return
    p = period(interval, start)
    while p.start <= end:
        yield p
        p = period(interval, p.end + dt.timedelta(days=1))


def end_of_day(day: dt.date) -> dt.datetime:
    """The last moment of a local day (the start of the next, less a microsecond)."""
    return clock.start_of_day(day + dt.timedelta(days=1)) - dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class Due:
    """One visit owed: its period's first day, when it is due, and when it is missed."""

    period_start: dt.date
    due_by: dt.datetime
    late_by: dt.datetime


def due_in_period(rule: Rule, p: Period) -> Due:
    due = end_of_day(p.end)
    return Due(p.start, due, due + dt.timedelta(days=rule.grace_days))


def due_dates(rule: Rule, start: dt.date, end: dt.date) -> list[Due]:
    """What ``rule`` owes over [start, end] (a periodic rule; a trigger rule owes nothing
    until triggered)."""
    if not rule.periodic:
        return []
    return [due_in_period(rule, p) for p in periods(rule.interval, start, end)]


def due_on_trigger(rule: Rule, at: dt.datetime) -> Due:
    due = at + dt.timedelta(hours=rule.trigger_hours)
    return Due(clock.local(at).date(), due, due + dt.timedelta(days=rule.grace_days))


def counts_toward(
    rule: Rule,
    *,
    period_start: dt.date,
    late_by: dt.datetime,
    assignee_id: int | None,
    visitor_id: int,
    method: str,
    at: dt.datetime,
) -> bool:
    """Whether one contact (``method`` by ``visitor_id`` at ``at``) satisfies an open task."""
    if method not in rule.methods:
        return False
    if not rule.any_visitor and assignee_id != visitor_id:
        return False
    return clock.local(at).date() >= period_start and at <= late_by
