"""Back office for volunteering's configuration: points rules, fixed awards and the reward
catalogue. Volunteers, the ledger and orders are kept through the pages and the API, where
every change is a service call with its audit row."""

from __future__ import annotations

from django.contrib import admin

from .models import FixedAward, PointsRule, Reward


@admin.register(PointsRule)
class PointsRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "community", "points_per_hour", "cap_per_day", "expiry_days")
    raw_id_fields = ("community",)


@admin.register(FixedAward)
class FixedAwardAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "community", "points")
    raw_id_fields = ("community",)


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = ("name", "community", "kind", "cost", "stock", "per_person_limit", "is_active")
    list_filter = ("kind", "is_active")
    raw_id_fields = ("community",)
