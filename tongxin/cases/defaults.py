"""The default category tree and deadlines, loaded by a data migration and editable in the
admin afterwards. Minutes; ``W`` marks working-time clocks (working days, office hours)."""

from __future__ import annotations

from typing import Any

DAY = 8 * 60  # a working day of office hours
HOUR = 60

# code, name, level, department kind, duty, must_attend, children
# Children inherit the parent's level unless they say otherwise.
CATEGORY_TREE: list[dict[str, Any]] = [
    {
        "code": "env",
        "name": "环境卫生",
        "level": "grid",
        "duty": "sanitation",
        "children": [
            {"code": "env.garbage", "name": "垃圾清运", "keywords": "垃圾 清运 堆放"},
            {"code": "env.litter", "name": "楼道杂物", "keywords": "楼道 杂物 堆物"},
            {"code": "env.pests", "name": "病媒消杀", "keywords": "老鼠 蟑螂 蚊虫"},
        ],
    },
    {
        "code": "municipal",
        "name": "市政设施",
        "level": "grid",
        "children": [
            {
                "code": "municipal.manhole",
                "name": "井盖",
                "keywords": "井盖 缺失 破损",
                "attributes": [
                    {
                        "code": "manhole_state",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "order": 1,
                        "description": "井盖情况",
                        "values": [
                            {"key": "missing", "name": "缺失"},
                            {"key": "broken", "name": "破损"},
                            {"key": "loose", "name": "松动"},
                        ],
                    },
                ],
            },
            {
                "code": "municipal.streetlight",
                "name": "路灯",
                "keywords": "路灯 不亮",
                "level": "department",
                "department_kind": "power",
            },
            {
                "code": "municipal.road",
                "name": "道路",
                "keywords": "道路 坑洼 破损",
                "level": "department",
                "department_kind": "urban_management",
            },
            {
                "code": "municipal.sewer",
                "name": "下水道",
                "keywords": "下水道 堵塞 污水",
                "level": "department",
                "department_kind": "water",
            },
        ],
    },
    {
        "code": "property",
        "name": "物业服务",
        "level": "community",
        "children": [
            {"code": "property.repair", "name": "公共设施维修", "level": "community"},
            {"code": "property.elevator", "name": "电梯故障", "level": "community"},
            {"code": "property.fee", "name": "物业收费", "level": "community"},
        ],
    },
    {"code": "dispute", "name": "邻里纠纷", "level": "grid", "must_attend": True},
    {"code": "family", "name": "家庭纠纷", "level": "grid", "must_attend": True},
    {
        "code": "safety",
        "name": "治安消防",
        "level": "grid",
        "duty": "security",
        "children": [
            {"code": "safety.fire_hazard", "name": "消防隐患", "keywords": "消防 通道 电动车"},
            {
                "code": "safety.order",
                "name": "治安问题",
                "level": "department",
                "department_kind": "public_security",
            },
        ],
    },
    {
        "code": "traffic",
        "name": "交通停车",
        "level": "department",
        "department_kind": "traffic_police",
    },
    {
        "code": "illegal_build",
        "name": "违章搭建",
        "level": "department",
        "department_kind": "urban_management",
    },
    {
        "code": "street_vending",
        "name": "占道经营",
        "level": "department",
        "department_kind": "urban_management",
    },
    {"code": "noise", "name": "噪音扰民", "level": "grid", "keywords": "噪音 装修 广场舞"},
    {"code": "greening", "name": "园林绿化", "level": "community"},
    {
        "code": "utilities",
        "name": "供水供电供气",
        "level": "department",
        "children": [
            {"code": "utilities.water", "name": "供水", "department_kind": "water"},
            {"code": "utilities.power", "name": "供电", "department_kind": "power"},
            {"code": "utilities.gas", "name": "供气", "department_kind": "gas"},
        ],
        "department_kind": "water",
    },
    {
        "code": "housing_safety",
        "name": "房屋安全隐患",
        "level": "department",
        "department_kind": "housing",
    },
    {
        "code": "livelihood",
        "name": "民生服务",
        "level": "community",
        "children": [
            {"code": "livelihood.dibao", "name": "低保"},
            {"code": "livelihood.elderly", "name": "养老"},
            {"code": "livelihood.medical_insurance", "name": "医保"},
            {"code": "livelihood.employment", "name": "就业"},
            {"code": "livelihood.certificate", "name": "证明开具"},
        ],
    },
    {"code": "elderly_disabled", "name": "为老助残", "level": "grid", "duty": "care"},
    {"code": "emergency", "name": "突发事件", "level": "grid", "must_attend": True},
    {"code": "suggestion", "name": "意见建议", "level": "community"},
]

# Default deadlines per priority (category None), then category overrides.
# (accept, arrive, resolve, working_time)
DEFAULT_DEADLINES = {
    "emergency": (15, 30, 24 * HOUR, False),
    "urgent": (2 * HOUR, 4 * HOUR, 2 * DAY, True),
    "normal": (4 * HOUR, None, 5 * DAY, True),
}
CATEGORY_DEADLINES = {
    # 三必到 categories: the community attends in person, quickly, whatever the priority.
    ("dispute", "normal"): (2 * HOUR, 1 * DAY, 3 * DAY, True),
    ("family", "normal"): (2 * HOUR, 1 * DAY, 3 * DAY, True),
    ("emergency", "normal"): (30, 60, 24 * HOUR, False),
    ("emergency", "urgent"): (15, 30, 12 * HOUR, False),
    ("municipal.manhole", "normal"): (2 * HOUR, 4 * HOUR, 1 * DAY, True),
    ("livelihood", "normal"): (1 * DAY, None, 10 * DAY, True),
    ("suggestion", "normal"): (2 * DAY, None, 15 * DAY, True),
}


def load(apps: Any, schema_editor: Any = None) -> None:
    """Create the default categories and deadlines (skipping codes that already exist)."""
    Category = apps.get_model("cases", "CaseCategory")
    Deadline = apps.get_model("cases", "CaseDeadline")

    def make(node: dict[str, Any], parent: Any, inherited: dict[str, Any], order: int) -> None:
        fields = {
            "level": node.get("level", inherited.get("level", "grid")),
            "department_kind": node.get("department_kind", inherited.get("department_kind", "")),
            "duty": node.get("duty", inherited.get("duty", "general")),
            "must_attend": node.get("must_attend", inherited.get("must_attend", False)),
        }
        if fields["level"] != "department":
            fields["department_kind"] = node.get("department_kind", "")
        obj, _ = Category.objects.get_or_create(
            code=node["code"],
            defaults={
                "name": node["name"],
                "parent": parent,
                "keywords": node.get("keywords", ""),
                "attributes": node.get("attributes", []),
                "order": order,
                **fields,
            },
        )
        for i, child in enumerate(node.get("children", []), start=1):
            make(child, obj, fields, i)

    for i, node in enumerate(CATEGORY_TREE, start=1):
        make(node, None, {}, i)
    for priority, (acc, arr, res, working) in DEFAULT_DEADLINES.items():
        Deadline.objects.get_or_create(
            category=None,
            priority=priority,
            defaults={
                "accept_minutes": acc,
                "arrive_minutes": arr,
                "resolve_minutes": res,
                "working_time": working,
            },
        )
    for (code, priority), (acc, arr, res, working) in CATEGORY_DEADLINES.items():
        Deadline.objects.get_or_create(
            category=Category.objects.get(code=code),
            priority=priority,
            defaults={
                "accept_minutes": acc,
                "arrive_minutes": arr,
                "resolve_minutes": res,
                "working_time": working,
            },
        )
