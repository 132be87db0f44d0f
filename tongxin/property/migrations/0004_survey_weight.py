"""The residents' satisfaction survey joins the month's score: a stored scheme still on the
old default (checklist 80 %, repair ratings 20 %) moves to the new one (checklist 60 %, repair
ratings 20 %, survey 20 %). A scheme an administrator edited is left as it is. Months already
published keep the score they were published with."""

from django.db import migrations

from tongxin.property import defaults


def forward(apps, schema_editor):
    Scheme = apps.get_model("property", "Scheme")
    for row in Scheme.objects.all():
        parts = (row.monthly_formula or {}).get("parts", [])
        codes = [p.get("code") for p in parts]
        weights = [p.get("weight") for p in parts]
        if codes == ["inspection", "repairs"] and weights == ["0.8", "0.2"]:
            row.monthly_formula = defaults.MONTHLY_FORMULA
            row.survey_size = defaults.SURVEY_SAMPLE_SIZE
            row.save(update_fields=["monthly_formula", "survey_size"])


class Migration(migrations.Migration):
    dependencies = [("property", "0003_survey_and_photos")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
