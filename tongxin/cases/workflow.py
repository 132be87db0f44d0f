"""The case state machine, as data.

States and acts are enums; ``TRANSITIONS`` says, for each act, from which states it may be
done and which state it leads to (``SAME``: the state does not change, e.g. 督办 or a "me too").
``next_state`` is the only place that reads the table: an act that the table does not allow
from the current state is refused with ``TRANSITION_NOT_ALLOWED`` (HTTP 409).
"""

from __future__ import annotations

from django.db import models

from tongxin.core.errors import DomainError


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


SAME = "="

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

# act → {from state: to state}
TRANSITIONS: dict[str, dict[str, str]] = {
    Act.ACCEPT: {State.REPORTED: State.ACCEPTED},
    Act.REJECT: {State.REPORTED: State.REJECTED},
    # From REPORTED a dispatch re-routes (the new assignee must accept); otherwise it hands
    # the work to someone else.
    Act.DISPATCH: {
        State.REPORTED: SAME,
        State.ACCEPTED: State.DISPATCHED,
        State.DISPATCHED: State.DISPATCHED,
        State.IN_PROGRESS: State.DISPATCHED,
    },
    Act.START: {State.ACCEPTED: State.IN_PROGRESS, State.DISPATCHED: State.IN_PROGRESS},
    Act.RESOLVE: {State.IN_PROGRESS: State.RESOLVED, State.ESCALATED: State.RESOLVED},
    # 退回: the routed receiver says "not mine" (back to the dispatcher), or the dispatched
    # handler gives it back to the owner.
    Act.RETURN: {
        State.REPORTED: SAME,
        State.DISPATCHED: State.ACCEPTED,
        State.IN_PROGRESS: State.ACCEPTED,
    },
    Act.SUSPEND: {
        State.ACCEPTED: State.SUSPENDED,
        State.DISPATCHED: State.SUSPENDED,
        State.IN_PROGRESS: State.SUSPENDED,
    },
    Act.RESUME: {State.SUSPENDED: SAME},  # back to the state it was suspended from
    Act.SUPERVISE: {s: SAME for s in OPEN_STATES},
    Act.ESCALATE: {
        State.ACCEPTED: State.ESCALATED,
        State.DISPATCHED: State.ESCALATED,
        State.IN_PROGRESS: State.ESCALATED,
        State.ESCALATED: State.ESCALATED,  # call one more department
    },
    Act.REPORT_IN: {State.ESCALATED: SAME},
    Act.PARTS_DONE: {State.ESCALATED: State.RESOLVED},
    Act.FEEDBACK: {State.RESOLVED: SAME},  # 满意/基本满意 → closed, 不满意 → in progress
    Act.CLOSE: {State.RESOLVED: State.CLOSED},
    Act.MERGE: {
        State.REPORTED: State.MERGED,
        State.ACCEPTED: State.MERGED,
        State.DISPATCHED: State.MERGED,
        State.IN_PROGRESS: State.MERGED,
    },
    Act.SUPPORT: {s: SAME for s in OPEN_STATES},
    Act.NOTE: {s: SAME for s in State.values},
    Act.WARN: {s: SAME for s in OPEN_STATES},
    Act.BREACH: {s: SAME for s in OPEN_STATES},
}

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


class TransitionRefused(DomainError):
    """The act is not allowed from the case's current state."""

    code = "TRANSITION_NOT_ALLOWED"
    status = 409


def allowed_from(act: str, state: str) -> bool:
    return state in TRANSITIONS.get(act, {})


def next_state(act: str, state: str) -> str:
    """The state after doing ``act`` in ``state``; ``TransitionRefused`` if not allowed."""
    table = TRANSITIONS.get(act)
    if table is None:
        raise DomainError(f"未知的操作：{act}", code="UNKNOWN_ACTION")
    if state not in table:
        raise TransitionRefused(
            f"案件当前状态为“{State(state).label}”，不能执行“{Act(act).label}”",
            context={"state": state, "action": act},
        )
    target = table[state]
    return state if target == SAME else target
