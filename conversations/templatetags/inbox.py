"""Formatting for the inbox: money in VND (350.000 ₫), compact times, system event lines."""

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations.money import vnd
from conversations.phone_display import phone_display
from conversations.system_lines import system_line

register = template.Library()


register.filter("vnd", vnd)
register.filter("phone", phone_display)


STAMP_FORMAT = "%H:%M %d/%m/%Y"


@register.filter
def when(moment, now=None) -> str:
    """Today: 14:05; this year: 03/11; older: 03/11/2024 (workspace zone)."""
    if not moment:
        return ""
    return when_local(timezone.localtime(moment), now or timezone.localtime())


def when_local(local, now) -> str:
    """`when` for a moment already in the zone of `now`."""
    if local.date() == now.date():
        return local.strftime("%H:%M")
    if local.year == now.year:
        return local.strftime("%d/%m")
    return local.strftime("%d/%m/%Y")


@register.filter
def bubble_when(moment, now=None) -> str:
    """A message's time always shows the hour: 14:05 today, "Yesterday 14:05",
    14:05 03/11 this year, 14:05 03/11/2024 before (workspace zone)."""
    if not moment:
        return ""
    local, now = timezone.localtime(moment), now or timezone.localtime()
    hour = local.strftime("%H:%M")
    days = (now.date() - local.date()).days
    if days == 0:
        return hour
    if days == 1:
        return _("Yesterday %(time)s") % {"time": hour}
    if local.year == now.year:
        return f"{hour} {local:%d/%m}"
    return f"{hour} {local:%d/%m/%Y}"


@register.filter
def stamp(moment) -> str:
    if not moment:
        return ""
    return timezone.localtime(moment).strftime(STAMP_FORMAT)


@register.filter
def initials(name) -> str:
    words = [w for w in str(name or "").split() if w]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:1].upper()
    return (words[-1][:1]).upper()  # Vietnamese names end with the given name


@register.filter
def avatar_hue(value) -> int:
    return (int(value or 0) * 47) % 360


@register.simple_tag
def system_text(message) -> str:
    """A system line in the reader's language, from its facts; a line whose facts do not make
    a sentence (written before they were kept, or an event this code does not know) shows its
    stored text."""
    return system_line(message.meta) or message.text


# Stored author labels are keys written by the message services and provider adapters, kept
# in English so they never depend on who was logged in; shown in the reader's language.
def _author_labels() -> dict[str, str]:
    return {"Automation": _("Automation"), "Page inbox": _("Page inbox")}


@register.filter
def author_label(value) -> str:
    return _author_labels().get(str(value or ""), str(value or ""))


@register.filter
def attachment_list(message) -> list:
    return [a for a in (message.attachments or []) if isinstance(a, dict)]


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def safe_url(value) -> str:
    """Only http(s) links from provider data, or our own stored files (/media/…, relative to
    the page), reach an href or src."""
    url = str(value or "").strip()
    if url.startswith(settings.MEDIA_URL) and not url.startswith("//") and ".." not in url:
        return url
    return url if url.lower().startswith(("https://", "http://")) else ""


@register.filter
def cap(count) -> str:
    """Badge text: nothing for zero, "99+" past the cap (counts stop there, see selectors)."""
    try:
        value = int(count or 0)
    except (TypeError, ValueError):
        return ""
    if value <= 0:
        return ""
    return "99+" if value > 99 else str(value)
