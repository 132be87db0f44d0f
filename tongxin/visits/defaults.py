"""The seeded cadence rules (a data migration writes them; the admin edits them).

百步亭's 五必访: 困难家庭 (党小组长 monthly, 支部书记 quarterly, 党委 yearly), 住院病人 (visited
in hospital), 下岗失业人员 (党小组长 daily contact, 支部书记 monthly, 党委 at year end), 刑释人员
(met on release day, a named contact, every half year), 孤寡老人 (weekly at home, 慰问 every
half year); 三必到 (突发事件, 不满情绪, 家庭纠纷: someone attends within hours); the provincial
risk tiers (high: weekly and within 24 h of a major change; key: monthly; general: quarterly);
and the 100 % monthly visit of specially vulnerable elderly.
"""

from __future__ import annotations

from typing import Any

HOME = ["home"]
ANY_CONTACT = ["home", "phone", "video"]
HOME_OR_HOSPITAL = ["home", "hospital"]

# code, name, care_kind, risk_tier, role, interval, grace_days, methods, triggers,
# trigger_hours, any_visitor
SEED_RULES: list[dict[str, Any]] = [
    # 困难家庭必访 (低保, 特困)
    *(
        {
            "code": f"{kind}-{suffix}",
            "name": f"{label}：{who}",  # i18n-data: stored rule names
            "care_kind": kind,
            "role": role,
            "interval": interval,
            "grace_days": grace,
            "methods": HOME,
            "any_visitor": anyone,
        }
        for kind, label in (
            ("low_income", "困难家庭(低保)"),  # i18n-data
            ("extreme_poverty", "困难家庭(特困)"),  # i18n-data
        )
        for suffix, who, role, interval, grace, anyone in (
            ("group", "党小组长每月看望", "group_leader", "monthly", 5, True),  # i18n-data
            ("branch", "支部书记每季走访", "branch_secretary", "quarterly", 10, False),  # i18n-data
            ("committee", "党委每年慰问", "secretary", "yearly", 15, False),  # i18n-data
        )
    ),
    {
        "code": "hospital",
        "name": "住院病人：住院期间到医院看望",  # i18n-data
        "care_kind": "serious_illness",
        "role": "branch_secretary",
        "interval": "on_trigger",
        "grace_days": 3,
        "methods": ["hospital"],
        "triggers": ["hospital"],
        "trigger_hours": 72,
        "any_visitor": True,
    },
    {
        "code": "unemployed-group",
        "name": "下岗失业：党小组长日常联系",  # i18n-data
        "care_kind": "unemployed",
        "role": "group_leader",
        "interval": "weekly",
        "grace_days": 2,
        "methods": ANY_CONTACT,
    },
    {
        "code": "unemployed-branch",
        "name": "下岗失业：支部书记每月走访",  # i18n-data
        "care_kind": "unemployed",
        "role": "branch_secretary",
        "interval": "monthly",
        "grace_days": 5,
        "methods": HOME,
        "any_visitor": False,
    },
    {
        "code": "unemployed-committee",
        "name": "下岗失业：党委年底集中研究",  # i18n-data
        "care_kind": "unemployed",
        "role": "secretary",
        "interval": "yearly",
        "grace_days": 15,
        "methods": ANY_CONTACT,
        "any_visitor": False,
    },
    {
        "code": "released-day",
        "name": "刑释人员：释放当日陪同家属接回",  # i18n-data
        "care_kind": "released_prisoner",
        "role": "grid_worker",
        "interval": "on_trigger",
        "grace_days": 1,
        "methods": HOME,
        "triggers": ["release", "new_tag"],
        "trigger_hours": 12,
    },
    {
        "code": "released-half",
        "name": "刑释人员：专人联系，每半年走访",  # i18n-data
        "care_kind": "released_prisoner",
        "role": "grid_worker",
        "interval": "half_yearly",
        "grace_days": 15,
        "methods": HOME,
    },
    {
        "code": "widowed-weekly",
        "name": "孤寡老人：每周上门走访",  # i18n-data
        "care_kind": "widowed_alone",
        "role": "building_head",
        "interval": "weekly",
        "grace_days": 1,
        "methods": HOME,
    },
    {
        "code": "widowed-half",
        "name": "孤寡老人：每半年上门慰问",  # i18n-data
        "care_kind": "widowed_alone",
        "role": "secretary",
        "interval": "half_yearly",
        "grace_days": 15,
        "methods": HOME,
        "any_visitor": False,
    },
    *(
        {
            "code": f"elderly-{kind}",
            "name": f"{label}：网格员每月走访",  # i18n-data
            "care_kind": kind,
            "role": "grid_worker",
            "interval": "monthly",
            "grace_days": 3,
            "methods": HOME,
        }
        for kind, label in (
            ("living_alone", "独居老人"),  # i18n-data
            ("empty_nest", "空巢老人"),  # i18n-data
            ("advanced_age", "高龄老人"),  # i18n-data
            ("disabled", "残疾人"),  # i18n-data
        )
    ),
    {
        "code": "new-tag",
        "name": "新增关爱对象：三日内首访",  # i18n-data
        "care_kind": "",
        "role": "grid_worker",
        "interval": "on_trigger",
        "grace_days": 2,
        "methods": HOME,
        "triggers": ["new_tag"],
        "trigger_hours": 72,
    },
    {
        "code": "must-attend",
        "name": "三必到：突发事件、不满情绪、家庭纠纷必到",  # i18n-data
        "care_kind": "",
        "role": "grid_worker",
        "interval": "on_trigger",
        "grace_days": 1,
        "methods": HOME,
        "triggers": ["must_attend"],
        "trigger_hours": 4,
    },
    {
        "code": "tier-high",
        "name": "高风险：每周走访",  # i18n-data
        "risk_tier": "high",
        "role": "grid_worker",
        "interval": "weekly",
        "grace_days": 1,
        "methods": HOME,
    },
    {
        "code": "tier-high-change",
        "name": "高风险：重大变故24小时内走访",  # i18n-data
        "risk_tier": "high",
        "role": "grid_worker",
        "interval": "on_trigger",
        "grace_days": 1,
        "methods": HOME,
        "triggers": ["major_change", "hospital"],
        "trigger_hours": 24,
    },
    {
        "code": "tier-key",
        "name": "重点：每月走访",  # i18n-data
        "risk_tier": "key",
        "role": "grid_worker",
        "interval": "monthly",
        "grace_days": 3,
        "methods": ANY_CONTACT,
    },
    {
        "code": "tier-general",
        "name": "一般：每季度走访",  # i18n-data
        "risk_tier": "general",
        "role": "grid_worker",
        "interval": "quarterly",
        "grace_days": 7,
        "methods": ANY_CONTACT,
    },
]
