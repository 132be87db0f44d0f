"""Back office for party life's configuration: the cadence each level of organisation owes
(with the monthly fixed day of 主题党日), the organisations' own fixed days and the rule sets
of the scorecards. Meetings, appraisals and cards name people: they live in the pages and the
API, where scoping applies."""

from __future__ import annotations

from django.contrib import admin

from .models import CardFormula, LifeFixedDay, LifeRequirement


@admin.register(LifeRequirement)
class LifeRequirementAdmin(admin.ModelAdmin):
    list_display = ("org_kind", "kind", "cadence", "min_count", "by_secretary", "fixed_day")
    list_filter = ("org_kind", "cadence")
    list_editable = ("cadence", "min_count", "by_secretary", "fixed_day")


@admin.register(LifeFixedDay)
class LifeFixedDayAdmin(admin.ModelAdmin):
    list_display = ("organisation", "kind", "day")
    list_filter = ("kind",)
    raw_id_fields = ("organisation",)


@admin.register(CardFormula)
class CardFormulaAdmin(admin.ModelAdmin):
    list_display = ("kind",)
