"""Accounts are managed by the security admin (三权分立); the system admin does not see them."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from .models import AccessGrant, User


class SecurityAdminOnly:
    def _allowed(self, request: HttpRequest) -> bool:
        return getattr(request.user, "admin_duty", "") == "security"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(SecurityAdminOnly, BaseUserAdmin):
    list_display = ("username", "display_name", "admin_duty", "is_active", "last_login")
    list_filter = ("admin_duty", "is_active")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("同心", {"fields": ("display_name", "person", "admin_duty")}),
    )
    raw_id_fields = ("person",)


@admin.register(AccessGrant)
class AccessGrantAdmin(SecurityAdminOnly, admin.ModelAdmin):
    list_display = ("user", "place", "include_care", "valid_from", "valid_until", "reason")
    raw_id_fields = ("user", "place", "granted_by")
