"""Admins manage Open311 jurisdictions and partner keys here. A key is shown once, when it
is made (on creation, or with the "重新生成密钥" action); only its hash is kept."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from tongxin.core import audit
from tongxin.core.actors import Actor, ActorRequest
from tongxin.core.i18n import lazy_str

from .models import Jurisdiction, Partner


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ("jurisdiction_id", "name", "place", "is_active")
    raw_id_fields = ("place",)


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "key_prefix", "is_active", "created_at", "last_used_at")
    list_filter = ("is_active", "jurisdictions")
    filter_horizontal = ("jurisdictions",)
    readonly_fields = ("key_prefix", "created_at", "last_used_at", "created_by")
    actions = ["rotate_key"]

    def save_model(self, request: HttpRequest, obj: Partner, form: Any, change: bool) -> None:
        raw = None
        if not change:
            raw = obj.set_key()
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        if raw:
            # The admin site is signed-in staff only: the user is an account (an Actor).
            actor = cast(Actor, request.user)
            audit.record(actor=actor, action="open311_key_issued", obj=obj)
            messages.warning(
                request,
                _("合作方“{name}”的接口密钥（只显示这一次，请妥善转交）：{key}").format(
                    name=obj.name, key=raw
                ),
            )

    @admin.action(description=lazy_str("重新生成密钥（旧密钥立即失效）"))
    def rotate_key(self, request: ActorRequest, queryset: QuerySet[Partner]) -> None:
        for partner in queryset:
            raw = partner.set_key()
            partner.save(update_fields=["key_prefix", "key_hash"])
            audit.record(actor=request.user, action="open311_key_rotated", obj=partner)
            messages.warning(
                request,
                _("合作方“{name}”的新密钥（只显示这一次）：{key}").format(
                    name=partner.name, key=raw
                ),
            )
