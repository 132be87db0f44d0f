from django.urls import path

from . import views

app_name = "matching"
urlpatterns = [
    path("", views.needs, name="needs"),
    path("needs.csv", views.needs_export, name="needs_export"),
    path("new/", views.need_new, name="need_new"),
    path("needs/<int:need_id>/", views.need, name="need"),
    path("needs/<int:need_id>/act/<str:need_act>/", views.need_act, name="need_act"),
    path("wishes/", views.wishes, name="wishes"),
    path("wishes/<int:wish_id>/claim/", views.wish_claim, name="wish_claim"),
    path("stations/<int:station_id>/", views.station, name="station"),
]
