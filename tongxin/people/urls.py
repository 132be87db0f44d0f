from django.urls import path

from . import views, views_reveal, views_rights

app_name = "people"
urlpatterns = [
    path("people/", views.person_list, name="list"),
    path("people/<int:pk>/", views.person_detail, name="detail"),
    path("people/<int:pk>/reveal/", views_reveal.reveal, name="reveal"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("people/export/", views.export, name="export"),
    path("people/import/", views.import_start, name="import"),
    path("people/import/template/", views.import_template, name="import_template"),
    path("people/import/<int:job_id>/", views.import_job, name="import_job"),
    # Residents' rights (PIPL Art. 44-47): my data, corrections, erasure.
    path("me/", views_rights.my_data, name="my_data"),
    path("me/export.json", views_rights.my_data_json, name="my_data_json"),
    path("me/export.csv", views_rights.my_data_csv, name="my_data_csv"),
    path("me/corrections/new/", views_rights.correction_new, name="correction_new"),
    path("corrections/", views_rights.correction_list, name="corrections"),
    path("corrections/<int:pk>/", views_rights.correction_detail, name="correction"),
    path("people/<int:pk>/erase/", views_rights.person_erase, name="erase"),
]
