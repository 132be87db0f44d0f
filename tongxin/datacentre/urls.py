from django.urls import path

from . import module_views, views

app_name = "datacentre"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("records/", views.records, name="records"),
    path("export/", views.export, name="export"),
    path("screen/", views.screen, name="screen"),
    path("screen/figures/", views.screen_figures, name="screen_figures"),
    path("modules/<slug:source>/records/", module_views.records, name="module_records"),
]
