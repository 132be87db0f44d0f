from django.urls import path

from . import metrics, views

app_name = "core"
urlpatterns = [
    path("files/<uuid:pk>/", views.file_download, name="file"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
]
