from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("people/", views.person_list, name="list"),
    path("people/<int:pk>/", views.person_detail, name="detail"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("people/export/", views.export, name="export"),
    path("people/import/", views.import_start, name="import"),
    path("people/import/template/", views.import_template, name="import_template"),
    path("people/import/<int:job_id>/", views.import_job, name="import_job"),
]
