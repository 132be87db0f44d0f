"""The default unit scoring formula (``core.scoring``): the published rule of the issue.

score = 平时 × 50% + 年度 × 50% + bonus − deductions; −5 per unexcused absence from a joint
meeting; at least 2 co-building activities a quarter, else −5 for that quarter; +2 per adopted
suggestion; +3 for full attendance; 优 ≥ 95, 中 ≥ 60, else 差. 平时 counts what the unit did
through the year (capped at 100); 年度 is how much of its agreement it fulfilled (× 100).

The labels are data (an alliance edits its formula), stored in the source language.
"""

from __future__ import annotations

from typing import Any

DEFAULT_FORMULA: dict[str, Any] = {  # i18n-data
    "parts": [
        {
            "code": "regular",
            "label": "平时",
            "weight": "0.5",
            "cap": "100",
            "rules": [
                {
                    "code": "activity",
                    "label": "开展共建活动",
                    "kind": "per_fact",
                    "fact": "activity_held",
                    "points": "10",
                },
                {
                    "code": "wish",
                    "label": "认领微心愿",
                    "kind": "per_fact",
                    "fact": "wish_claimed",
                    "points": "5",
                },
                {
                    "code": "project",
                    "label": "办结实事项目",
                    "kind": "per_fact",
                    "fact": "project_done",
                    "points": "5",
                },
                {
                    "code": "problem",
                    "label": "参与解决问题",
                    "kind": "per_fact",
                    "fact": "problem_solved",
                    "points": "5",
                },
                {
                    "code": "meeting",
                    "label": "出席联席会议",
                    "kind": "per_fact",
                    "fact": "meeting_present",
                    "points": "5",
                },
            ],
        },
        {
            "code": "annual",
            "label": "年度",
            "weight": "0.5",
            "cap": "100",
            "rules": [
                {
                    "code": "agreement",
                    "label": "共建协议完成率",
                    "kind": "ratio",
                    "fact": "commitment_done",
                    "of": "commitment_target",
                    "points": "100",
                },
            ],
        },
    ],
    "adjustments": [
        {
            "code": "absence",
            "label": "无故缺席联席会议",
            "kind": "per_fact",
            "fact": "meeting_unexcused",
            "points": "-5",
        },
        {
            "code": "quarterly",
            "label": "季度共建活动少于2次",
            "kind": "per_missing_period",
            "fact": "activity_held",
            "min": 2,
            "points": "-5",
        },
        {
            "code": "suggestion",
            "label": "意见建议被采纳",
            "kind": "per_fact",
            "fact": "suggestion_adopted",
            "points": "2",
        },
        {
            "code": "attendance",
            "label": "全勤",
            "kind": "bonus_if",
            "points": "3",
            "all": [
                {"fact": "meeting_invited", "op": ">=", "value": 1},
                {"fact": "meeting_missed", "op": "==", "value": 0},
            ],
        },
    ],
    "bands": [{"grade": "优", "min": "95"}, {"grade": "中", "min": "60"}, {"grade": "差"}],
    "floor": "0",
}

# Days a published scorecard stays open to objections before it may be made final.
PUBLICATION_DAYS = 5

# The default in-service member formula (在职党员双报到): service hours against the alliance's
# yearly target (60), the year's pledges kept (公开承诺践诺, 30), the 报到 at the community of
# residence (10); −2 for each pledge left unmet (its explanation is on record). 优秀 ≥ 90,
# 合格 ≥ 60, 基本合格 ≥ 45, else 不合格 — the grades of 民主评议.
DEFAULT_MEMBER_FORMULA: dict[str, Any] = {  # i18n-data
    "parts": [
        {
            "code": "service",
            "label": "服务时长",
            "weight": "1",
            "cap": "60",
            "rules": [
                {
                    "code": "hours",
                    "label": "年度服务时长完成率",
                    "kind": "ratio",
                    "fact": "hours_served",
                    "of": "hours_target",
                    "points": "60",
                },
            ],
        },
        {
            "code": "pledges",
            "label": "承诺践诺",
            "weight": "1",
            "cap": "30",
            "rules": [
                {
                    "code": "kept",
                    "label": "承诺践诺率",
                    "kind": "ratio",
                    "fact": "pledge_delivered",
                    "of": "pledge_made",
                    "points": "30",
                },
            ],
        },
    ],
    "adjustments": [
        {
            "code": "registered",
            "label": "到居住社区报到",
            "kind": "bonus_if",
            "points": "10",
            "all": [{"fact": "registered", "op": ">=", "value": 1}],
        },
        {
            "code": "unmet",
            "label": "承诺未兑现",
            "kind": "per_fact",
            "fact": "pledge_unmet",
            "points": "-2",
        },
    ],
    "bands": [
        {"grade": "优秀", "min": "90"},
        {"grade": "合格", "min": "60"},
        {"grade": "基本合格", "min": "45"},
        {"grade": "不合格"},
    ],
    "floor": "0",
}
