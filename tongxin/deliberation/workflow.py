"""The six steps (六步议事) as a state machine (``core.statemachine``).

1 提议题 (proposed) → 2 恳谈会 (consultation) → 3 拟方案 (drafting) → 4 张榜公示 (notice) →
5 专家审查 (review) → 6 表决 (voting) → 实施 (implementing) → 民评 (evaluation) → 办结
(closed); a vote that fails ends in ``rejected``. Acts that keep the state record the step's
work (a draft version, a comment and its answer, an expert opinion, a 民评). ``skip`` passes over
the next step with a recorded reason, only where the configuration lets that step be skipped
(``SKIPPABLE``, ``TONGXIN_DELIBERATION_SKIPPABLE``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy

from tongxin.core.statemachine import StateMachine

from .models import TopicState


class TopicAct(models.TextChoices):
    CONVENE = "convene", gettext_lazy("召开恳谈会")
    DRAFT = "draft", gettext_lazy("拟定方案")
    PUBLISH = "publish", gettext_lazy("张榜公示")
    COMMENT = "comment", gettext_lazy("发表意见")
    ANSWER = "answer", gettext_lazy("答复意见")
    SEND_REVIEW = "send_review", gettext_lazy("提交专家审查")
    REVIEW = "review", gettext_lazy("填写审查意见")
    PUT_TO_VOTE = "put_to_vote", gettext_lazy("提交表决")
    DECIDE = "decide", gettext_lazy("确认表决结果")
    ACTION = "action", gettext_lazy("登记实施事项")
    COMPLETE = "complete", gettext_lazy("实施完成")
    EVALUATE = "evaluate", gettext_lazy("民主评议")
    CLOSE = "close", gettext_lazy("办结")
    SKIP = "skip", gettext_lazy("跳过本步")
    SUPPORT = "support", gettext_lazy("附议")
    WITHDRAW = "withdraw", gettext_lazy("撤回")
    MERGE = "merge", gettext_lazy("并入相同议题")


S = TopicState
STEP_ORDER = [
    S.PROPOSED,
    S.CONSULTATION,
    S.DRAFTING,
    S.NOTICE,
    S.REVIEW,
    S.VOTING,
    S.IMPLEMENTING,
    S.EVALUATION,
    S.CLOSED,
]
# The steps a topic may skip (with a reason) by default: the 恳谈会 (a small matter) and the
# expert review (nothing technical). Publication and the vote are never skipped by default.
SKIPPABLE = frozenset({S.CONSULTATION, S.REVIEW})


def next_step(state: str) -> str:
    """The step after ``state`` (the one ``skip`` passes over)."""
    return str(STEP_ORDER[STEP_ORDER.index(S(state)) + 1])


def _same(*states: str) -> dict[str, frozenset[str]]:
    return {s: frozenset({s}) for s in states}


_LIVE = (S.PROPOSED, S.CONSULTATION, S.DRAFTING, S.NOTICE, S.REVIEW)

TOPIC_MACHINE = StateMachine(
    "deliberation.topic",
    states=TopicState,
    acts=TopicAct,
    subject=gettext_lazy("议题"),
    field="state",
    table={
        TopicAct.CONVENE: {S.PROPOSED: frozenset({S.CONSULTATION})},
        # The first draft moves to 拟方案; later versions stay there.
        TopicAct.DRAFT: {
            S.CONSULTATION: frozenset({S.DRAFTING}),
            S.DRAFTING: frozenset({S.DRAFTING}),
            S.NOTICE: frozenset({S.DRAFTING}),  # revised after comments
            S.REVIEW: frozenset({S.DRAFTING}),  # revised for the experts' required changes
        },
        TopicAct.PUBLISH: {S.DRAFTING: frozenset({S.NOTICE})},
        TopicAct.COMMENT: _same(S.NOTICE),
        TopicAct.ANSWER: _same(S.NOTICE),
        TopicAct.SEND_REVIEW: {S.NOTICE: frozenset({S.REVIEW})},
        TopicAct.REVIEW: _same(S.REVIEW),
        TopicAct.PUT_TO_VOTE: {S.REVIEW: frozenset({S.VOTING})},
        TopicAct.DECIDE: {S.VOTING: frozenset({S.IMPLEMENTING, S.REJECTED})},
        TopicAct.ACTION: _same(S.IMPLEMENTING),
        TopicAct.COMPLETE: {S.IMPLEMENTING: frozenset({S.EVALUATION})},
        TopicAct.EVALUATE: _same(S.EVALUATION),
        TopicAct.CLOSE: {S.EVALUATION: frozenset({S.CLOSED})},
        # Skip the *next* step (the one named in brackets), going on to the one after it.
        TopicAct.SKIP: {
            S.PROPOSED: frozenset({S.DRAFTING}),  # [恳谈会]
            S.DRAFTING: frozenset({S.REVIEW}),  # [张榜公示]
            S.NOTICE: frozenset({S.VOTING}),  # [专家审查]
            S.REVIEW: frozenset({S.IMPLEMENTING}),  # [表决]
        },
        TopicAct.SUPPORT: _same(S.PROPOSED, S.CONSULTATION),
        TopicAct.WITHDRAW: {s: frozenset({S.WITHDRAWN}) for s in _LIVE},
        # A duplicate, before its drafting starts, is merged into the topic it repeats.
        TopicAct.MERGE: {s: frozenset({S.WITHDRAWN}) for s in (S.PROPOSED, S.CONSULTATION)},
    },
)
