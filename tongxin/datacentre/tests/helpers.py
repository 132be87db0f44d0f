"""What the data centre's tests share: the generated records' period (a stretch with no demo
record in it), the hypothesis settings, reading the module rollups back, the query period of
the pages, and the incremental-against-rebuild check."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tongxin.core import clock
from tongxin.datacentre import module_rollups
from tongxin.datacentre.models import ModuleRollup

BASE = dt.date(2031, 3, 1)  # a period with no demo record in it
HYPOTHESIS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
period = st.tuples(st.integers(0, 9), st.integers(0, 9))


def at(day: int, minute: int) -> dt.datetime:
    """``minute`` minutes into the ``day``-th day after ``BASE``, local time."""
    return clock.start_of_day(BASE + dt.timedelta(days=day)) + dt.timedelta(minutes=minute)


def table(source: str) -> dict[tuple[Any, ...], Counter[str]]:
    """The ``source``'s rollup rows over the generated ten days, figure by figure."""
    out: dict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    rows = ModuleRollup.objects.filter(
        source=source, day__gte=BASE, day__lte=BASE + dt.timedelta(days=9)
    )
    for r in rows:
        out[(r.day, r.path, r.key)][r.figure] += r.value
    return dict(out)


def module_rows() -> set[tuple[Any, ...]]:
    return set(
        ModuleRollup.objects.values_list(
            "source", "day", "path", "grid_id", "key", "figure", "value"
        )
    )


def query_period(*, back: int = 120, ahead: int = 0) -> dict[str, str]:
    """The pages' ``from``/``to`` around today."""
    return {
        "from": (clock.today() - dt.timedelta(days=back)).isoformat(),
        "to": (clock.today() + dt.timedelta(days=ahead)).isoformat(),
    }


def settled_rows() -> set[tuple[Any, ...]]:
    """The module rollups after a first incremental run (every day), checked idempotent."""
    module_rollups.incremental_all()
    first = module_rows()
    assert first
    module_rollups.incremental_all()
    assert module_rows() == first
    return first


def assert_incremental_equals_rebuild(first: set[tuple[Any, ...]]) -> None:
    """After changes made since ``first``: the incremental run takes them in, a rebuild gives
    the same rows, and incremental again changes nothing."""
    module_rollups.incremental_all()
    after = module_rows()
    assert after != first
    module_rollups.rebuild_every()
    assert module_rows() == after
    module_rollups.incremental_all()
    assert module_rows() == after
