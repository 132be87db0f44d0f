from django.urls import path

from . import views

app_name = "inbox"
urlpatterns = [
    path("", views.inbox, name="list"),
    path("<int:pk>/", views.open_message, name="open"),
    path("read-all/", views.read_all, name="read_all"),
]
