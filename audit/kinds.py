"""What the audit log records: each kind's stable key (stored), its group (the filter's
headings) and its words (translated at render, never stored)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

GROUPS = {
    "members": _("Members"),
    "channels": _("Channels"),
    "settings": _("Settings"),
    "customers": _("Customers"),
    "sending": _("Sending"),
    "automation": _("Automation"),
}

KINDS = {
    "member.role_changed": ("members", _("Role changed")),
    "member.removed": ("members", _("Member removed")),
    "member.reinstated": ("members", _("Member reinstated")),
    "invitation.sent": ("members", _("Invitation sent")),
    "invitation.revoked": ("members", _("Invitation withdrawn")),
    "invitation.accepted": ("members", _("Invitation accepted")),
    "channel.connected": ("channels", _("Channel connected")),
    "channel.reconnected": ("channels", _("Channel reconnected")),
    "channel.disconnected": ("channels", _("Channel disconnected")),
    "routing.settings_changed": ("settings", _("Routing settings changed")),
    "routing.agents_changed": ("settings", _("Agent list changed")),
    "routing.capacity_changed": ("settings", _("Agent capacity changed")),
    "automation.rule_created": ("settings", _("Rule created")),
    "automation.rule_changed": ("settings", _("Rule changed")),
    "automation.rule_switched": ("settings", _("Rule switched on or off")),
    "automation.sequence_created": ("settings", _("Follow-up sequence created")),
    "automation.sequence_changed": ("settings", _("Follow-up sequence changed")),
    "automation.comment_guard_changed": ("settings", _("Comment hiding changed")),
    "labels.set_copied": ("settings", _("Label set copied")),
    "customer.unblocked": ("customers", _("Customer unblocked")),
    "message.policy_send": ("sending", _("Sent under a message tag")),
    "automation.action": ("automation", _("Automated action")),
}


def kind_label(kind: str) -> str:
    entry = KINDS.get(kind)
    return str(entry[1]) if entry else kind


def kind_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The filter's options, grouped: [(group words, [(key, words), …]), …]."""
    return [
        (str(words), [(key, str(label)) for key, (g, label) in KINDS.items() if g == group])
        for group, words in GROUPS.items()
    ]
