from django.urls import path

from . import views

app_name = "insight"
urlpatterns = [
    path("trends/", views.trends, name="trends"),
    path("trends/texts/", views.texts, name="texts"),
]
