"""How the provider edge reacts to what happens in the inbox (registered in
ChannelsAppConfig.ready()).

- A reply or a comment action was queued → deliver it, after the commit (the delivery
  sweeper finds a pending row again if the broker was down).
- A reply went out under a policy exception → its audit row, inside the transaction (the
  reply and the proof of why it was allowed commit together).
- A contact the provider did not name was created → look its profile up, after the commit.
"""

from __future__ import annotations

from channels_app.models import PolicyAuditEntry
from channels_app.services.profiles import contact_profile_fetch_enqueue
from conversations import domain_events as de
from conversations.models import Conversation, Message
from inbox_project.domain_events import AFTER_COMMIT, IN_TRANSACTION, subscribe
from inbox_project.on_commit import enqueue_on_commit


def on_message_queued(event: de.MessageQueued) -> None:
    enqueue_on_commit("channels_app.tasks.message_deliver_task", event.workspace_id,
                      event.message_id)  # fmt: skip


def on_comment_action_queued(event: de.CommentActionQueued) -> None:
    enqueue_on_commit("channels_app.tasks.message_deliver_action_task", event.workspace_id,
                      event.message_id, event.action)  # fmt: skip


def audit_tagged_reply(event: de.MessageQueued) -> None:
    if not event.tagged:
        return
    message = Message.objects.get(workspace_id=event.workspace_id, pk=event.message_id)
    last_inbound_at = (
        Conversation.objects.filter(workspace_id=event.workspace_id, pk=event.conversation_id)
        .values_list("last_inbound_at", flat=True)
        .first()
    )
    hours = None
    if last_inbound_at is not None:
        hours = round((event.queued_at - last_inbound_at).total_seconds() / 3600, 2)
    PolicyAuditEntry.objects.create(
        workspace_id=event.workspace_id, channel_account_id=event.channel_account_id,
        conversation_id=event.conversation_id, message=message, user_id=event.author_id,
        is_automated=event.automated, tag=event.purpose.split(":", 1)[0],
        purpose=(message.meta or {}).get("purpose", ""), hours_since_inbound=hours,
        created_at=event.queued_at,
    )  # fmt: skip


def on_contact_created(event: de.ContactCreated) -> None:
    if not event.named:  # Messenger and Instagram name nobody: ask the provider
        contact_profile_fetch_enqueue(workspace_id=event.workspace_id, contact_id=event.contact_id)


def register() -> None:
    subscribe(de.MessageQueued, audit_tagged_reply, phase=IN_TRANSACTION)
    subscribe(de.MessageQueued, on_message_queued, phase=AFTER_COMMIT)
    subscribe(de.CommentActionQueued, on_comment_action_queued, phase=AFTER_COMMIT)
    subscribe(de.ContactCreated, on_contact_created, phase=AFTER_COMMIT)
