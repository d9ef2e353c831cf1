"""Template filters for media we keep a copy of (channels_app.services.media)."""

from django import template

from channels_app.services import media

register = template.Library()


@register.filter
def attachment_src(attachment) -> str:
    """Where the timeline loads an attachment from: our stored copy when there is one (the
    provider's link expires), else the provider's http(s) link, else nothing."""
    if not isinstance(attachment, dict):
        return ""
    path = attachment.get("stored_path")
    if isinstance(path, str) and path:
        return media.stored_url(path)
    url = str(attachment.get("url") or "").strip()
    return url if url.lower().startswith(("https://", "http://")) else ""
