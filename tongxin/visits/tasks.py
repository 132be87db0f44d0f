"""The periodic jobs of visits (registered with ``core.schedule`` from ``VisitsConfig.ready``)."""

from __future__ import annotations

from tongxin.core import clock

from .ending import end_pairs
from .services import escalate_overdue, knock_sweep, plan, reassign_open


def visits_plan() -> str:
    """Each night: tasks for the periods that begin, held tasks follow their posts, and the
    pairs of residents whose last tag ended yesterday end."""
    added = plan()
    moved = reassign_open()
    ended = end_pairs(clock.today())
    return f"planned {added}, reassigned {moved}, pairs ended {len(ended)}"


def visits_escalate() -> str:
    """Every quarter of an hour: overdue visits up the chain, unanswered knocks onward."""
    moved = reassign_open()
    result = escalate_overdue()
    told = knock_sweep()
    return (
        f"reassigned {moved}, escalated {result['escalated']}, missed {result['missed']}, "
        f"knocks {told}"
    )
