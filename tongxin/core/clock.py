"""The one clock: every "now" and "today" in the product comes from here.

Dates in this system are days of the community's calendar (``TIME_ZONE``, Asia/Shanghai by
default), not of the server: a post that ends on 31 December ends at local midnight, whatever
zone the server's own clock is in. Any other read of the system clock is refused by
``make lint`` (ruff's DTZ rules and the banned-API list in ``pyproject.toml``), so that one
frozen clock in the tests (time-machine) freezes the whole product and nothing depends on the
day it runs.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """This moment, timezone-aware (UTC inside; convert with :func:`local` for display)."""
    return timezone.now()


def today() -> dt.date:
    """Today's date in the configured zone: it changes at local midnight."""
    return timezone.localdate(timezone.now())


def local(at: dt.datetime | None = None) -> dt.datetime:
    """``at`` (this moment by default) in the configured zone; a naive value is taken to be
    local already."""
    if at is None:
        return timezone.localtime(timezone.now())
    if timezone.is_naive(at):
        return timezone.make_aware(at)
    return timezone.localtime(at)


def local_date(at: dt.datetime) -> dt.date:
    """The local calendar day of the moment ``at``."""
    return local(at).date()


def start_of_day(day: dt.date) -> dt.datetime:
    """Local midnight at the start of ``day``, as an aware moment."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def this_month() -> str:
    """The current month as ``YYYY-MM`` (the key of monthly periods)."""
    return today().strftime("%Y-%m")
