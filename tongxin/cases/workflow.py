"""The case state machine, as data (``core.statemachine``).

States and acts are enums; ``TRANSITIONS`` says, for each act, from which states it may be
done and which states it may lead to. An act that does not change the state (督办, a "me
too") lists the from-state itself; an act with several targets lets ``case_act`` pick one
(resume: the state it was suspended from; feedback: closed or back in progress) and the
machine checks the pick. ``MACHINE`` is the only reader of the table: an act that the table
does not allow from the current state is refused with ``TRANSITION_NOT_ALLOWED`` (HTTP 409).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy

from tongxin.core.errors import TransitionRefused as TransitionRefused  # the one refusal
from tongxin.core.statemachine import StateMachine


class State(models.TextChoices):
    REPORTED = "reported", gettext_lazy("待受理")
    ACCEPTED = "accepted", gettext_lazy("已立案")
    DISPATCHED = "dispatched", gettext_lazy("已派单")
    IN_PROGRESS = "in_progress", gettext_lazy("处置中")
    ESCALATED = "escalated", gettext_lazy("吹哨处置中")
    SUSPENDED = "suspended", gettext_lazy("已挂起")
    RESOLVED = "resolved", gettext_lazy("已办结待回访")
    CLOSED = "closed", gettext_lazy("已结案")
    REJECTED = "rejected", gettext_lazy("不予受理")
    MERGED = "merged", gettext_lazy("已合并")


class Act(models.TextChoices):
    REPORT = "report", gettext_lazy("上报")
    ROUTE = "route", gettext_lazy("分拨")
    ACCEPT = "accept", gettext_lazy("受理立案")
    REJECT = "reject", gettext_lazy("不予受理")
    DISPATCH = "dispatch", gettext_lazy("派单")
    START = "start", gettext_lazy("到场处置")
    RESOLVE = "resolve", gettext_lazy("办结")
    RETURN = "return", gettext_lazy("退回")
    SUSPEND = "suspend", gettext_lazy("挂起")
    RESUME = "resume", gettext_lazy("恢复办理")
    SUPERVISE = "supervise", gettext_lazy("督办")
    ESCALATE = "escalate", gettext_lazy("吹哨")
    REPORT_IN = "report_in", gettext_lazy("部门报到")
    FEEDBACK = "feedback", gettext_lazy("回访评价")
    CLOSE = "close", gettext_lazy("结案")
    MERGE = "merge", gettext_lazy("合并")
    SUPPORT = "support", gettext_lazy("我也遇到")
    NOTE = "note", gettext_lazy("备注")
    # Acts of the system itself (never requested by a user).
    WARN = "warn", gettext_lazy("时限预警")
    BREACH = "breach", gettext_lazy("超时升级")
    PARTS_DONE = "parts_done", gettext_lazy("部门处置完毕")


OPEN_STATES = frozenset(
    {
        State.REPORTED,
        State.ACCEPTED,
        State.DISPATCHED,
        State.IN_PROGRESS,
        State.ESCALATED,
        State.SUSPENDED,
    }
)
FINAL_STATES = frozenset({State.CLOSED, State.REJECTED, State.MERGED})
WORKING = frozenset({State.ACCEPTED, State.DISPATCHED, State.IN_PROGRESS, State.ESCALATED})


def _same(states: Iterable[str]) -> dict[str, frozenset[str]]:
    """The act leaves the state as it is, from each of ``states``."""
    return {s: frozenset({s}) for s in states}


def _to(target: str, *states: str) -> dict[str, frozenset[str]]:
    """The act leads to ``target`` from each of ``states``."""
    return {s: frozenset({target}) for s in states}


# act → {from state: the states it may lead to}
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    Act.ACCEPT: _to(State.ACCEPTED, State.REPORTED),
    Act.REJECT: _to(State.REJECTED, State.REPORTED),
    # From REPORTED a dispatch re-routes (the new assignee must accept); otherwise it hands
    # the work to someone else.
    Act.DISPATCH: {
        **_same([State.REPORTED]),
        **_to(State.DISPATCHED, State.ACCEPTED, State.DISPATCHED, State.IN_PROGRESS),
    },
    Act.START: _to(State.IN_PROGRESS, State.ACCEPTED, State.DISPATCHED),
    Act.RESOLVE: _to(State.RESOLVED, State.IN_PROGRESS, State.ESCALATED),
    # 退回: the routed receiver says "not mine" (back to the dispatcher), or the dispatched
    # handler gives it back to the owner.
    Act.RETURN: {
        **_same([State.REPORTED]),
        **_to(State.ACCEPTED, State.DISPATCHED, State.IN_PROGRESS),
    },
    Act.SUSPEND: _to(State.SUSPENDED, State.ACCEPTED, State.DISPATCHED, State.IN_PROGRESS),
    # Back to the state it was suspended from.
    Act.RESUME: {State.SUSPENDED: frozenset({State.ACCEPTED, State.DISPATCHED, State.IN_PROGRESS})},
    Act.SUPERVISE: _same(OPEN_STATES),
    Act.ESCALATE: _to(  # from ESCALATED: call one more department
        State.ESCALATED, State.ACCEPTED, State.DISPATCHED, State.IN_PROGRESS, State.ESCALATED
    ),
    Act.REPORT_IN: _same([State.ESCALATED]),
    Act.PARTS_DONE: _to(State.RESOLVED, State.ESCALATED),
    # 满意/基本满意 → closed, 不满意 → back in progress.
    Act.FEEDBACK: {State.RESOLVED: frozenset({State.CLOSED, State.IN_PROGRESS})},
    Act.CLOSE: _to(State.CLOSED, State.RESOLVED),
    Act.MERGE: _to(
        State.MERGED, State.REPORTED, State.ACCEPTED, State.DISPATCHED, State.IN_PROGRESS
    ),
    Act.SUPPORT: _same(OPEN_STATES),
    Act.NOTE: _same(State.values),
    Act.WARN: _same(OPEN_STATES),
    Act.BREACH: _same(OPEN_STATES),
}

MACHINE = StateMachine(
    "cases", states=State, acts=Act, table=TRANSITIONS, subject=gettext_lazy("案件")
)

# The acts a user may request (the API's ``/actions/{action}``).
USER_ACTS = (
    Act.ACCEPT,
    Act.REJECT,
    Act.DISPATCH,
    Act.START,
    Act.RESOLVE,
    Act.RETURN,
    Act.SUSPEND,
    Act.RESUME,
    Act.SUPERVISE,
    Act.ESCALATE,
    Act.REPORT_IN,
    Act.FEEDBACK,
    Act.CLOSE,
    Act.MERGE,
    Act.SUPPORT,
    Act.NOTE,
)


def allowed_from(act: str, state: str) -> bool:
    return MACHINE.allowed(act, state)


def next_state(act: str, state: str, to: str | None = None) -> str:
    """The state after doing ``act`` in ``state`` (``to``: the pick where the act allows
    several); ``TransitionRefused`` if not allowed, ``UNKNOWN_ACTION`` for an unknown act."""
    return MACHINE.check(act, state, to)
