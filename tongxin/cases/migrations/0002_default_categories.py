from django.db import migrations


def load(apps, schema_editor):
    from tongxin.cases.defaults import load as load_defaults

    load_defaults(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
