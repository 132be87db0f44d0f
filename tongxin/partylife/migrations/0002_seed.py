"""Seed the 民主评议 meeting kind and the cadence each level of party organisation owes
(configuration: the admin edits it afterwards)."""

from django.db import migrations

# code, label (i18n-data), numerator, denominator, strict, apologies reduce, cadence, order
KINDS = (("appraisal", "民主评议", 1, 2, True, True, "yearly", 75),)

# org kind, meeting kind, cadence, at least per period, of which by the secretary (a year)
REQUIREMENTS = (
    ("branch", "branch_assembly", "quarterly", 1, 0),
    ("branch", "branch_committee", "monthly", 1, 0),
    ("branch", "party_lecture", "yearly", 2, 1),
    ("branch", "theme_day", "monthly", 1, 0),
    ("branch", "life_meeting", "yearly", 1, 0),
    ("branch", "appraisal", "yearly", 1, 0),
    ("general_branch", "branch_assembly", "quarterly", 1, 0),
    ("general_branch", "branch_committee", "monthly", 1, 0),
    ("general_branch", "party_lecture", "yearly", 2, 1),
    ("general_branch", "theme_day", "monthly", 1, 0),
    ("general_branch", "life_meeting", "yearly", 1, 0),
    ("general_branch", "appraisal", "yearly", 1, 0),
    ("party_group", "group_meeting", "monthly", 1, 0),
    ("party_committee", "party_lecture", "yearly", 2, 1),
    ("party_committee", "life_meeting", "yearly", 1, 0),
)


def seed(apps, schema_editor):
    MeetingKind = apps.get_model("meetings", "MeetingKind")
    LifeRequirement = apps.get_model("partylife", "LifeRequirement")
    for code, label, num, den, strict, reduce, cadence, order in KINDS:
        MeetingKind.objects.update_or_create(
            code=code,
            defaults={
                "label": label,
                "quorum_numerator": num,
                "quorum_denominator": den,
                "quorum_strict": strict,
                "apologies_reduce_expected": reduce,
                "default_cadence": cadence,
                "order": order,
            },
        )
    kinds = {k.code: k for k in MeetingKind.objects.all()}
    for i, (org_kind, kind, cadence, least, by_secretary) in enumerate(REQUIREMENTS):
        LifeRequirement.objects.update_or_create(
            org_kind=org_kind,
            kind=kinds[kind],
            defaults={
                "cadence": cadence,
                "min_count": least,
                "by_secretary": by_secretary,
                "order": i,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("partylife", "0001_initial"), ("meetings", "0002_seed_kinds")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
