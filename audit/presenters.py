"""How an entry reads: its kind's words and its details as one short line."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import Role
from audit.kinds import kind_label

ROLE_WORDS = dict(Role.choices)


def _value(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) or "—"
    if isinstance(value, str) and value in ROLE_WORDS:
        return str(ROLE_WORDS[value])
    return str(value)


def details_line(details: dict) -> str:
    """`{"from": "agent", "to": "admin"}` reads "Agent → Admin"; other keys "key: value"."""
    if not isinstance(details, dict):
        return str(details)
    if set(details) == {"from", "to"}:
        return f"{_value(details['from'])} → {_value(details['to'])}"
    parts = []
    for key, value in details.items():
        if isinstance(value, dict) and set(value) == {"from", "to"}:
            parts.append(f"{key}: {_value(value['from'])} → {_value(value['to'])}")
        elif isinstance(value, dict):
            parts.append(f"{key}: {details_line(value)}")
        else:
            parts.append(f"{key}: {_value(value)}")
    return "; ".join(parts)


def actor_words(entry) -> str:
    if entry.actor_id is None:
        return _("Automation")
    return entry.actor_name or _("(a former member)")


def present(entry) -> dict:
    return {"entry": entry, "kind": kind_label(entry.kind), "actor": actor_words(entry),
            "details": details_line(entry.details)}  # fmt: skip
