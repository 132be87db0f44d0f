"""Weeks and spikes: pure functions, no database.

A week is the local Monday it starts on. A topic's week is a **spike** when its count is well
above the topic's own baseline, the mean of the ``baseline`` weeks before it (at least 3):

- at least ``min_count`` (5) and at least ``ratio`` (2) times the baseline;
- more than ``z`` (4) of the baseline weeks' own standard deviations above it (a topic that
  is noisy by nature must rise above its own noise);
- and unlikely as chance: the Poisson probability of so many, at the baseline raised by one
  standard error of its estimate, below ``alpha`` (1/1000).

On pure Poisson noise this flags a week somewhere in about 2 % of year-long series (about
4 weeks in 10,000); ``tests/test_trends.py`` measures it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

BASELINE_WEEKS = 8
Z = 4.0
RATIO = 2.0
MIN_COUNT = 5
ALPHA = 1e-3


def week_of(day: dt.date) -> dt.date:
    """The Monday that starts ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


def last_weeks(today: dt.date, n: int) -> list[dt.date]:
    """The ``n`` weeks up to and including ``today``'s, oldest first."""
    this = week_of(today)
    return [this - dt.timedelta(weeks=i) for i in range(n - 1, -1, -1)]


def poisson_tail(c: int, lam: float) -> float:
    """P(X ≥ c) for X ~ Poisson(lam)."""
    if c <= 0:
        return 1.0
    term = math.exp(-lam)
    below = term
    for k in range(1, c):
        term *= lam / k
        below += term
    return max(0.0, 1.0 - below)


def is_spike(
    counts: Sequence[int],
    i: int,
    *,
    weeks: int = BASELINE_WEEKS,
    z: float = Z,
    ratio: float = RATIO,
    min_count: int = MIN_COUNT,
    alpha: float = ALPHA,
) -> bool:
    before = counts[max(0, i - weeks) : i]
    if len(before) < 3:
        return False
    mean = sum(before) / len(before)
    spread = math.sqrt(sum((c - mean) ** 2 for c in before) / len(before))
    c = counts[i]
    if c < min_count or c < ratio * max(mean, 1.0) or c <= mean + z * spread:
        return False
    lam = max(mean, 0.5) + math.sqrt(max(mean, 0.5) / len(before))
    return poisson_tail(c, lam) < alpha


def spikes(counts: Sequence[int], **kwargs: float) -> list[bool]:
    """For every week of a series, whether it is a spike against the weeks before it."""
    return [is_spike(counts, i, **kwargs) for i in range(len(counts))]  # type: ignore[arg-type]
