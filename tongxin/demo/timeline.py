"""One case's history, played in memory through the workflow's own acts.

``Timeline`` holds an unsaved case and the rows its history leaves behind (events, routing
decisions, department calls). Every act goes through ``Timeline.act`` with one of the planning
functions of ``tongxin.cases.changes``, the same ones ``case_act`` uses, so the fields, the
state moves (checked by the case state machine) and the event texts are the services' own.
Before each act the clocks run up to its moment exactly as the clock worker would have acted
on them (``sla.moments_until`` and ``changes.clock_moment``). The demo community's builder
(``demo.cases``) and the benchmark loader (``demo.cases_bulk``) write the rows in bulk.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tongxin.cases import changes, sla
from tongxin.cases.changes import Change
from tongxin.cases.models import Case, CaseEvent, DepartmentCall, RoutingDecision
from tongxin.cases.workflow import Act


class DemoStoryError(RuntimeError):
    """A timeline the workflow could not have written (the state machine refuses the other
    kind, a move from the wrong state, with ``TransitionRefused``)."""


@dataclass
class Who:
    """Who does an act: a person (maybe with an account), an organisation, or the system."""

    label: str
    user: Any = None
    person_id: int | None = None


SYSTEM = "系统"  # the label of the system's own acts, as ``services.common._actor_label``

# The person one level up the chain for a breach: (case, breach level, moment) → person.
Superior = Callable[[Case, int, dt.datetime], Any]


@functools.cache
def _takes_at(plan: Callable[..., Any]) -> bool:
    return "at" in inspect.signature(plan).parameters


@dataclass
class Timeline:
    case: Case
    superior: Superior
    events: list[CaseEvent] = field(default_factory=list)
    routings: list[RoutingDecision] = field(default_factory=list)
    calls: list[DepartmentCall] = field(default_factory=list)

    def act(
        self, who: Who | None, at: dt.datetime, plan: Callable[..., Change | None], /, **inputs: Any
    ) -> Change:
        """Let the clocks run up to ``at``, then do the act ``plan`` (a function of
        ``cases.changes``) at ``at`` with ``inputs``, as ``who``."""
        self.clocks_until(at)
        if _takes_at(plan):
            inputs["at"] = at
        change = plan(self.case, **inputs)
        if change is None:
            raise DemoStoryError(f"{self.case.ref}: {plan.__name__} at {at} changes nothing")
        self.add(who, change, at)
        return change

    def clocks_until(self, until: dt.datetime) -> None:
        """The warnings and breaches the clock worker would have written before ``until``."""
        case = self.case
        for at, name, stage in sla.moments_until(case, until):
            superior = self.superior(case, case.breach_level + 1, at) if stage == "due" else None
            self.add(None, changes.clock_moment(case, name, stage, superior=superior), at)

    def add(self, who: Who | None, change: Change, at: dt.datetime) -> None:
        """Record ``change`` at ``at``: its event, routing decision and calls."""
        who = who or Who(SYSTEM)
        previous = self.events[-1] if self.events else None
        if previous is not None:
            # In time order, and no clock moment skipped.
            ref = self.case.ref
            if previous.at > at:
                raise DemoStoryError(f"{ref}: {change.act} at {at} comes before {previous.act}")
            if change.act not in (Act.WARN, Act.BREACH):
                missed = sla.moments_until(self.case, at)
                if missed:
                    raise DemoStoryError(f"{ref}: {change.act} at {at} skips {missed}")
        if change.routing is not None:
            self.routings.append(change.routing)
        self.calls.extend(change.calls)
        self.events.append(
            changes.event(
                self.case,
                change,
                seq=len(self.events) + 1,
                at=at,
                actor=who.user,
                actor_label=who.label,
            )
        )
