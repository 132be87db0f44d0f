from django.urls import path

from . import views, views_more, views_nominations

app_name = "partylife"

urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.me, name="me"),
    path("organisations/<int:organisation_id>/", views.board, name="board"),
    path("organisations/<int:organisation_id>/record/", views.record, name="record"),
    path(
        "organisations/<int:organisation_id>/fixed-day/",
        views_more.fixed_day,
        name="fixed_day",
    ),
    path("organisations/<int:organisation_id>/book.pdf", views_more.book_pdf, name="book_pdf"),
    path("organisations/<int:organisation_id>/book.xlsx", views_more.book_xlsx, name="book_xlsx"),
    path(
        "organisations/<int:organisation_id>/centres/",
        views_more.centre_list,
        name="centres",
    ),
    path("honours/", views_more.honours, name="honours"),
    path("nominations/", views_nominations.index, name="nominations"),
    path(
        "nominations/org/<int:organisation_id>/",
        views_nominations.organisation,
        name="nomination_org",
    ),
    path("nominations/<int:list_id>/", views_nominations.list_page, name="nomination_list"),
    path("nominations/<int:list_id>.pdf", views_nominations.notice_pdf, name="nomination_pdf"),
    path("meetings/<int:meeting_id>/review/", views.review, name="review"),
    path("study/<int:material_id>/", views.study_page, name="study"),
    path("study/<int:material_id>/ping/", views.study_ping, name="study_ping"),
    path("appraisals/<int:appraisal_id>/", views.appraisal, name="appraisal"),
    path("scorecards/", views.cards, name="cards"),
    path("scorecards/export.xlsx", views.cards_export, name="cards_export"),
    path(
        "scorecards/act/<int:organisation_id>/<str:card_act>/",
        views.cards_act,
        name="cards_act",
    ),
    path("scorecards/object/<int:card_pk>/", views.card_object, name="card_object"),
    path("scorecards/<str:card_id>.pdf", views.card_pdf, name="card_pdf"),
    path("scorecards/<str:card_id>/", views.card, name="card"),
]
