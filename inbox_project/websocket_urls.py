"""Every app's socket routes, gathered for the ASGI router."""

websocket_urlpatterns: list = []
