"""Every app's socket routes, gathered for the ASGI router."""

from conversations.websocket_urls import websocket_urlpatterns as inbox_sockets

websocket_urlpatterns: list = [*inbox_sockets]
