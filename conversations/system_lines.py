"""The words of a timeline system line, from the facts its event stored in `Message.meta`.

A system line (a claim, a release by the anti-steal timer, a label added, an order recorded…)
is stored as facts: the event, who did it (id and a snapshot of their name), to and from
whom, minutes, the amount. `system_line` turns those facts into a sentence in the active
language at display time, so every reader sees their own language. It answers None when the
facts are not enough for a sentence; the caller then shows the stored plain text.

Pure: no database, no request; the active translation decides the language.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from conversations.money import vnd

ASSIGNMENT = "assignment"


def _name(facts: Mapping, role: str) -> str:
    """The name snapshot of `role` ("actor", "to", "from"); rows written before the facts
    had an `_name` suffix keep the actor's under "actor"."""
    value = facts.get(f"{role}_name")
    if not value and role == "actor":
        value = facts.get("actor")
    return str(value or "").strip()


def _assignment(facts: Mapping) -> str | None:
    reason = facts.get("reason")
    names = {"actor": _name(facts, "actor"), "to": _name(facts, "to"), "from": _name(facts, "from")}
    if reason == "released_by_timer":
        minutes = facts.get("minutes")
        if not names["from"] or not isinstance(minutes, int) or isinstance(minutes, bool):
            return None
        return ngettext(
            "Released from %(from)s: no reply within %(minutes)s minute",
            "Released from %(from)s: no reply within %(minutes)s minutes",
            minutes,
        ) % {"from": names["from"], "minutes": minutes}
    templates = {
        "claimed": (("to",), _("%(to)s claimed this customer")),
        "auto_assigned": (("to",), _("Assigned to %(to)s by round robin")),
        "released": (("actor",), _("%(actor)s released this customer to the pool")),
        "transferred": (("actor", "to"), _("%(actor)s transferred this customer to %(to)s")),
        "admin_assigned": (("actor", "to"), _("%(actor)s assigned this customer to %(to)s")),
        "admin_unassigned": (("actor", "from"), _("%(actor)s unassigned %(from)s")),
        "closed": (("actor",), _("%(actor)s ended the consultation")),
        "reopened": (("actor",), _("%(actor)s reopened the conversation")),
    }
    if reason not in templates:
        return None
    needed, text = templates[reason]
    if not all(names[role] for role in needed):
        return None
    return text % names


def _by_actor(event: str, facts: Mapping) -> str | None:
    actor = _name(facts, "actor")
    if not actor:
        return None
    if event in ("label_added", "label_removed"):
        label = str(facts.get("label") or "").strip()
        if not label:
            return None
        if event == "label_added":
            return _("%(actor)s added label “%(label)s”") % {"actor": actor, "label": label}
        return _("%(actor)s removed label “%(label)s”") % {"actor": actor, "label": label}
    if event == "order_created":
        amount = facts.get("amount_vnd")
        if not isinstance(amount, int) or isinstance(amount, bool):
            return None
        return _("%(actor)s recorded an order of %(amount)s") % {
            "actor": actor,
            "amount": vnd(amount),
        }
    if event == "unblocked" and str(facts.get("reason") or "").strip():
        return _("%(actor)s unblocked this customer: %(reason)s") % {
            "actor": actor,
            "reason": str(facts["reason"]).strip(),
        }
    texts = {
        "closed": _("%(actor)s ended the consultation"),
        "archived": _("%(actor)s archived the conversation"),
        "reopened": _("%(actor)s reopened the conversation"),
        "unarchived": _("%(actor)s brought the conversation back from the archive"),
        "blocked": _("%(actor)s blocked this customer"),
        "unblocked": _("%(actor)s unblocked this customer"),
    }
    if event not in texts:
        return None
    return texts[event] % {"actor": actor}


def system_line(facts: Mapping | None) -> str | None:
    """The sentence for one system event's facts, or None when they do not make one."""
    if not isinstance(facts, Mapping):
        return None
    event = facts.get("event")
    if event == ASSIGNMENT:
        return _assignment(facts)
    if event == "reopened" and facts.get("by") == "customer":
        return _("The customer wrote again: conversation reopened")
    if event == "followed":
        return _("The customer followed the Zalo OA")
    if event == "unfollowed":
        return _("The customer unfollowed the Zalo OA")
    if isinstance(event, str):
        return _by_actor(event, facts)
    return None
