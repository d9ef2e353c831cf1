"""The composition root: the URL and socket routes of every app, and the ASGI entry point.
Nothing imports this package but Django (ROOT_URLCONF) and the ASGI server."""
