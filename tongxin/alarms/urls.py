from django.urls import path

from . import views

app_name = "alarms"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("measures/", views.measures, name="measures"),
    path("devices/", views.devices, name="devices"),
    path("devices/new/", views.device_new, name="device_new"),
    path("devices/new/<int:person_id>/", views.device_register, name="device_register"),
    path("devices/<int:device_id>/revoke/", views.revoke, name="revoke"),
    path("<int:alarm_id>/", views.detail, name="detail"),
    path("<int:alarm_id>/reveal/<int:contact_id>/", views.reveal, name="reveal"),
    path("<int:alarm_id>/<slug:act>/", views.act, name="act"),
]
