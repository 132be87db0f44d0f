"""The defaults of red property (红色物业): the monthly evaluation formula, the credit formula
and its grade bands, the panel's rotation rule and the windows. Stored as data in
``Scheme`` (edited in the admin); these are what a new deployment starts with."""

from __future__ import annotations

from typing import Any

# The month's score of a company at an estate: the panel's checklist (each item's points over
# its maximum, summed over every panelist) weighs 60%, the residents' repair ratings of the
# month's closed property cases 20% (full marks when nobody rated a repair that month), the
# sampled households' satisfaction survey 20% (非常满意 100, 满意 75, 基本满意 50, 不满意 25,
# 非常不满意 0, averaged over the answers; full marks when no sampled household answered, as
# for the ratings, so a month without a survey is not a bad month). The weights are data
# (``Scheme.monthly_formula``); migration 0004 moved a stored scheme from 80/20 to 60/20/20.
MONTHLY_FORMULA: dict[str, Any] = {
    "parts": [
        {
            "code": "inspection",
            "label": "居民代表检查",  # i18n-data
            "weight": "0.6",
            "cap": "100",
            "rules": [
                {
                    "code": "checklist",
                    "label": "检查项目得分率",  # i18n-data
                    "kind": "ratio",
                    "fact": "item_points",
                    "of": "item_max",
                    "points": "100",
                }
            ],
        },
        {
            "code": "repairs",
            "label": "报修评价",  # i18n-data
            "weight": "0.2",
            "cap": "100",
            "rules": [
                {
                    "code": "ratings",
                    "label": "报修评价得分率",  # i18n-data
                    "kind": "ratio",
                    "fact": "rating_points",
                    "of": "rating_max",
                    "points": "100",
                },
                {
                    "code": "no_ratings",
                    "label": "本月无报修评价，按满分计",  # i18n-data
                    "kind": "bonus_if",
                    "points": "100",
                    "all": [{"fact": "rating_max", "op": "==", "value": 0}],
                },
            ],
        },
        {
            "code": "survey",
            "label": "居民满意度调查",  # i18n-data
            "weight": "0.2",
            "cap": "100",
            "rules": [
                {
                    "code": "satisfaction",
                    "label": "满意度得分率",  # i18n-data
                    "kind": "ratio",
                    "fact": "survey_points",
                    "of": "survey_max",
                    "points": "100",
                },
                {
                    "code": "no_answers",
                    "label": "本月无抽样答卷，按满分计",  # i18n-data
                    "kind": "bonus_if",
                    "points": "100",
                    "all": [{"fact": "survey_max", "op": "==", "value": 0}],
                },
            ],
        },
    ],
    "bands": [
        {"grade": "优秀", "min": "90"},  # i18n-data
        {"grade": "良好", "min": "80"},  # i18n-data
        {"grade": "合格", "min": "60"},  # i18n-data
        {"grade": "不合格"},  # i18n-data
    ],
}

# Credit: a base of 80, good records up to 40 more, bad records without limit, never below 0.
# AAA ≥ 85, AA 80–85, A 70–80, B 60–70, C < 60; a blacklisting record overrides the grade.
CREDIT_FORMULA: dict[str, Any] = {
    "parts": [
        {"code": "base", "label": "基础分", "base": "80", "cap": "80", "rules": []},  # i18n-data
        {
            "code": "good",
            "label": "良好记录",  # i18n-data
            "cap": "40",
            "rules": [
                {
                    "code": "good_records",
                    "label": "良好记录",  # i18n-data
                    "kind": "per_fact",
                    "fact": "good",
                    "measure": "amount",
                    "points": "1",
                }
            ],
        },
    ],
    "adjustments": [
        {
            "code": "bad",
            "label": "不良记录",  # i18n-data
            "kind": "per_fact",
            "fact": "bad",
            "measure": "amount",
            "points": "-1",
        }
    ],
    "bands": [
        {"grade": "AAA", "min": "85"},
        {"grade": "AA", "min": "80"},
        {"grade": "A", "min": "70"},
        {"grade": "B", "min": "60"},
        {"grade": "C"},
    ],
    "floor": "0",
}
BLACKLIST_GRADE = "黑名单"  # i18n-data: the grade a blacklisting record gives

PANEL_TERM_MONTHS = 3  # a panel serves one quarter…
PANEL_MIN, PANEL_MAX = 3, 9  # …with this many residents' representatives
RESPONSE_DAYS = 7  # the company's window to answer a credit record before it posts
OBJECTION_DAYS = 7  # a published monthly score may be objected to this long
LOW_ITEM_SHARE = "0.6"  # an item scored below 60% of its maximum raises a rectification
RECTIFY_DAYS = 15  # the rectification's default deadline
SURVEY_SAMPLE_SIZE = 20  # households drawn per estate and month (``Scheme.survey_size``)
