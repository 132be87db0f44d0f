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
    # Publishing, the printed 简报, 三务公开 and the conventions (part A of issue 22).
    path("notices/new/", views.notice_new, name="new"),
    path("notices/<int:notice_id>/bulletin/", views.bulletin, name="bulletin"),
    path("notices/<int:notice_id>/bulletin.pdf", views.bulletin_pdf, name="bulletin_pdf"),
    path("disclosures/", views.disclosures, name="disclosures"),
    path("disclosures/new/", views.disclosure_new, name="disclosure_new"),
    path("disclosures/<int:disclosure_id>/act/", views.disclosure_act, name="disclosure_act"),
    path("conventions/", views.conventions, name="conventions"),
    path("conventions/new/", views.convention_new, name="convention_new"),
    path("conventions/<int:convention_id>/", views.convention_detail, name="convention"),
    path("conventions/<int:convention_id>/adopt/", views.convention_adopt, name="convention_adopt"),
]
