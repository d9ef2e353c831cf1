"""Writing a system line into a conversation's timeline (a claim, a label added, an order
recorded…). Routing writes its owner changes through here as well.

The line is stored as facts in `Message.meta` (event, actor id and name snapshot, targets,
minutes, amount) and rendered in each reader's language by `conversations.system_lines`.
`Message.text` keeps a plain-text fallback in the workspace's language for search and export;
it is shown only when the facts cannot make a sentence.
"""

from __future__ import annotations

from django.utils import timezone, translation

from conversations import events
from conversations.models import Conversation, Direction, Message, MessageKind
from conversations.system_lines import system_line


def system_event_create(
    *, conversation: Conversation, user, event: str, now=None, **facts
) -> Message:
    """One system line; `user` is who did it (None for the system: round robin, the
    anti-steal timer, a customer writing again)."""
    now = now or timezone.now()
    meta = {"event": event, **facts}
    if user is not None:
        meta.setdefault("actor_id", user.pk)
        meta.setdefault("actor_name", user.display_name)
    with translation.override(conversation.workspace.language or "vi"):
        text = system_line(meta) or event
    message = Message.objects.create(
        workspace_id=conversation.workspace_id,
        conversation=conversation,
        channel_account_id=conversation.channel_account_id,
        direction=Direction.OUT,
        kind=MessageKind.SYSTEM,
        text=text[:1000],
        author=user,
        meta=meta,
        sent_at=now,
        created_at=now,
    )
    events.message_created(message)
    return message
