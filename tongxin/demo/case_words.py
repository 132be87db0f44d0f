"""The words and mixes of the demo's cases (民情诉求): per category the residents' descriptions
and the handlers' results, the reasons and notes of the other acts, reporters' names, and the
share of each final state by a case's age. Data in the source language, as residents write."""

from __future__ import annotations

import random
from typing import Any

from tongxin.cases.models import Feedback
from tongxin.cases.workflow import State

# category code, weight, descriptions, results
CATEGORY_MIX: list[tuple[str, int, tuple[str, ...], tuple[str, ...]]] = [
    (
        "env.garbage",
        14,
        ("垃圾桶满溢两天没人清运，味道很大", "楼下建筑垃圾堆放多日无人清理"),
        ("已联系环卫公司清运完毕", "已督促物业清理并设置临时堆放点"),
    ),
    (
        "env.litter",
        8,
        ("楼道里堆满纸箱和旧家具，影响通行", "单元楼道有人长期堆放杂物"),
        ("已上门劝导住户清理楼道杂物", "楼栋长组织清理完毕"),
    ),
    (
        "env.pests",
        3,
        ("地下室老鼠很多，希望消杀", "垃圾站附近蚊蝇滋生"),
        ("已安排病媒消杀", "已投放鼠药并张贴提示"),
    ),
    (
        "municipal.manhole",
        4,
        ("小区门口井盖松动，踩上去晃", "人行道上井盖缺失，晚上很危险"),
        ("已设置警示并更换井盖", "井盖已加固"),
    ),
    (
        "municipal.streetlight",
        4,
        ("小区主干道路灯坏了一周", "路口两盏路灯不亮"),
        ("供电所已更换灯具", "线路已修复，路灯恢复照明"),
    ),
    (
        "municipal.sewer",
        4,
        ("下水道堵塞，污水漫到路面", "化粪池外溢"),
        ("水务公司已疏通管道", "已清掏并修复管道"),
    ),
    (
        "property.repair",
        6,
        ("单元门禁坏了，陌生人随意进出", "楼顶漏水，物业一直不修"),
        ("物业已更换门禁", "物业已完成防水修补"),
    ),
    (
        "property.elevator",
        3,
        ("电梯经常停运，老人上下楼困难", "电梯门关不上"),
        ("维保单位已维修，电梯恢复运行",),
    ),
    (
        "dispute",
        6,
        ("楼上漏水到我家，协商不成", "邻居长期占用公共车位"),
        ("网格员上门调解，双方达成一致", "已组织双方协商，签订调解协议"),
    ),
    (
        "family",
        2,
        ("老人反映子女不尽赡养义务", "夫妻吵架动静很大，担心出事"),
        ("社区上门调解，家庭矛盾缓和", "已联系亲属，约定赡养安排"),
    ),
    (
        "safety.fire_hazard",
        5,
        ("电动车在楼道充电，存在火灾隐患", "消防通道被车辆堵塞"),
        ("已劝导住户到集中充电点充电", "已清理消防通道并张贴警示"),
    ),
    ("traffic", 4, ("小区门口乱停车严重", "车辆占用盲道"), ("交警已现场处理",)),
    ("illegal_build", 3, ("一楼住户私自扩建院墙", "楼顶违建阳光房"), ("城管已责令拆除",)),
    (
        "street_vending",
        3,
        ("早市占道经营影响通行", "流动摊贩堵在小区门口"),
        ("城管已劝离并规范经营",),
    ),
    (
        "noise",
        6,
        ("晚上广场舞音响太大", "楼上装修周末一大早就开工"),
        ("已协调调低音量并约定时间", "已劝导装修户遵守施工时间"),
    ),
    ("greening", 2, ("绿化带树枝遮挡窗户", "小区草坪被占用种菜"), ("已安排修剪树枝",)),
    ("utilities.water", 3, ("整栋楼停水一天了", "水压太低，高层用不上水"), ("供水已恢复",)),
    ("housing_safety", 2, ("老楼外墙瓷砖脱落", "楼梯扶手松动"), ("已排查并加固",)),
    (
        "livelihood.dibao",
        3,
        ("咨询低保申请需要哪些材料", "家里老人生病，想申请临时救助"),
        ("已上门指导申请并代办材料",),
    ),
    (
        "livelihood.certificate",
        3,
        ("需要开具居住证明", "办理独生子女证明"),
        ("证明已开具",),
    ),
    (
        "elderly_disabled",
        3,
        ("独居老人几天没见出门，请上门看看", "残疾人家庭需要助餐服务"),
        ("网格员已上门探访，老人身体无碍", "已纳入助餐服务"),
    ),
    (
        "emergency",
        1,
        ("楼道冒烟，疑似电线短路", "有老人在小区门口摔倒"),
        ("已处置，无人员受伤",),
    ),
    ("suggestion", 2, ("建议在小区增设充电桩", "希望增加老年活动场地"), ("已纳入社区年度计划",)),
]

REJECT_REASONS = ("不属于社区受理范围，已告知向相关部门反映", "经核实问题不存在")
SUSPEND_REASONS = ("需等待住建部门鉴定结果", "当事人外出，待其返回后处置")
CLOSE_NOTES = ("多次电话回访未接通，按期结案",)
SUPERVISE_NOTES = ("请加快办理，本周内办结", "群众反映强烈，请优先处置")
FEEDBACK_COMMENTS = {
    Feedback.SATISFIED: ("处理及时，谢谢网格员", "很满意", ""),
    Feedback.BASIC: ("基本解决了，希望以后多关注", ""),
    Feedback.UNSATISFIED: ("问题没有彻底解决", "还是老样子"),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("桂兰", "建国", "秀英", "志强", "丽华", "海燕", "明", "军", "红梅", "国平", "春花", "伟")

# Probabilities of the final state by the case's age (days since the report).
RECENT_STATES = {  # reported in the last 14 days
    State.REPORTED: 10,
    State.ACCEPTED: 7,
    State.DISPATCHED: 7,
    State.IN_PROGRESS: 16,
    State.ESCALATED: 6,
    State.SUSPENDED: 3,
    State.RESOLVED: 14,
    State.CLOSED: 30,
    State.REJECTED: 4,
    State.MERGED: 3,
}
OLDER_STATES = {
    State.REPORTED: 1,
    State.IN_PROGRESS: 3,
    State.ESCALATED: 1,
    State.SUSPENDED: 1,
    State.RESOLVED: 2,
    State.CLOSED: 84,
    State.REJECTED: 5,
    State.MERGED: 3,
}


def pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def mobile_number(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
