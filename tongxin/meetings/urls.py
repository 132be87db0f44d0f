from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    path("", views.meetings, name="list"),
    path("new/", views.convene, name="new"),
    path("actions/", views.actions, name="actions"),
    path("actions/<int:item_id>/act/<str:item_act>/", views.action_act, name="action_act"),
    path("<int:meeting_id>/", views.meeting, name="meeting"),
    path("<int:meeting_id>/qr/", views.qr_screen, name="qr"),
    path("<int:meeting_id>/sign-in/", views.sign_in, name="sign_in"),
    path("<int:meeting_id>/act/<str:meeting_act>/", views.act, name="act"),
    path("<int:meeting_id>/record/", views.record, name="record"),
    path("<int:meeting_id>/apology/", views.apology, name="apology"),
    path("<int:meeting_id>/resolutions/", views.resolution, name="resolution"),
    path("<int:meeting_id>/files/", views.files, name="files"),
]
