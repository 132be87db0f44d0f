"""The alarm's state machine (``core.statemachine``): a press opens an alarm; someone
acknowledges it (paging stops for everyone), sets off, arrives at the dwelling and records the
outcome. A device cancel within the window closes it as cancelled; an arrival deadline that
lapses puts it back to open (paging starts again)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy

from tongxin.core.statemachine import StateMachine

from .models import AlarmState as S


class AlarmAct(models.TextChoices):
    ACK = "ack", gettext_lazy("响应")
    DEPART = "depart", gettext_lazy("出发")
    ARRIVE = "arrive", gettext_lazy("到场")
    RESOLVE = "resolve", gettext_lazy("处置完毕")
    CANCEL = "cancel", gettext_lazy("取消")
    LAPSE = "lapse", gettext_lazy("到场超时")


_ON_DUTY = frozenset({S.ACKNOWLEDGED, S.ON_THE_WAY})

ALARM_MACHINE = StateMachine(
    "alarm",
    states=S,
    acts=AlarmAct,
    subject=gettext_lazy("报警"),
    field="state",
    table={
        AlarmAct.ACK: {S.OPEN: frozenset({S.ACKNOWLEDGED})},
        AlarmAct.DEPART: {S.ACKNOWLEDGED: frozenset({S.ON_THE_WAY})},
        AlarmAct.ARRIVE: {s: frozenset({S.ARRIVED}) for s in _ON_DUTY},
        # A false press may be settled by phone before anyone arrives; anything else is
        # settled at the dwelling.
        AlarmAct.RESOLVE: {
            S.ACKNOWLEDGED: frozenset({S.FALSE_ALARM}),
            S.ON_THE_WAY: frozenset({S.FALSE_ALARM}),
            S.ARRIVED: frozenset({S.RESOLVED, S.FALSE_ALARM}),
        },
        AlarmAct.CANCEL: {S.OPEN: frozenset({S.CANCELLED})},
        AlarmAct.LAPSE: {s: frozenset({S.OPEN}) for s in _ON_DUTY},
    },
)

# The acts a responder does from a page or the API (the others are the device's and the clock's).
RESPONDER_ACTS = (AlarmAct.ACK, AlarmAct.DEPART, AlarmAct.ARRIVE, AlarmAct.RESOLVE)
