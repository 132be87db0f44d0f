from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .models import Facility, Place, PointOfInterest


@admin.register(Place)
class PlaceAdmin(TreeAdmin):
    form = movenodeform_factory(Place)
    list_display = ("name", "kind", "code")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    readonly_fields = ("centroid_lat", "centroid_lng", "min_lat", "min_lng", "max_lat", "max_lng")


@admin.register(PointOfInterest)
class PointOfInterestAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "place", "phone")
    list_filter = ("kind",)
    search_fields = ("name", "address")
    raw_id_fields = ("place",)


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "place", "status")
    list_filter = ("kind", "status")
    search_fields = ("name", "address")
    raw_id_fields = ("place",)
