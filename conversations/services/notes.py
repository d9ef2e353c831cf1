"""Internal notes: one in the conversation's timeline (the customer never sees it) or one on
the customer, shown in the customer pane.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from conversations import events
from conversations.models import (
    Conversation,
    CustomerNote,
    Direction,
    Message,
    MessageKind,
)
from inbox_project.errors import ApplicationError

NOTE_MAX_CHARS = 5000


def conversation_note_add(*, conversation: Conversation, user, text: str) -> Message:
    """An internal note in the timeline (green): the customer never sees it."""
    text = text.strip()
    if not text:
        raise ApplicationError(_("The note is empty."), code="empty")
    if len(text) > NOTE_MAX_CHARS:
        raise ApplicationError(_("The note is too long."), code="too_long")
    return note_message_create(conversation=conversation, author=user, text=text)


def note_message_create(
    *, conversation: Conversation, author, text: str, meta: dict | None = None, now=None
) -> Message:
    """Write an internal note to the timeline and push it (no checks: callers validate).
    Routing's transfer hand-off note is one too, with its facts in `meta`."""
    times = {"sent_at": now, "created_at": now} if now is not None else {}
    message = Message.objects.create(
        workspace_id=conversation.workspace_id, conversation=conversation,
        channel_account_id=conversation.channel_account_id, direction=Direction.OUT,
        kind=MessageKind.NOTE, text=text, author=author, meta=meta or {}, **times,
    )  # fmt: skip
    events.message_created(message)
    return message


def customer_note_add(*, conversation: Conversation, user, text: str) -> CustomerNote:
    text = text.strip()
    if not text:
        raise ApplicationError(_("The note is empty."), code="empty")
    note = CustomerNote.objects.create(
        workspace_id=conversation.workspace_id,
        customer_id=conversation.customer_id,
        author=user,
        text=text[:NOTE_MAX_CHARS],
    )
    events.conversation_changed(conversation, reason="customer")
    return note
