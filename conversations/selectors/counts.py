"""The badge counts of the inbox's tabs, capped so a count never scans a big workspace."""

from __future__ import annotations

from conversations.models import (
    Conversation,
    ConversationStatus,
)
from conversations.selectors.filters import conversations_not_blocked
from conversations.selectors.read_markers import unread_for
from conversations.selectors.rows import ORDER

COUNT_CAP = 99  # counts above this show as "99+": a count never scans a big workspace


def inbox_counts(*, workspace, user) -> dict[str, int]:
    """Badge counts of the list head, each capped at COUNT_CAP + 1 rows: constant cost.

    Ordered like the list, so PostgreSQL reads an ordered `(workspace, …, -last_message_at)`
    index newest first, where open conversations are; unordered, it chose a sequential scan
    that wades through old, closed rows first (thousands of rows on a big workspace)."""
    base = conversations_not_blocked(
        Conversation.objects.filter(workspace=workspace, status=ConversationStatus.OPEN),
        workspace=workspace,
    )

    def capped(queryset) -> int:
        return queryset.order_by(*ORDER).values("id")[: COUNT_CAP + 1].count()

    return {
        "unread": capped(base.filter(unread_for(user))),  # the person's own unread
        "mine": capped(base.filter(assignee=user)),
        "unassigned": capped(base.filter(assignee__isnull=True)),
    }
