"""Accounts are managed by the security admin (三权分立); the system admin does not see them."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.actors import ActorRequest
from tongxin.core.i18n import lazy_str

from . import lockout, second_factor
from .models import AccessGrant, User
from .services import user_disable


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
        (gettext_lazy("同心"), {"fields": ("display_name", "person", "admin_duty")}),
    )
    raw_id_fields = ("person",)
    actions = ["disable_accounts", "reset_second_factor", "unlock_logins"]

    @admin.action(description=lazy_str("停用所选账号（立即结束其全部会话和令牌）"))
    def disable_accounts(self, request: ActorRequest, queryset: QuerySet[User]) -> None:
        for user in queryset.order_by("pk"):
            user_disable(user=user, actor=request.user, reason="admin")
        messages.success(request, _("已停用 {count} 个账号。").format(count=queryset.count()))

    @admin.action(description=lazy_str("重置所选账号的双因素认证（下次登录时重新设置）"))
    def reset_second_factor(self, request: ActorRequest, queryset: QuerySet[User]) -> None:
        for user in queryset.order_by("pk"):
            second_factor.reset(user=user, actor=request.user)
        messages.success(
            request, _("已重置 {count} 个账号的双因素认证。").format(count=queryset.count())
        )

    @admin.action(description=lazy_str("解除所选账号的登录锁定"))
    def unlock_logins(self, request: ActorRequest, queryset: QuerySet[User]) -> None:
        for user in queryset.order_by("pk"):
            lockout.unlock(username=user.username, actor=request.user)
        messages.success(
            request, _("已解除 {count} 个账号的登录锁定。").format(count=queryset.count())
        )


@admin.register(AccessGrant)
class AccessGrantAdmin(SecurityAdminOnly, admin.ModelAdmin):
    list_display = ("user", "place", "include_care", "valid_from", "valid_until", "reason")
    raw_id_fields = ("user", "place", "granted_by")
