"""Language and tenancy, resolved once per request."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

from accounts.access import membership_for

SUPPORTED = {code for code, _ in settings.LANGUAGES}


class UserLanguageMiddleware:
    """Vietnamese unless the person chose otherwise (language cookie, set at login and by the
    language switch). Browser Accept-Language is ignored on purpose: shops expect Vietnamese."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in SUPPORTED else settings.LANGUAGE_CODE
        request.language_chosen = chosen in SUPPORTED
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class TenancyMiddleware:
    """Views under `/w/<ws>/` get `request.workspace` and `request.membership`.

    A visitor who is not an active member of that workspace gets a 404 (never a 403: a
    foreign workspace must not even be confirmed to exist). The workspace's time zone and,
    unless the person chose a language, its language are activated for the request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.workspace = None
        request.membership = None
        timezone.activate(zoneinfo.ZoneInfo(settings.TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(self, request, view_func, view_args, view_kwargs):
        slug = view_kwargs.pop("ws", None)
        if slug is None:
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = membership_for(user=request.user, slug=slug)
        if membership is None:
            raise Http404("No such workspace")
        request.membership = membership
        request.workspace = membership.workspace
        if request.session.get("last_workspace") != slug:
            request.session["last_workspace"] = slug  # where "home" takes this person next
        try:
            timezone.activate(zoneinfo.ZoneInfo(membership.workspace.time_zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
        if not request.language_chosen and membership.workspace.language in SUPPORTED:
            translation.activate(membership.workspace.language)
            request.LANGUAGE_CODE = membership.workspace.language
        return None
