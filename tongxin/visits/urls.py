from django.urls import path

from . import views

app_name = "visits"
urlpatterns = [
    path("", views.due, name="due"),
    path("sheet/", views.sheet, name="sheet"),
    path("board/", views.board, name="board"),
    path("board/export/", views.export, name="export"),
    path("pairs/", views.pair_list, name="pairs"),
    path("pairs/<int:pair_id>/knock/", views.knock, name="knock"),
    path("person/<int:person_id>/", views.timeline, name="timeline"),
    path("person/<int:person_id>/event/", views.event, name="event"),
    path("<int:task_id>/", views.task, name="task"),
]
