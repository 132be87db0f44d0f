"""The credit record's and the rectification order's state machines, as data
(``core.statemachine``).

A credit record: pending (the company's response window) → responded (the company answered)
→ posted (it counts) or withdrawn (the answer or a review cleared it); a pending record posts
by itself when its window ends. A rectification order: open → responded (the company says it
is done) → closed by a re-inspection, or back to open when the re-inspection finds it is not.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy

from tongxin.core.statemachine import StateMachine

from .models import CreditState, RectState


class CreditAct(models.TextChoices):
    RESPOND = "respond", gettext_lazy("企业申辩")
    POST = "post", gettext_lazy("记入信用")
    WITHDRAW = "withdraw", gettext_lazy("撤销记录")


C = CreditState
CREDIT_MACHINE = StateMachine(
    "property.credit_event",
    states=CreditState,
    acts=CreditAct,
    subject=gettext_lazy("信用记录"),
    field="state",
    table={
        CreditAct.RESPOND: {C.PENDING: frozenset({C.RESPONDED})},
        CreditAct.POST: {C.PENDING: frozenset({C.POSTED}), C.RESPONDED: frozenset({C.POSTED})},
        CreditAct.WITHDRAW: {
            C.PENDING: frozenset({C.WITHDRAWN}),
            C.RESPONDED: frozenset({C.WITHDRAWN}),
        },
    },
)


class RectAct(models.TextChoices):
    RESPOND = "respond", gettext_lazy("报告整改情况")
    PASS = "pass", gettext_lazy("复查通过")
    FAIL = "fail", gettext_lazy("复查未通过")


R = RectState
RECT_MACHINE = StateMachine(
    "property.rectification",
    states=RectState,
    acts=RectAct,
    subject=gettext_lazy("整改通知"),
    field="state",
    table={
        RectAct.RESPOND: {R.OPEN: frozenset({R.RESPONDED})},
        RectAct.PASS: {R.RESPONDED: frozenset({R.CLOSED})},
        RectAct.FAIL: {R.RESPONDED: frozenset({R.OPEN})},
    },
)
