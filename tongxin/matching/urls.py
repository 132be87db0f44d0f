from django.urls import path

from . import project_views, views

app_name = "matching"
urlpatterns = [
    path("", views.needs, name="needs"),
    path("needs.csv", views.needs_export, name="needs_export"),
    path("new/", views.need_new, name="need_new"),
    path("needs/<int:need_id>/", views.need, name="need"),
    path("needs/<int:need_id>/act/<str:need_act>/", views.need_act, name="need_act"),
    path("wishes/", views.wishes, name="wishes"),
    path("wishes/<int:wish_id>/claim/", views.wish_claim, name="wish_claim"),
    path("stations/<int:station_id>/", views.station, name="station"),
    path("projects/", project_views.projects, name="projects"),
    path("projects.csv", project_views.projects_export, name="projects_export"),
    path("projects/new/", project_views.project_new, name="project_new"),
    path("projects/<int:project_id>/", project_views.project, name="project"),
    path(
        "projects/<int:project_id>/act/<str:project_act>/",
        project_views.project_act,
        name="project_act",
    ),
    path(
        "projects/<int:project_id>/milestones/",
        project_views.milestone_add,
        name="project_milestone_add",
    ),
    path(
        "projects/<int:project_id>/milestones/<int:milestone_id>/done/",
        project_views.milestone_done,
        name="project_milestone_done",
    ),
    path("projects/<int:project_id>/funds/", project_views.project_money, name="project_money"),
]
