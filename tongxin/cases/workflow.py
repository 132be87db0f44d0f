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

from tongxin.core.errors import TransitionRefused as TransitionRefused  # the one refusal
from tongxin.core.statemachine import StateMachine


class State(models.TextChoices):
    REPORTED = "reported", "待受理"
    ACCEPTED = "accepted", "已立案"
    DISPATCHED = "dispatched", "已派单"
    IN_PROGRESS = "in_progress", "处置中"
    ESCALATED = "escalated", "吹哨处置中"
    SUSPENDED = "suspended", "已挂起"
    RESOLVED = "resolved", "已办结待回访"
    CLOSED = "closed", "已结案"
    REJECTED = "rejected", "不予受理"
    MERGED = "merged", "已合并"


class Act(models.TextChoices):
    REPORT = "report", "上报"
    ROUTE = "route", "分拨"
    ACCEPT = "accept", "受理立案"
    REJECT = "reject", "不予受理"
    DISPATCH = "dispatch", "派单"
    START = "start", "到场处置"
    RESOLVE = "resolve", "办结"
    RETURN = "return", "退回"
    SUSPEND = "suspend", "挂起"
    RESUME = "resume", "恢复办理"
    SUPERVISE = "supervise", "督办"
    ESCALATE = "escalate", "吹哨"
    REPORT_IN = "report_in", "部门报到"
    FEEDBACK = "feedback", "回访评价"
    CLOSE = "close", "结案"
    MERGE = "merge", "合并"
    SUPPORT = "support", "我也遇到"
    NOTE = "note", "备注"
    # Acts of the system itself (never requested by a user).
    WARN = "warn", "时限预警"
    BREACH = "breach", "超时升级"
    PARTS_DONE = "parts_done", "部门处置完毕"


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

MACHINE = StateMachine("cases", states=State, acts=Act, table=TRANSITIONS, subject="案件")

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
