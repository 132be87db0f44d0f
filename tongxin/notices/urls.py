from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [
    path("notices/", views.notice_list, name="list"),
    path("notices/<int:notice_id>/", views.notice_detail, name="detail"),
    path("notices/<int:notice_id>/receipts/", views.notice_receipts, name="receipts"),
    path("board/<int:community_id>/", views.board, name="board"),
    path("contact-card/", views.contact_card, name="card"),
    path("contact-card/<int:place_id>.pdf", views.card_pdf, name="card_pdf"),
]
