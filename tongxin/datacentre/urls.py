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

# The monthly report (report_views.py) and the open data (opendata.py).
from . import opendata, report_views  # noqa: E402

urlpatterns += [
    path("report/", report_views.report_page, name="report"),
    path("report/pdf/", report_views.report_pdf, name="report_pdf"),
    path("report/xlsx/", report_views.report_xlsx, name="report_xlsx"),
    path("open/", opendata.index, name="open_index"),
    path("open/data.csv", opendata.data_csv, name="open_csv"),
    path("open/data.json", opendata.data_json, name="open_json"),
    path("open/dictionary.csv", opendata.dictionary_csv, name="open_dictionary"),
]
