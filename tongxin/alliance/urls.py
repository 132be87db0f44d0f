from django.urls import path

from . import edit_views, member_views, views

app_name = "alliance"

urlpatterns = [
    path("", views.board, name="board"),
    path("units/<int:membership_id>/", views.unit, name="unit"),
    path("units/<int:membership_id>/scorecard/", views.scorecard, name="scorecard"),
    path("units/<int:membership_id>/object/", views.object_to, name="object"),
    path("<int:alliance_id>/scorecards/", views.cards, name="cards"),
    path("<int:alliance_id>/scorecards.xlsx", views.cards_export, name="cards_export"),
    path("<int:alliance_id>/scorecards/<str:card_act>/", views.cards_act, name="cards_act"),
    path("units/<int:membership_id>/agreement/", edit_views.agreement_edit, name="agreement_edit"),
    path("units/<int:membership_id>/suggestions/", edit_views.suggest, name="suggest"),
    path("suggestions/<int:suggestion_id>/adopt/", edit_views.adopt, name="adopt"),
    path("agreements/<int:agreement_id>/sign/", edit_views.agreement_sign, name="agreement_sign"),
    path("<int:alliance_id>/formula/", edit_views.formula, name="formula"),
    path("members/<int:member_id>/", member_views.member, name="member"),
    path("members/<int:member_id>/pledges/", member_views.pledges, name="pledges"),
    path(
        "members/<int:member_id>/pledges/<int:pledge_id>/",
        member_views.pledge_evaluate,
        name="pledge_evaluate",
    ),
    path("members/<int:member_id>/object/", member_views.object_to, name="member_object"),
    path("objections/<int:objection_id>/answer/", member_views.answer, name="answer"),
    path("agreements/<int:agreement_id>/", views.agreement, name="agreement"),
    path("agreements/<int:agreement_id>.pdf", views.agreement_pdf, name="agreement_pdf"),
]
