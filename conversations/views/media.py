"""`/media/<name>`: every stored file is served through here, in development and production,
with headers decided from its bytes (`conversations.files.serving_headers`): pictures inline,
anything else as a sandboxed download, never sniffed by the browser.

Who may fetch: an active member of the workspace the file belongs to (its name starts with
`<folder>/<workspace id>/`), or anyone holding the signed link we gave a provider for a file
we sent. Anyone else gets 404, as does a name outside MEDIA_ROOT.

Who sends the bytes: with `MEDIA_ACCEL_REDIRECT_PREFIX` set (production, behind
deploy/nginx.conf) the answer is empty and carries `X-Accel-Redirect: <prefix><name>`, so nginx
sends the file from its `internal` location, which no request can reach directly; without it
(development, tests) this view streams the file itself."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.utils._os import safe_join
from django.views.decorators.http import require_safe

from accounts.models import Membership
from conversations import files as rules

CACHE_CONTROL = "private, max-age=86400"


def _may_read(request, name: str) -> bool:
    if rules.signature_valid(name, request.GET.get("s", "")):
        return True
    workspace_id = rules.workspace_of(name)
    user = request.user
    if workspace_id is None or not user.is_authenticated:
        return False
    return Membership.objects.filter(user=user, workspace_id=workspace_id, is_active=True).exists()


def accel_redirect_target(prefix: str, name: str) -> str:
    """The internal nginx URI for a stored name (percent-encoded, as nginx decodes it)."""
    return prefix.rstrip("/") + "/" + quote(name, safe="/")


@require_safe
def media_file(request, name: str):
    try:
        safe_join(default_storage.location, name)
    except Exception:  # a name that leaves MEDIA_ROOT
        raise Http404 from None
    if not _may_read(request, name) or not default_storage.exists(name):
        raise Http404
    handle = default_storage.open(name, "rb")
    head = handle.read(rules.SNIFF_BYTES)
    headers = rules.serving_headers(name, head)
    prefix = settings.MEDIA_ACCEL_REDIRECT_PREFIX
    if prefix:
        handle.close()
        response = HttpResponse(content_type=headers.pop("Content-Type"))
        response["X-Accel-Redirect"] = accel_redirect_target(prefix, name)
    else:
        handle.seek(0)
        response = FileResponse(handle, content_type=headers.pop("Content-Type"))
    response["Content-Disposition"] = headers.pop("Content-Disposition")
    for key, value in headers.items():
        response[key] = value
    response["Cache-Control"] = CACHE_CONTROL
    return response
