"""Back office for the meeting mechanism's configuration: the kinds (quorum rules, cadence)
and the organisations' recurring schedules. Meetings themselves are run in the pages and the
API (they name people; administrators do not see personal data)."""

from __future__ import annotations

from django.contrib import admin

from .models import MeetingKind, Schedule


@admin.register(MeetingKind)
class MeetingKindAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "label",
        "quorum_numerator",
        "quorum_denominator",
        "quorum_strict",
        "apologies_reduce_expected",
        "default_cadence",
        "online",
        "is_active",
    )
    list_editable = ("is_active",)
    search_fields = ("code", "label")


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ("organisation", "kind", "cadence", "starts_on", "ends_on")
    list_filter = ("kind", "cadence")
    raw_id_fields = ("organisation",)
