from django.db import migrations


def seed(apps, schema_editor):
    from tongxin.visits.defaults import SEED_RULES

    CadenceRule = apps.get_model("visits", "CadenceRule")
    for row in SEED_RULES:
        CadenceRule.objects.update_or_create(code=row["code"], defaults=row)


def unseed(apps, schema_editor):
    from tongxin.visits.defaults import SEED_RULES

    CadenceRule = apps.get_model("visits", "CadenceRule")
    CadenceRule.objects.filter(code__in=[r["code"] for r in SEED_RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
