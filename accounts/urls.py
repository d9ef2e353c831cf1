from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.set_language, name="set_language"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
]

workspace_urlpatterns = [
    path("members/", views.members, name="members"),
    path("members/<int:pk>/", views.member_update, name="member_update"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("settings/", views.workspace_settings, name="workspace_settings"),
]
