"""Seed the default responsibility chains (五级负责); admins may edit them afterwards."""

from django.db import migrations


def seed(apps, schema_editor):
    from tongxin.orgs.roles import DEFAULT_DUTY_CHAINS

    DutyRule = apps.get_model("orgs", "DutyRule")
    rows = []
    for duty, levels in DEFAULT_DUTY_CHAINS.items():
        for kind, roles in levels.items():
            for order, role in enumerate(roles):
                rows.append(DutyRule(duty=str(duty), place_kind=kind, role=str(role), order=order))
    DutyRule.objects.bulk_create(rows, ignore_conflicts=True)


def unseed(apps, schema_editor):
    apps.get_model("orgs", "DutyRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("orgs", "0002_initial")]
    operations = [migrations.RunPython(seed, unseed)]
