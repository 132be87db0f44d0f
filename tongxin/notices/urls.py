from django.urls import path

from . import field_views, guide_views, views

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

# The field pages (the daily log on the phone, booking a studio): tongxin/notices/field_views.py.

urlpatterns += [
    path("log/", field_views.log_list, name="log_list"),
    path("log/new/", field_views.log_new, name="log_new"),
    path("log/export/", field_views.log_export, name="log_export"),
    path("log/<int:entry_id>/", field_views.log_detail, name="log_detail"),
    path("log/<int:entry_id>/case/", field_views.log_raise_case, name="log_raise_case"),
    path("log/<int:entry_id>/need/", field_views.log_raise_need, name="log_raise_need"),
    path("studios/", field_views.studios, name="studios"),
    path("studios/<int:studio_id>/", field_views.studio, name="studio"),
    path("studios/<int:studio_id>/book/", field_views.studio_book, name="studio_book"),
    path("studios/<int:studio_id>/day/", field_views.studio_day, name="studio_day"),
    path("bookings/", field_views.my_bookings, name="my_bookings"),
    path("bookings/<int:booking_id>/cancel/", field_views.booking_cancel, name="booking_cancel"),
    path("bookings/<int:booking_id>/mark/", field_views.booking_mark, name="booking_mark"),
    path("guide/", guide_views.guide_list, name="guide"),
    path("guide/<int:service_id>/", guide_views.guide_detail, name="guide_detail"),
    path("guide/<int:service_id>/request/", guide_views.guide_request, name="guide_request"),
]
