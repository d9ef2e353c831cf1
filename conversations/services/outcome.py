"""The conversation's outcome (no sale yet, sale recorded, returned, received) set on its own,
without an order: what an automation rule does ("Chốt đơn" sets it with the order, in
`orders.py`)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from conversations import events
from conversations.models import Conversation, Outcome
from inbox_project.errors import ApplicationError


def conversation_outcome_set(*, conversation: Conversation, outcome: str) -> bool:
    """Set the outcome; False when it already was that (nothing written, nothing pushed)."""
    if outcome not in Outcome.values:
        raise ApplicationError(_("Unknown outcome."), code="outcome")
    changed = (
        Conversation.objects.filter(workspace_id=conversation.workspace_id, pk=conversation.pk)
        .exclude(outcome=outcome)
        .update(outcome=outcome)
    )
    if not changed:
        return False
    conversation.outcome = outcome
    events.conversation_changed(conversation, reason="outcome")
    return True
