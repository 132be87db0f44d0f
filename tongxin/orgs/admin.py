from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from tongxin.core.admin import ScopedAdminMixin

from .models import Absence, DutyRule, Organisation, Post


@admin.register(Organisation)
class OrganisationAdmin(TreeAdmin):
    form = movenodeform_factory(Organisation)
    list_display = ("name", "kind", "code")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    filter_horizontal = ("places",)


@admin.register(Post)
class PostAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("person", "role", "rank", "place", "organisation", "start_date", "end_date")
    list_filter = ("role", "rank")
    raw_id_fields = ("person", "place", "organisation")


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ("person", "reason", "start_date", "end_date")
    raw_id_fields = ("person",)

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        from tongxin.people.models import Person

        visible = Person.objects.visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(person__in=visible)


@admin.register(DutyRule)
class DutyRuleAdmin(admin.ModelAdmin):
    list_display = ("duty", "place_kind", "role", "order")
    list_filter = ("duty", "place_kind")
