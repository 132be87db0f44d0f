"""Admin for the registry of people: scoped like every other view, values masked."""

from django.contrib import admin

from tongxin.core.admin import ScopedAdminMixin

from .models import CareTag, Household, ImportJob, PartyMembership, Person


@admin.register(Person)
class PersonAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "gender",
        "id_number_masked",
        "phone_masked",
        "grid",
        "residence_status",
    )
    list_filter = ("residence_status", "political_status", "gender")
    search_fields = ("name", "name_initials", "name_pinyin")
    raw_id_fields = ("household", "place")
    readonly_fields = ("id_number_masked", "phone_masked", "grid")
    exclude = ("id_number_cipher", "phone_cipher")


@admin.register(Household)
class HouseholdAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("code", "dwelling", "tenure")
    search_fields = ("code",)
    raw_id_fields = ("dwelling",)


@admin.register(CareTag)
class CareTagAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("person", "kind", "grade", "start_date", "end_date")
    list_filter = ("kind",)
    raw_id_fields = ("person",)


@admin.register(PartyMembership)
class PartyMembershipAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("person", "organisation", "status", "in_service")
    list_filter = ("status", "in_service")
    raw_id_fields = ("person", "organisation", "registered_community")


@admin.register(ImportJob)
class ImportJobAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("filename", "status", "created_count", "created_at")
    exclude = ("payload",)
