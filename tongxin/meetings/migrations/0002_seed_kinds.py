"""Seed the meeting kinds (configuration: the admin edits them afterwards)."""

from django.db import migrations

# code, label (i18n-data), numerator, denominator, strict, apologies reduce expected,
# election numerator/denominator, default cadence, online, order
KINDS = (
    ("joint", "联席会", 1, 2, False, False, None, None, "quarterly", False, 10),
    ("branch_assembly", "支部党员大会", 1, 2, True, True, 4, 5, "quarterly", False, 20),
    ("branch_committee", "支委会", 1, 2, True, False, None, None, "monthly", False, 30),
    ("group_meeting", "党小组会", 1, 2, False, False, None, None, "monthly", False, 40),
    ("party_lecture", "党课", 1, 2, False, False, None, None, "half_yearly", False, 50),
    ("theme_day", "主题党日", 1, 2, False, False, None, None, "monthly", False, 60),
    ("life_meeting", "组织生活会", 1, 2, True, False, None, None, "yearly", False, 70),
    ("consultation", "恳谈会", 0, 1, False, False, None, None, "", False, 80),
    ("representatives", "居民代表会议", 1, 2, True, False, None, None, "", False, 90),
    ("weekly", "周例会", 1, 2, False, False, None, None, "weekly", False, 100),
    ("hearing", "民主听证会", 1, 2, False, False, None, None, "monthly", False, 110),
    ("grid_service", "网格服务工作例会", 1, 2, False, False, None, None, "monthly", False, 120),
    ("micro", "微会议", 1, 2, True, False, None, None, "", True, 130),
)


def seed(apps, schema_editor):
    MeetingKind = apps.get_model("meetings", "MeetingKind")
    for code, label, num, den, strict, reduce, enum, eden, cadence, online, order in KINDS:
        MeetingKind.objects.update_or_create(
            code=code,
            defaults={
                "label": label,
                "quorum_numerator": num,
                "quorum_denominator": den,
                "quorum_strict": strict,
                "apologies_reduce_expected": reduce,
                "election_numerator": enum,
                "election_denominator": eden,
                "default_cadence": cadence,
                "online": online,
                "order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
