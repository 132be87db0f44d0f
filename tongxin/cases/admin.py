"""Back office for the case workflow's configuration: categories and their deadlines, routing
rules, the working calendar and the duty roster. Cases themselves are handled in the pages
and the API, never here (administrators do not see personal data)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from tongxin.core import clock
from tongxin.core.admin import ScopedAdminMixin

from .models import (
    CaseCategory,
    CaseDeadline,
    DutyShift,
    RoutingRule,
    WorkCalendarDay,
    WorkCalendarYear,
)


class DeadlineInline(admin.TabularInline):
    model = CaseDeadline
    extra = 0


@admin.register(CaseCategory)
class CaseCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "level", "department_kind", "duty", "must_attend")
    list_filter = ("level", "must_attend", "is_active")
    search_fields = ("code", "name", "keywords")
    inlines = [DeadlineInline]


@admin.register(CaseDeadline)
class CaseDeadlineAdmin(admin.ModelAdmin):
    list_display = (
        "category",
        "priority",
        "accept_minutes",
        "arrive_minutes",
        "resolve_minutes",
        "working_time",
    )
    list_filter = ("priority", "working_time")


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "place", "priority", "hours", "level", "order", "is_active")
    list_filter = ("level", "hours", "is_active")
    raw_id_fields = ("place", "target_org")


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "note")
    list_filter = ("is_workday",)


@admin.register(WorkCalendarYear)
class WorkCalendarYearAdmin(admin.ModelAdmin):
    """Confirm a year once its 调休 make-up days and holidays are entered as published."""

    list_display = ("year", "confirmed_by", "confirmed_at", "note")
    readonly_fields = ("confirmed_by", "confirmed_at")

    def save_model(self, request: Any, obj: WorkCalendarYear, form: Any, change: bool) -> None:
        obj.confirmed_by = request.user
        obj.confirmed_at = clock.now()
        super().save_model(request, obj, form, change)


@admin.register(DutyShift)
class DutyShiftAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The roster names people: like posts, it is shown within the account's scope."""

    list_display = ("place", "person", "starts_at", "ends_at", "phone")
    raw_id_fields = ("place", "person")
