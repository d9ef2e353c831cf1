from django.urls import path

from channels_app import views

workspace_urlpatterns = [
    path("channels/", views.channel_list, name="channels"),
]
