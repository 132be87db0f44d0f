from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [
    path("contact-card/<int:place_id>.pdf", views.card_pdf, name="card_pdf"),
]
