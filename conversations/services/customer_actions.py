"""What a customer does on a channel besides writing, recorded from webhooks: following or
unfollowing the account (a line in the timeline of their live conversation) and reacting to
a message (kept on that message and shown under its bubble)."""

from __future__ import annotations

from datetime import datetime

from conversations import events
from conversations.models import Conversation, Message
from conversations.services.contacts import LIVE, contact_resolve
from conversations.services.system_events import system_event_create

CONTACT_EVENTS = frozenset({"followed", "unfollowed"})


def contact_event_record(
    *, channel_account, contact_external_id: str, what: str, at: datetime
) -> Message | None:
    """The customer followed / unfollowed the account: the contact is created if new (a
    follower is someone to know), and their live conversation, if any, gets a system line
    (a follow alone opens no conversation). Returns the line, or None."""
    if what not in CONTACT_EVENTS:
        raise ValueError(f"unknown contact event {what!r}")
    contact = contact_resolve(
        channel_account=channel_account, external_id=contact_external_id, seen_at=at
    )
    conversation = (
        Conversation.objects.select_related("workspace")
        .filter(workspace_id=contact.workspace_id, contact=contact, status__in=LIVE)
        .first()
    )
    if conversation is None:
        return None
    return system_event_create(conversation=conversation, user=None, event=what, now=at)


def message_reaction_record(
    *, channel_account, target_external_id: str, emoji: str, by_account: bool
) -> Message | None:
    """A reaction to one of the channel's messages (`emoji` "" takes it back): stored in the
    message's `meta["reactions"]` under "customer" or "account" and pushed. None when the
    message is not one we have."""
    message = (
        Message.objects.select_for_update(of=("self",))
        .filter(
            workspace_id=channel_account.workspace_id,
            channel_account=channel_account,
            external_id=target_external_id,
        )  # fmt: skip
        .first()
    )
    if message is None:
        return None
    who = "account" if by_account else "customer"
    reactions = dict((message.meta or {}).get("reactions") or {})
    if emoji:
        reactions[who] = emoji
    else:
        reactions.pop(who, None)
    message.meta = {**(message.meta or {}), "reactions": reactions}
    message.save(update_fields=["meta"])
    events.message_updated(message)
    return message
