"""The default rule sets of the party scorecards (data for ``core.scoring``), the publication
window and the appraisal's cap. A ``CardFormula`` row replaces a kind's default.

评星定级: (base items − deductions) × 70% + appraisal × 30%; ≥ 90 five stars, ≥ 80 four,
≥ 70 three, ≥ 60 two, below 60 one; five-star branches at most 30%. The grades are the
number of stars (``"5"`` … ``"1"``): data, not text to translate.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

PUBLICATION_DAYS = 5  # 公示 5 天
EXCELLENT_SHARE = Decimal(1) / Decimal(3)  # 优秀 at most a third of those graded

STAR_BANDS: list[dict[str, Any]] = [
    {"grade": "5", "min": "90"},
    {"grade": "4", "min": "80"},
    {"grade": "3", "min": "70"},
    {"grade": "2", "min": "60"},
    {"grade": "1"},
]

# i18n-data: the labels below are the formula's data (stored, edited as data).
BRANCH_FORMULA: dict[str, Any] = {  # i18n-data
    "parts": [
        {
            "code": "base",
            "label": "基本项",
            "weight": "0.7",
            "base": "70",
            "cap": "100",
            "rules": [
                {
                    "code": "life_held",
                    "label": "组织生活",
                    "kind": "per_fact",
                    "fact": "life_held",
                    "points": "1",
                    "cap": "20",
                },
                {
                    "code": "study",
                    "label": "微学习完成率",
                    "kind": "ratio",
                    "fact": "study_done",
                    "of": "study_due",
                    "points": "10",
                },
                {
                    "code": "life_missed",
                    "label": "组织生活缺期",
                    "kind": "per_fact",
                    "fact": "life_missed",
                    "points": "-5",
                },
                {
                    "code": "review_returned",
                    "label": "记录被退回",
                    "kind": "per_fact",
                    "fact": "review_returned",
                    "points": "-2",
                },
            ],
        },
        {
            "code": "appraisal",
            "label": "评议",
            "weight": "0.3",
            "rules": [
                {
                    "code": "members_qualified",
                    "label": "党员评议合格率",
                    "kind": "ratio",
                    "fact": "member_qualified",
                    "of": "member_graded",
                    "points": "100",
                }
            ],
        },
    ],
    "bands": STAR_BANDS,
    "grade_caps": [{"grade": "5", "max_share": "0.3"}],
}

MEMBER_FORMULA: dict[str, Any] = {  # i18n-data
    "parts": [
        {
            "code": "base",
            "label": "基本项",
            "weight": "0.7",
            "base": "60",
            "cap": "100",
            "rules": [
                {
                    "code": "life_attended",
                    "label": "参加组织生活",
                    "kind": "per_fact",
                    "fact": "life_attended",
                    "points": "1",
                    "cap": "24",
                },
                {
                    "code": "study_done",
                    "label": "微学习",
                    "kind": "per_fact",
                    "fact": "study_done",
                    "points": "1",
                    "cap": "10",
                },
                {
                    "code": "volunteer_hours",
                    "label": "志愿服务时长",
                    "kind": "per_fact",
                    "fact": "volunteer_hours",
                    "measure": "amount",
                    "points": "1",
                    "cap": "10",
                },
                {
                    "code": "pledge_delivered",
                    "label": "践诺",
                    "kind": "per_fact",
                    "fact": "pledge_delivered",
                    "points": "2",
                    "cap": "6",
                },
                {
                    "code": "centre_household",
                    "label": "党员中心户",
                    "kind": "per_fact",
                    "fact": "centre_household",
                    "points": "4",
                    "cap": "4",
                },
                {
                    "code": "life_unexcused",
                    "label": "无故缺席组织生活",
                    "kind": "per_fact",
                    "fact": "life_unexcused",
                    "points": "-5",
                },
                {
                    "code": "pledge_unmet",
                    "label": "承诺未兑现",
                    "kind": "per_fact",
                    "fact": "pledge_unmet",
                    "points": "-3",
                },
            ],
        },
        {
            "code": "appraisal",
            "label": "民主评议",
            "weight": "0.3",
            "rules": [
                {
                    "code": "appraisal_grade",
                    "label": "评议等次",
                    "kind": "per_fact",
                    "fact": "appraisal_points",
                    "measure": "amount",
                    "points": "1",
                }
            ],
        },
    ],
    "bands": STAR_BANDS,
}

# The appraisal part's points for each grade the branch gave (民主评议 → 30%).
APPRAISAL_POINTS = {"excellent": 100, "qualified": 85, "basic": 65, "unqualified": 40}

# 评先评优: the publicity window of an approved nomination list (公示不少于 5 个工作日) and
# the deductions of a card that bar its subject from nomination (rule codes of the card's
# formula: a member absent without excuse or who broke a pledge, a branch with a missing
# period of its cadence or a record returned by its superior). A member graded below 合格
# in the year's 民主评议 is barred as well.
NOMINATION_PUBLICITY_DAYS = 5
NOMINATION_PUBLICITY_WORKING = True
NOMINATION_BARS: dict[str, tuple[str, ...]] = {
    "member": ("life_unexcused", "pledge_unmet"),
    "branch": ("life_missed", "review_returned"),
}
