from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("new/", views.report, name="report"),
    path("nearby/", views.nearby, name="nearby"),
    path("suggest/", views.suggest, name="suggest"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/<str:act>/", views.act, name="act"),
    path("<int:pk>/reveal/", views.reveal, name="reveal"),
]
