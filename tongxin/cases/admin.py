"""Back office for the case workflow's configuration: categories and their deadlines, routing
rules, the working calendar and the duty roster. Cases themselves are handled in the pages
and the API, never here (administrators do not see personal data)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy

from tongxin.core import clock
from tongxin.core.admin import ScopedAdminMixin

from .models import (
    CaseCategory,
    CaseDeadline,
    DutyShift,
    RoutingRule,
    SuggestModel,
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


@admin.register(SuggestModel)
class SuggestModelAdmin(admin.ModelAdmin):
    """The category model's versions per community, with their measured accuracy: read here;
    switched on or off (the fallback to the shipped model is a row of its own)."""

    list_display = (
        "community",
        "version",
        "source",
        "is_active",
        "texts",
        "cases",
        "top1",
        "trained_at",
    )
    list_filter = ("source", "is_active")
    fields = (
        "community",
        "version",
        "source",
        "is_active",
        "texts",
        "cases",
        "accuracy",
        "note",
        "trained_at",
    )
    readonly_fields = (
        "community",
        "version",
        "source",
        "texts",
        "cases",
        "accuracy",
        "note",
        "trained_at",
    )

    @admin.display(description=gettext_lazy("留出集首选准确率"))
    def top1(self, obj: SuggestModel) -> str:
        value = (obj.accuracy or {}).get("heldout") or {}
        return f"{value['top1']:.1%}" if "top1" in value else "—"

    def has_add_permission(self, request: Any) -> bool:
        return False
