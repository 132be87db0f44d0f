from django.urls import path

from . import views

app_name = "alliance"

urlpatterns = [
    path("", views.board, name="board"),
    path("units/<int:membership_id>/", views.unit, name="unit"),
    path("units/<int:membership_id>/scorecard/", views.scorecard, name="scorecard"),
    path("units/<int:membership_id>/object/", views.object_to, name="object"),
    path("<int:alliance_id>/scorecards/", views.cards, name="cards"),
    path("<int:alliance_id>/scorecards.csv", views.cards_export, name="cards_export"),
    path("<int:alliance_id>/scorecards/<str:card_act>/", views.cards_act, name="cards_act"),
    path("agreements/<int:agreement_id>/", views.agreement, name="agreement"),
    path("agreements/<int:agreement_id>.pdf", views.agreement_pdf, name="agreement_pdf"),
]
