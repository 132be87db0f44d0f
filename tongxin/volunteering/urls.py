from django.urls import path

from . import views

app_name = "volunteering"
urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("activities/", views.activities, name="activities"),
    path("activities/<int:activity_id>/", views.activity, name="activity"),
    path("activities/<int:activity_id>/signup/", views.signup, name="signup"),
    path("activities/<int:activity_id>/roster/", views.roster, name="roster"),
    path("activities/<int:activity_id>/qr.svg", views.qr, name="qr"),
    path("activities/<int:activity_id>/scan/", views.scan, name="scan"),
    path("signups/<int:signup_id>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("signups/<int:signup_id>/check-in/", views.signup_check_in, name="signup_check_in"),
    path("signups/<int:signup_id>/check-out/", views.signup_check_out, name="signup_check_out"),
    path("signups/<int:signup_id>/confirm/", views.signup_confirm, name="signup_confirm"),
    path("rewards/", views.rewards, name="rewards"),
    path("rewards/<int:reward_id>/redeem/", views.redeem, name="redeem"),
    path("orders/<int:order_id>/cancel/", views.order_cancel, name="order_cancel"),
    path("orders/<int:order_id>/fulfil/", views.order_fulfil, name="order_fulfil"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("honours/<int:honour_id>/certificate/", views.certificate, name="certificate"),
    path("manage/volunteers/", views.volunteers, name="volunteers"),
    path("manage/volunteers.csv", views.volunteers_export, name="volunteers_export"),
    path("manage/volunteers/<int:volunteer_id>/review/", views.review, name="review"),
    path("manage/ledger/", views.ledger_page, name="ledger"),
    path("manage/ledger.csv", views.ledger_export, name="ledger_export"),
    path("manage/orders/", views.orders, name="orders"),
]
