"""What the data centre writes to the one audit log (``core.audit``): every read of the records
behind a figure (page or API: the same cases, visits and alarms the modules' own lists audit)
and every download of a monthly report. Counts and filters only, never the records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tongxin.core import audit
from tongxin.core.actors import Actor
from tongxin.places.models import Place


def records_read(
    user: Actor, *, source: str, figure: str, place: Place, found: Any, via: str
) -> None:
    """One row per page of records shown (or withheld): which module and figure, under which
    place, how many the figure counts and how many of them this page showed."""
    audit.record(
        actor=user,
        action="datacentre.records",
        obj=place,
        detail={
            "source": source,
            "figure": figure,
            "count": found.count,
            "shown": len(found.items),
            "page": found.page,
            "withheld": bool(found.withheld),
            "via": via,
        },
    )


def report_downloaded(user: Actor, *, place: Place, month: dt.date, fmt: str) -> None:
    audit.record(
        actor=user,
        action="datacentre.report",
        obj=place,
        detail={"month": f"{month:%Y-%m}", "format": fmt},
    )
