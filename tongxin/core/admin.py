"""Back-office admin: the audit log is read by the audit admin only, and never changed; the
record of periodic job runs and the scheduler lease are read by the system admin."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from .models import AuditEvent, JobRun, SchedulerLease


class ScopedAdminMixin:
    """Admin pages for personal data show only what the signed-in account may see."""

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).visible_to(request.user)  # type: ignore[misc]


class DutyReadOnlyAdmin(admin.ModelAdmin):
    """A record that one administrative duty reads and nobody changes here: ``duty`` names
    it (the audit log for the audit admin, the job runs for the system admin)."""

    duty = ""

    def _has_duty(self, request: HttpRequest) -> bool:
        return bool(self.duty) and getattr(request.user, "admin_duty", "") == self.duty

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._has_duty(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._has_duty(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(DutyReadOnlyAdmin):
    duty = "audit"
    list_display = (
        "at",
        "actor_name",
        "role",
        "action",
        "object_type",
        "object_id",
        "result",
        "ip",
    )
    list_filter = ("action", "result")
    search_fields = ("actor_name", "object_id", "request_id")
    date_hierarchy = "at"


@admin.register(JobRun)
class JobRunAdmin(DutyReadOnlyAdmin):
    duty = "system"
    list_display = (
        "job",
        "what",
        "slot",
        "started_at",
        "duration_ms",
        "outcome",
        "manual",
        "detail",
    )
    list_filter = ("outcome", "job", "manual")
    search_fields = ("job", "detail")
    date_hierarchy = "started_at"

    @admin.display(description=gettext_lazy("内容"))
    def what(self, obj: JobRun) -> str:
        from .schedule import JOBS

        job = JOBS.get(obj.job)
        return str(job.label) if job else ""


@admin.register(SchedulerLease)
class SchedulerLeaseAdmin(DutyReadOnlyAdmin):
    duty = "system"
    list_display = ("name", "holder", "acquired_at", "renewed_at", "expires_at")
