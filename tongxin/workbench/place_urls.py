from django.urls import path

from . import place_pages as views

app_name = "places"
urlpatterns = [
    path("", views.browser, name="browser"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/children/", views.children, name="children"),
]
