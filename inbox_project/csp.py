"""The Content-Security-Policy of every HTML page the app serves.

Scripts and styles come only from our own static files: no inline script, no inline style
attribute, no eval (htmx runs with `allowEval: false` and without its injected indicator
style, see templates/base.html). Pictures and media may also come from the provider CDNs
we copy media from (`MEDIA_DOWNLOAD_HOSTS`): a customer's picture or an attachment keeps the
provider's link until (or unless) our copy is stored. The inbox socket connects to the host
that served the page, so connect-src names that host's ws:/wss: origin.

A response that already carries a policy keeps it: the stored files of /media/ are served
with a stricter sandbox policy (conversations/views/media.py).
"""

from __future__ import annotations

from django.conf import settings

HEADER = "Content-Security-Policy"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def provider_media_sources(hosts) -> list[str]:
    """Source expressions for the hosts (and their subdomains) media may come from: https
    only, except the loopback stand-in of development, which serves plain http on any port."""
    sources: list[str] = []
    for host in hosts:
        host = host.strip().lower().strip(".")
        if not host:
            continue
        if host in LOOPBACK_HOSTS:
            sources.append(f"http://{host}:*")
        else:
            sources += [f"https://{host}", f"https://*.{host}"]
    return sources


def content_security_policy(*, host: str, secure: bool, media_hosts) -> str:
    """The policy for a page served at `host` (the request's validated Host header)."""
    media = " ".join(["'self'", "data:", *provider_media_sources(media_hosts)])
    socket = ("wss://" if secure else "ws://") + host
    directives = [
        ("default-src", "'self'"),
        ("script-src", "'self'"),
        ("style-src", "'self'"),
        ("img-src", media),
        ("media-src", media),
        ("connect-src", f"'self' {socket}"),
        ("font-src", "'self'"),
        ("object-src", "'none'"),
        ("base-uri", "'self'"),
        ("form-action", "'self'"),
        ("frame-ancestors", "'none'"),
    ]
    return "; ".join(f"{name} {value}" for name, value in directives)


class ContentSecurityPolicyMiddleware:
    """Adds the policy to HTML responses that do not set their own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if HEADER not in response and content_type.startswith("text/html"):
            response[HEADER] = content_security_policy(
                host=request.get_host(), secure=request.is_secure(),
                media_hosts=settings.MEDIA_DOWNLOAD_HOSTS,
            )  # fmt: skip
        return response
