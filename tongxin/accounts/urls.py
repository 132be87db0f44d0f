from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/2fa/", views.second_factor_setup, name="second_factor_setup"),
    path("account/2fa/verify/", views.second_factor_verify, name="second_factor_verify"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
]
