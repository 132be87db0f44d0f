from django.db import migrations

# The grid worker's visit when a 爱心铃 goes offline or its battery runs low: a visit task on
# the care worklist (visits' one mechanism), due within a day, closed by a home visit.
RULE = {
    "code": "alarm-device",
    "name": "爱心铃离线或电量低：一天内上门查看",  # i18n-data
    "care_kind": "",
    "risk_tier": "",
    "role": "grid_worker",
    "duty": "care",
    "interval": "on_trigger",
    "grace_days": 1,
    "methods": ["home"],
    "triggers": ["alarm_device"],
    "trigger_hours": 24,
}


def seed(apps, schema_editor):
    CadenceRule = apps.get_model("visits", "CadenceRule")
    CadenceRule.objects.update_or_create(code=RULE["code"], defaults=RULE)


def unseed(apps, schema_editor):
    CadenceRule = apps.get_model("visits", "CadenceRule")
    CadenceRule.objects.filter(code=RULE["code"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("alarms", "0002_default_policy"),
        ("visits", "0004_alarm_device_trigger"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
