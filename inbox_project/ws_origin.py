"""WebSocket origin check: the whole origin (scheme, host and port) must be one of the site's.

Channels' AllowedHostsOriginValidator compares only the host with ALLOWED_HOSTS, so
http://localhost:9999 passed for a site at https://localhost. Here the browser's Origin header
must equal one of SITE_ORIGINS (default: SITE_URL), after filling in default ports. In
development (WS_ALLOW_LOOPBACK_ORIGINS, on with DEBUG) any loopback origin is accepted too.
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def normalized(origin: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(origin.strip())
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname or port is None:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port


def origin_allowed(origin: str) -> bool:
    candidate = normalized(origin)
    if candidate is None:
        return False
    if settings.WS_ALLOW_LOOPBACK_ORIGINS and candidate[1] in LOOPBACK:
        return True
    return candidate in {normalized(site) for site in settings.SITE_ORIGINS}


class SiteOriginValidator:
    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            origin = dict(scope.get("headers") or []).get(b"origin", b"").decode("latin1")
            if not origin_allowed(origin):
                return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
