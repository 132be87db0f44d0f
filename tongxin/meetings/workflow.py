"""The meeting's and the action item's state machines, as data (``core.statemachine``).

A meeting: planned → held (it took place) → minuted (the minutes recorded; recording again
keeps the state) → closed (archived); a planned meeting may be cancelled. An action item:
open → done or cancelled, each with a note; a done item may be reopened by the convener.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy

from tongxin.core.statemachine import StateMachine

from .models import ActionState, MeetingState


class MeetingAct(models.TextChoices):
    HOLD = "hold", gettext_lazy("确认召开")
    MINUTE = "minute", gettext_lazy("记录纪要")
    CLOSE = "close", gettext_lazy("归档")
    CANCEL = "cancel", gettext_lazy("取消会议")


M = MeetingState
MEETING_MACHINE = StateMachine(
    "meetings.meeting",
    states=MeetingState,
    acts=MeetingAct,
    subject=gettext_lazy("会议"),
    field="state",
    table={
        MeetingAct.HOLD: {M.PLANNED: frozenset({M.HELD})},
        MeetingAct.MINUTE: {M.HELD: frozenset({M.MINUTED}), M.MINUTED: frozenset({M.MINUTED})},
        MeetingAct.CLOSE: {M.MINUTED: frozenset({M.CLOSED})},
        MeetingAct.CANCEL: {M.PLANNED: frozenset({M.CANCELLED})},
    },
)


class ActionAct(models.TextChoices):
    COMPLETE = "complete", gettext_lazy("办结")
    CANCEL = "cancel", gettext_lazy("撤销")
    REOPEN = "reopen", gettext_lazy("重新打开")


A = ActionState
ACTION_MACHINE = StateMachine(
    "meetings.action_item",
    states=ActionState,
    acts=ActionAct,
    subject=gettext_lazy("决议事项"),
    field="state",
    table={
        ActionAct.COMPLETE: {A.OPEN: frozenset({A.DONE})},
        ActionAct.CANCEL: {A.OPEN: frozenset({A.CANCELLED})},
        ActionAct.REOPEN: {A.DONE: frozenset({A.OPEN})},
    },
)
