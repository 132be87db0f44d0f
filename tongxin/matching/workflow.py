"""Service matching's state machines, as data (``core.statemachine``): a need from posted to
closed, and a wish from collected to fulfilled. The services move ``state`` through these, and
only these.

A need: posted → verified (by phone or a visit) → listed (published for claiming) → claimed
(by a claimer, or dispatched to one) → in progress → done → rated → closed (销号). Withdrawn
before the work starts. A claim not started by its contact-by date is released back to the
list (``release``, the sweep); a listing whose round ended expires, and publishing it again
carries it into the next round with priority. A need taken into a project is ``in_project``
(off the list) until the project closes (the need closes with it) or is cancelled (back to
verified).

A project (项目清单): proposed → approved → running → closed (结项), or cancelled before it
closes; adding needs and milestones, completing milestones, raising and spending money are
acts of the same machine that keep the state, allowed only in the states their rows list.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy

from tongxin.core.statemachine import StateMachine

from .models import NeedState, ProjectState, WishState


class NeedAct(models.TextChoices):
    VERIFY = "verify", gettext_lazy("核实")
    PUBLISH = "publish", gettext_lazy("发布")
    DISPATCH = "dispatch", gettext_lazy("派单")
    CLAIM = "claim", gettext_lazy("接单")
    START = "start", gettext_lazy("开始服务")
    COMPLETE = "complete", gettext_lazy("完成服务")
    RATE = "rate", gettext_lazy("评价")
    CLOSE = "close", gettext_lazy("销号")
    WITHDRAW = "withdraw", gettext_lazy("撤回")
    RELEASE = "release", gettext_lazy("退回待认领")
    EXPIRE = "expire", gettext_lazy("到期")
    # A project's (``services.projects``), not the API's: taken into a project, closed off
    # with it, or back to the community when the project is cancelled.
    ADOPT = "adopt", gettext_lazy("纳入项目")
    SETTLE = "settle", gettext_lazy("随项目销号")
    UNADOPT = "unadopt", gettext_lazy("退回需求清单")


S = NeedState
NEED_MACHINE = StateMachine(
    "matching.need",
    states=NeedState,
    acts=NeedAct,
    subject=gettext_lazy("需求"),
    field="state",
    table={
        NeedAct.VERIFY: {S.POSTED: frozenset({S.VERIFIED})},
        # From expired: the next round, with priority.
        NeedAct.PUBLISH: {S.VERIFIED: frozenset({S.LISTED}), S.EXPIRED: frozenset({S.LISTED})},
        NeedAct.DISPATCH: {
            S.VERIFIED: frozenset({S.CLAIMED}),
            S.LISTED: frozenset({S.CLAIMED}),
            S.EXPIRED: frozenset({S.CLAIMED}),
        },
        NeedAct.CLAIM: {S.LISTED: frozenset({S.CLAIMED})},
        NeedAct.START: {S.CLAIMED: frozenset({S.IN_PROGRESS})},
        NeedAct.COMPLETE: {S.IN_PROGRESS: frozenset({S.DONE})},
        NeedAct.RATE: {S.DONE: frozenset({S.RATED})},
        NeedAct.CLOSE: {S.DONE: frozenset({S.CLOSED}), S.RATED: frozenset({S.CLOSED})},
        NeedAct.WITHDRAW: {
            S.POSTED: frozenset({S.WITHDRAWN}),
            S.VERIFIED: frozenset({S.WITHDRAWN}),
            S.LISTED: frozenset({S.WITHDRAWN}),
            S.CLAIMED: frozenset({S.WITHDRAWN}),
            S.EXPIRED: frozenset({S.WITHDRAWN}),
        },
        NeedAct.RELEASE: {S.CLAIMED: frozenset({S.LISTED})},
        NeedAct.EXPIRE: {S.LISTED: frozenset({S.EXPIRED})},
        NeedAct.ADOPT: {
            S.VERIFIED: frozenset({S.IN_PROJECT}),
            S.LISTED: frozenset({S.IN_PROJECT}),
            S.EXPIRED: frozenset({S.IN_PROJECT}),
        },
        NeedAct.SETTLE: {S.IN_PROJECT: frozenset({S.CLOSED})},
        NeedAct.UNADOPT: {S.IN_PROJECT: frozenset({S.VERIFIED})},
    },
)

# The acts a caller may ask for through the API and the pages; release and expire are the
# sweep's.
PUBLIC_ACTS = (
    NeedAct.VERIFY,
    NeedAct.PUBLISH,
    NeedAct.DISPATCH,
    NeedAct.CLAIM,
    NeedAct.START,
    NeedAct.COMPLETE,
    NeedAct.RATE,
    NeedAct.CLOSE,
    NeedAct.WITHDRAW,
)


class WishAct(models.TextChoices):
    PUBLISH = "publish", gettext_lazy("核实并发布")
    CLAIM = "claim", gettext_lazy("认领")
    RELEASE = "release", gettext_lazy("退回待认领")
    FULFIL = "fulfil", gettext_lazy("圆梦签收")
    WITHDRAW = "withdraw", gettext_lazy("撤回")


W = WishState
WISH_MACHINE = StateMachine(
    "matching.wish",
    states=WishState,
    acts=WishAct,
    subject=gettext_lazy("心愿"),
    field="state",
    table={
        WishAct.PUBLISH: {W.COLLECTED: frozenset({W.PUBLISHED})},
        WishAct.CLAIM: {W.PUBLISHED: frozenset({W.CLAIMED})},
        WishAct.RELEASE: {W.CLAIMED: frozenset({W.PUBLISHED})},
        WishAct.FULFIL: {W.CLAIMED: frozenset({W.FULFILLED})},
        WishAct.WITHDRAW: {
            W.COLLECTED: frozenset({W.WITHDRAWN}),
            W.PUBLISHED: frozenset({W.WITHDRAWN}),
        },
    },
)


class ProjectAct(models.TextChoices):
    APPROVE = "approve", gettext_lazy("批准")
    START = "start", gettext_lazy("启动实施")
    CLOSE = "close", gettext_lazy("结项")
    CANCEL = "cancel", gettext_lazy("撤销")
    # Acts that keep the state: allowed only in the states listed.
    ADD_NEED = "add_need", gettext_lazy("纳入需求")
    ADD_MILESTONE = "add_milestone", gettext_lazy("添加节点")
    COMPLETE_MILESTONE = "complete_milestone", gettext_lazy("完成节点")
    RAISE = "raise", gettext_lazy("登记筹资")
    SPEND = "spend", gettext_lazy("登记支出")


P = ProjectState
_OPEN = (P.PROPOSED, P.APPROVED, P.RUNNING)
PROJECT_MACHINE = StateMachine(
    "matching.project",
    states=ProjectState,
    acts=ProjectAct,
    subject=gettext_lazy("项目"),
    field="state",
    table={
        ProjectAct.APPROVE: {P.PROPOSED: frozenset({P.APPROVED})},
        ProjectAct.START: {P.APPROVED: frozenset({P.RUNNING})},
        ProjectAct.CLOSE: {P.RUNNING: frozenset({P.CLOSED})},
        ProjectAct.CANCEL: {s: frozenset({P.CANCELLED}) for s in _OPEN},
        ProjectAct.ADD_NEED: {s: frozenset({s}) for s in _OPEN},
        ProjectAct.ADD_MILESTONE: {s: frozenset({s}) for s in _OPEN},
        ProjectAct.COMPLETE_MILESTONE: {s: frozenset({s}) for s in (P.APPROVED, P.RUNNING)},
        # Money comes in once the project is approved; it goes out while the work runs.
        ProjectAct.RAISE: {s: frozenset({s}) for s in (P.APPROVED, P.RUNNING)},
        ProjectAct.SPEND: {P.RUNNING: frozenset({P.RUNNING})},
    },
)

# The acts of ``POST /projects/{id}/actions/{act}`` (the others have their own routes).
PROJECT_STATE_ACTS = (ProjectAct.APPROVE, ProjectAct.START, ProjectAct.CLOSE, ProjectAct.CANCEL)
