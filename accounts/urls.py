from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import signup_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.set_language, name="set_language"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("signup/", signup_views.signup_form, name="signup"),
    path("signup/sent/", signup_views.signup_sent, name="signup_sent"),
    path("signup/resend/", signup_views.signup_resend, name="signup_resend"),
    path("signup/verify/<str:token>/", signup_views.signup_verify, name="signup_verify"),
]

workspace_urlpatterns = [
    path("members/", views.members, name="members"),
    path("members/<int:pk>/", views.member_update, name="member_update"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("settings/", views.workspace_settings, name="workspace_settings"),
]
