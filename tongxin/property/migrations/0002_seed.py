"""Seed the configuration of red property: the checklist, the credit rules (points, validity,
blacklisting, each with its reason), the evaluation scheme, and the 1+3+N joint meeting kind
of the one meeting mechanism. The admin edits them afterwards."""

from django.db import migrations

from tongxin.property import defaults

# code, label, guidance, max score (i18n-data: stored configuration)
CHECKLIST = (
    ("cleaning", "环境卫生", "楼道、路面、垃圾分类点干净，垃圾日产日清", 15),
    ("greening", "绿化养护", "草木修剪、无枯死、无毁绿占绿", 10),
    ("security", "秩序安防", "门岗值守、巡逻记录、监控门禁完好", 15),
    ("repairs", "维修服务", "报修及时响应，公共设施完好", 15),
    ("lifts", "电梯运行", "电梯运行正常、年检合格、困人救援及时", 10),
    ("fire", "消防安全", "消防通道畅通、器材完好、无飞线充电", 15),
    ("fees", "收费公示", "收费标准、公共收益按时公示", 10),
    ("cases", "诉求响应", "居民诉求按时办结、回访满意", 10),
)

# code, label, reason, points, validity days, source, blacklist (i18n-data)
RULES = (
    ("monthly_fail", "月度评分不合格", "月度评分低于 60 分", "-5", 365, "inspection", False),
    ("monthly_excellent", "月度评分优秀", "月度评分达到 95 分", "3", 365, "inspection", False),
    ("case_overdue", "物业诉求超时", "物业类民情诉求超过办理时限", "-2", 365, "case", False),
    ("case_reopened", "回访不满意重办", "居民回访不满意、诉求重新办理", "-2", 365, "case", False),
    ("resolution_overdue", "联席会议决议逾期未办", "联席会议交办事项逾期未完成", "-3", 365, "meeting", False),
    ("rectification_overdue", "整改逾期", "整改通知逾期未整改", "-5", 365, "rectification", False),
    ("lawsuit_lost", "败诉", "因物业服务纠纷败诉，每次扣 5 分", "-5", 365, "lawsuit", False),
    ("fees_unpublished", "未公示公共收益或收费", "公共收益、收费未按规定公示，每次扣 5 分", "-5", 365, "street", False),
    ("street_commended", "街道检查表扬", "街道检查中受到表扬", "2", 365, "street", False),
    ("repair_fund_misuse", "挪用维修资金", "挪用专项维修资金，直接列入黑名单", "-40", 365, "street", True),
    ("refuse_to_leave", "合同到期拒不退出", "合同终止后拒不撤出，直接列入黑名单", "-40", 365, "street", True),
)


def seed(apps, schema_editor):
    ChecklistItem = apps.get_model("property", "ChecklistItem")
    CreditRule = apps.get_model("property", "CreditRule")
    Scheme = apps.get_model("property", "Scheme")
    MeetingKind = apps.get_model("meetings", "MeetingKind")
    for order, (code, label, guidance, max_score) in enumerate(CHECKLIST):
        ChecklistItem.objects.update_or_create(
            code=code,
            defaults={"label": label, "guidance": guidance, "max_score": max_score, "order": order},
        )
    for code, label, reason, points, days, source, blacklist in RULES:
        CreditRule.objects.update_or_create(
            code=code,
            defaults={
                "label": label,
                "reason": reason,
                "points": points,
                "validity_days": days,
                "source": source,
                "blacklist": blacklist,
            },
        )
    if not Scheme.objects.exists():
        Scheme.objects.create(
            name="物业服务评价办法",  # i18n-data
            monthly_formula=defaults.MONTHLY_FORMULA,
            credit_formula=defaults.CREDIT_FORMULA,
            response_days=defaults.RESPONSE_DAYS,
            objection_days=defaults.OBJECTION_DAYS,
        )
    MeetingKind.objects.update_or_create(
        code="property_joint",
        defaults={
            "label": "1+3+N 联席会议",  # i18n-data
            "quorum_numerator": 1,
            "quorum_denominator": 2,
            "default_cadence": "monthly",
            "order": 140,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("property", "0001_initial"),
        ("meetings", "0003_online_attendance"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
