from django.urls import path

from conversations.consumers import InboxConsumer

websocket_urlpatterns = [
    path("ws/w/<slug:ws>/inbox/", InboxConsumer.as_asgi()),
]
