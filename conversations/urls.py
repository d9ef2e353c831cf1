from django.urls import path

from conversations import views

workspace_urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("c/<int:pk>/", views.conversation_detail, name="conversation"),
]
