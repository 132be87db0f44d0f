"""The periodic jobs of visits (registered with ``core.schedule`` from ``VisitsConfig.ready``)."""

from __future__ import annotations

from .services import escalate_overdue, knock_sweep, plan, reassign_open


def visits_plan() -> str:
    """Each night: tasks for the periods that begin, and held tasks follow their posts."""
    added = plan()
    moved = reassign_open()
    return f"planned {added}, reassigned {moved}"


def visits_escalate() -> str:
    """Every quarter of an hour: overdue visits up the chain, unanswered knocks onward."""
    moved = reassign_open()
    result = escalate_overdue()
    told = knock_sweep()
    return (
        f"reassigned {moved}, escalated {result['escalated']}, missed {result['missed']}, "
        f"knocks {told}"
    )
