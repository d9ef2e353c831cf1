"""The filters a list is showing, in words ("Every status · Unread · Label: VIP"), so an
empty list never hides behind a filter the agent cannot see."""

from __future__ import annotations

from django.utils.translation import gettext as _

from conversations.forms import (
    ASSIGN_CHOICES,
    OUTCOME_CHOICES,
    STATUS_CHOICES,
)
from conversations.models import Label
from conversations.selectors.filters import InboxFilters


def _choice(choices, value) -> str:
    return str(dict(choices).get(value, value))


def active_filter_names(*, workspace, filters: InboxFilters, channel_name: str = "") -> list[str]:
    """Every filter that narrows the list, the status always first (it always applies)."""
    if filters.status_chosen:
        status = _choice(STATUS_CHOICES, filters.status)
    elif filters.searching:
        status = _("Every status (search)")
    else:
        status = _choice(STATUS_CHOICES, filters.status)
    names = [_("Status: %(status)s") % {"status": status}]
    if filters.blocked:
        names.append(_("Blocked customers"))
    if filters.assign != "all":
        names.append(_choice(ASSIGN_CHOICES, filters.assign))
    if filters.read == "unread":
        names.append(_("Unread"))
    elif filters.read == "read":
        names.append(_("Read"))
    if filters.unanswered:
        names.append(_("Unanswered"))
    if filters.outcome:
        names.append(_choice(OUTCOME_CHOICES, filters.outcome))
    if filters.channel:
        names.append(_("Page: %(name)s") % {"name": channel_name or "?"})
    if filters.label:
        label = Label.objects.filter(workspace=workspace, pk=filters.label).first()
        names.append(_("Label: %(name)s") % {"name": label.name if label else "?"})
    if filters.phone == "yes":
        names.append(_("Has phone"))
    elif filters.phone == "no":
        names.append(_("No phone"))
    if filters.rating:
        names.append("★" * filters.rating)
    if filters.date_from or filters.date_to:
        start = filters.date_from.strftime("%d/%m/%Y") if filters.date_from else "…"
        end = filters.date_to.strftime("%d/%m/%Y") if filters.date_to else "…"
        names.append(f"{start} – {end}")
    return names
