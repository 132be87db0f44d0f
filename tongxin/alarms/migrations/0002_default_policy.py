"""The default escalation policy (editable in the admin): after the 30-second cancel window the
paired helpers; a minute later the grid worker and the building head; two minutes later the
community's duty post and the family; then again from the helpers until someone answers."""

from django.db import migrations

STEPS = [
    {"wait": 30, "notify": ["helpers"]},
    {"wait": 60, "notify": ["grid_worker", "building_head"]},
    {"wait": 120, "notify": ["duty", "family"]},
]


def seed(apps, schema_editor):
    Policy = apps.get_model("alarms", "EscalationPolicy")
    Policy.objects.get_or_create(
        code="default",
        defaults={
            "name": "默认升级策略",  # i18n-data
            "steps": STEPS,
            "repeat": True,
            "cancel_window": 30,
            "arrive_within": 900,
            "remind_every": 600,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("alarms", "EscalationPolicy").objects.filter(code="default").delete()


class Migration(migrations.Migration):
    dependencies = [("alarms", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
