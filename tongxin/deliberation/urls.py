from django.urls import path

from . import election_views, micro_views, paper_views, views

app_name = "deliberation"

urlpatterns = [
    path("votes/", views.votes, name="votes"),
    path("votes/new/", views.vote_new, name="vote_new"),
    path("votes/<int:vote_id>/", views.vote, name="vote"),
    path("votes/<int:vote_id>/ballot/", views.ballot, name="ballot"),
    path("votes/<int:vote_id>/receipt/", views.receipt, name="receipt"),
    path("votes/<int:vote_id>/close/", views.vote_close, name="vote_close"),
    path("votes/<int:vote_id>/result/", views.vote_result, name="vote_result"),
    path("votes/<int:vote_id>/result.csv", paper_views.result_csv, name="vote_result_csv"),
    path("votes/<int:vote_id>/paper/", paper_views.paper, name="vote_paper"),
    path("votes/<int:vote_id>/paper/enter/", paper_views.paper_enter, name="vote_paper_enter"),
    path("votes/<int:vote_id>/sheets/", paper_views.sheets, name="vote_sheets"),
    path("micro/", micro_views.micros, name="micros"),
    path("micro/<int:meeting_id>/", micro_views.micro, name="micro"),
    path("micro/<int:meeting_id>/join/", micro_views.micro_join, name="micro_join"),
    path("micro/<int:meeting_id>/hand/", micro_views.micro_hand, name="micro_hand"),
    path("micro/<int:meeting_id>/floor/", micro_views.micro_floor, name="micro_floor"),
    path("micro/<int:meeting_id>/vote/", micro_views.micro_vote, name="micro_vote"),
    path("topics/", views.topics, name="topics"),
    path("topics/new/", views.topic_new, name="topic_new"),
    path("topics/from-case/<int:case_id>/", views.topic_from_case, name="topic_from_case"),
    path("topics/from-log/<int:entry_id>/", views.topic_from_log, name="topic_from_log"),
    path("topics/<int:topic_id>/", views.topic, name="topic"),
    path("topics/<int:topic_id>/notice/", views.topic_notice, name="topic_notice"),
    path("topics/<int:topic_id>/<str:act>/", views.topic_act, name="topic_act"),
    path("elections/", election_views.elections, name="elections"),
    path("elections/<int:election_id>/", election_views.election, name="election"),
    path(
        "elections/<int:election_id>/nominate/", election_views.nominate, name="election_nominate"
    ),
    path(
        "elections/<int:election_id>/candidates/<int:candidate_id>/finding/",
        election_views.finding,
        name="election_finding",
    ),
    path(
        "elections/<int:election_id>/<str:act>/", election_views.election_act, name="election_act"
    ),
]
