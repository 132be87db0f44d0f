from django.urls import path

from .views import map_page

app_name = "emap"
urlpatterns = [
    path("", map_page, name="map"),
]
