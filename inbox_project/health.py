"""`/healthz`: is this process ready to serve? For load balancers and compose.

It checks PostgreSQL and Redis, and renders a real page (the login page, through its own
view and templates), so that a deploy whose pages cannot render (a missing static files
manifest, a broken template) is reported as down instead of answering 500 to every visitor
while the health check stays green.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.urls import resolve, reverse
from django.views.decorators.cache import never_cache


def _describe(exc: Exception) -> str:
    return f"error: {exc.__class__.__name__}: {exc}"[:300]


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_redis() -> str:
    cache.set("healthz", "1", 5)
    return "ok" if cache.get("healthz") == "1" else "error: no echo"


def _check_pages(request) -> str:
    """Render the login page the way a visitor gets it (static tags, templates, i18n)."""
    match = resolve(reverse(settings.LOGIN_URL))
    response = match.func(request, *match.args, **match.kwargs)
    if hasattr(response, "render"):
        response.render()
    if response.status_code >= 400:
        return f"error: the login page answered {response.status_code}"
    return "ok"


@never_cache
def healthz(request):
    checks = {}
    for name, check in (
        ("database", _check_database),
        ("redis", _check_redis),
        ("pages", lambda: _check_pages(request)),
    ):
        try:
            checks[name] = check()
        except Exception as exc:  # report, never raise: this page exists to say what is down
            checks[name] = _describe(exc)
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(checks, status=200 if healthy else 503)
