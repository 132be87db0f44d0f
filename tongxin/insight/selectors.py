"""Reads of the trends: topics per week under a place, and the texts behind one point.

Everything is read through the viewer's scope (``Case.objects.visible_to``,
``LogEntry.objects.visible_to``): the counts and the texts are what the viewer may see, never
more. A case's topic is its category (the one a worker chose); a daily-log entry's is the
category the shipped category model reads in what was raised (an entry that became a case is
counted once, as the case).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any

from tongxin.cases import config as case_config
from tongxin.cases.models import Case
from tongxin.cases.suggest import shipped
from tongxin.core import clock
from tongxin.core.actors import Actor
from tongxin.notices.models import LogEntry
from tongxin.places.models import Place

from . import trends

MAX_WEEKS = 52
_topics_lock = threading.Lock()
_log_topics: dict[tuple[int, int], str] = {}  # (entry id, hash of its text) → topic


def log_text(entry: Any) -> str:
    return "\n".join(t for t in (entry.raised, entry.difficulties, entry.requests) if t)


def log_topic(pk: int, text: str) -> str:
    """The topic of a daily-log entry (its likeliest category), kept per process."""
    key = (pk, hash(text))
    found = _log_topics.get(key)
    if found is None:
        found = shipped.load().top(text, 1)[0][0]
        with _topics_lock:
            if len(_log_topics) > 50_000:
                _log_topics.clear()
            _log_topics[key] = found
    return found


@dataclass
class TopicRow:
    code: str
    name: str
    top: str
    counts: list[int]
    spikes: list[bool]
    cases: list[int] = field(default_factory=list)
    logs: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def spiking(self) -> bool:
        return any(self.spikes)

    @property
    def peak(self) -> int:
        return max(self.counts, default=0)

    weeks: list[dt.date] = field(default_factory=list)

    @property
    def points(self) -> list[tuple[int, bool, dt.date]]:
        """(count, spike, week) per week, for the page."""
        return list(zip(self.counts, self.spikes, self.weeks, strict=True))


@dataclass
class TrendTable:
    place: Place
    weeks: list[dt.date]
    topics: list[TopicRow]


def _names(code: str) -> tuple[str, str]:
    cat = case_config.categories().by_code.get(code)
    if cat is None:
        return code, code
    return cat.name, cat.lineage()[-1].name


def weekly_items(
    user: Actor | None, place: Place, since: dt.date, until: dt.date | None = None
) -> list[tuple[dt.date, str, str, int]]:
    """(week, topic, "case" | "log", id) of what the viewer may see under ``place`` from
    ``since`` (a Monday) to ``until`` (exclusive). ``user=None``: everything (the weekly
    spike job, which tells the community's secretary, who sees the whole community)."""
    start = clock.start_of_day(since)
    end = clock.start_of_day(until) if until else None
    codes = {c.pk: c.code for c in case_config.categories().by_pk.values()}
    all_cases = Case.objects.visible_to(user) if user is not None else Case.objects.all()
    all_logs = LogEntry.objects.visible_to(user) if user is not None else LogEntry.objects.all()
    cases = all_cases.filter(place_path__prefix=place.path, created_at__gte=start)
    logs = all_logs.filter(place_path__prefix=place.path, occurred_at__gte=start, case__isnull=True)
    if end is not None:
        cases = cases.filter(created_at__lt=end)
        logs = logs.filter(occurred_at__lt=end)
    out: list[tuple[dt.date, str, str, int]] = []
    for pk, at, category_id in cases.values_list("pk", "created_at", "category_id"):
        if category_id in codes:
            out.append((trends.week_of(clock.local_date(at)), codes[category_id], "case", pk))
    for entry in logs.only("pk", "occurred_at", "raised", "difficulties", "requests"):
        topic = log_topic(entry.pk, log_text(entry))
        out.append((trends.week_of(clock.local_date(entry.occurred_at)), topic, "log", entry.pk))
    return out


def trend_table(
    user: Actor | None, place: Place, *, weeks: int = 12, today: dt.date | None = None
) -> TrendTable:
    """Every topic seen under ``place`` in the last ``weeks`` weeks (this one included), with
    its weekly counts and spike flags (each week against the weeks before it, so the first
    weeks shown have their baseline read from before the range), busiest first."""
    weeks = max(1, min(weeks, MAX_WEEKS))
    today = today or clock.today()
    shown = trends.last_weeks(today, weeks)
    every = trends.last_weeks(today, weeks + trends.BASELINE_WEEKS)
    index = {w: i for i, w in enumerate(every)}
    series: dict[str, list[int]] = {}
    refs: dict[str, tuple[list[int], list[int]]] = {}
    until = shown[-1] + dt.timedelta(days=7)
    for week, topic, kind, pk in weekly_items(user, place, every[0], until):
        counts = series.setdefault(topic, [0] * len(every))
        counts[index[week]] += 1
        cases, logs = refs.setdefault(topic, ([], []))
        if week >= shown[0]:
            (cases if kind == "case" else logs).append(pk)
    offset = len(every) - len(shown)
    rows = []
    for code, counts in series.items():
        flags = trends.spikes(counts)
        name, top = _names(code)
        if sum(counts[offset:]) == 0:
            continue
        rows.append(
            TopicRow(
                code=code,
                name=name,
                top=top,
                counts=counts[offset:],
                spikes=flags[offset:],
                cases=refs[code][0],
                logs=refs[code][1],
                weeks=shown,
            )
        )
    rows.sort(key=lambda r: (not r.spiking, -r.total, r.code))
    return TrendTable(place=place, weeks=shown, topics=rows)


def texts_behind(
    user: Actor, place: Place, *, topic: str, week: dt.date
) -> tuple[list[Case], list[LogEntry]]:
    """The cases and daily-log entries the viewer may see behind one point of the trend."""
    week = trends.week_of(week)
    items = weekly_items(user, place, week, week + dt.timedelta(days=7))
    case_ids = [pk for _w, t, kind, pk in items if t == topic and kind == "case"]
    log_ids = [pk for _w, t, kind, pk in items if t == topic and kind == "log"]
    cases = list(
        Case.objects.visible_to(user)
        .filter(pk__in=case_ids)
        .select_related("category")
        .order_by("-created_at", "-pk")
    )
    logs = list(
        LogEntry.objects.visible_to(user)
        .filter(pk__in=log_ids)
        .select_related("place")
        .order_by("-occurred_at", "-pk")
    )
    return cases, logs
