"""The domain events the conversation services publish, built from the rows they wrote.

One function a fact, so a service says `announcements.reply_queued(message)` and the payload
is assembled in one place (the registry and its payloads: conversations/domain_events.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from accounts.admin_actions import admin_action_publish
from conversations import domain_events as de
from conversations.models import Conversation, Message, MessageKind
from inbox_project.domain_events import publish


def messages_received(messages: Sequence[Message], conversations: Sequence[Conversation]) -> None:
    """Customer messages were stored (not those of blocked customers); `conversations` are
    the locked, fresh rows they landed in, for routing's in-transaction decision."""
    if not messages:
        return
    by_id = {c.pk: c for c in conversations}
    items = tuple(
        de.ReceivedMessage(
            message_id=m.pk,
            conversation_id=m.conversation_id,
            channel_account_id=m.channel_account_id,
            customer_id=by_id[m.conversation_id].customer_id,
            kind=m.kind,
            received_at=m.sent_at,
            text=m.text,
        )  # fmt: skip
        for m in messages
    )
    publish(de.MessagesReceived(workspace_id=messages[0].workspace_id, messages=items,
                                conversations=tuple(conversations)))  # fmt: skip
    for m in messages:
        if m.kind == MessageKind.COMMENT:
            publish(de.CommentReceived(
                workspace_id=m.workspace_id, message_id=m.pk, conversation_id=m.conversation_id,
                channel_account_id=m.channel_account_id, post_id=(m.meta or {}).get("post_id", ""),
                received_at=m.sent_at,
            ))  # fmt: skip


def contact_created(contact, *, named: bool, at) -> None:
    publish(de.ContactCreated(
        workspace_id=contact.workspace_id, contact_id=contact.pk, customer_id=contact.customer_id,
        channel_account_id=contact.channel_account_id, named=named, created_at=at,
    ))  # fmt: skip


def conversation_opened(conversation: Conversation, *, at) -> None:
    publish(de.ConversationOpened(
        workspace_id=conversation.workspace_id, conversation_id=conversation.pk,
        channel_account_id=conversation.channel_account_id,
        customer_id=conversation.customer_id, returning=conversation.is_returning, opened_at=at,
    ))  # fmt: skip


def reply_queued(message: Message, *, tagged: bool, retry: bool = False) -> None:
    """A reply waits for delivery; `tagged` when it goes out under a policy exception."""
    publish(de.MessageQueued(
        workspace_id=message.workspace_id, message_id=message.pk,
        conversation_id=message.conversation_id, channel_account_id=message.channel_account_id,
        author_id=message.author_id, automated=message.is_automated, kind=message.kind,
        purpose=message.policy_tag, tagged=tagged, queued_at=message.created_at, retry=retry,
    ))  # fmt: skip


def comment_action_queued(comment: Message, *, action: str, actor, at) -> None:
    publish(de.CommentActionQueued(
        workspace_id=comment.workspace_id, message_id=comment.pk,
        conversation_id=comment.conversation_id, action=action, actor_id=actor.pk if actor is not None else None, queued_at=at,
    ))  # fmt: skip


def message_sent(message: Message, *, at) -> None:
    publish(de.MessageSent(workspace_id=message.workspace_id, message_id=message.pk,
                           conversation_id=message.conversation_id, sent_at=at))  # fmt: skip


def message_failed(message: Message, *, code: str, at) -> None:
    publish(de.MessageFailed(workspace_id=message.workspace_id, message_id=message.pk,
                             conversation_id=message.conversation_id, code=code,
                             failed_at=at))  # fmt: skip


def label_added(row, *, actor) -> None:
    """`row` is the ConversationLabel just created."""
    publish(de.LabelAdded(
        workspace_id=row.workspace_id, conversation_id=row.conversation_id, label_id=row.label_id,
        actor_id=actor.pk if actor is not None else None, added_at=row.added_at,
    ))  # fmt: skip


def label_removed(*, conversation: Conversation, label_id: int, actor, at) -> None:
    publish(de.LabelRemoved(
        workspace_id=conversation.workspace_id, conversation_id=conversation.pk,
        label_id=label_id, actor_id=actor.pk if actor is not None else None, removed_at=at,
    ))  # fmt: skip


def order_recorded(order) -> None:
    publish(de.OrderRecorded(
        workspace_id=order.workspace_id, order_id=order.pk, conversation_id=order.conversation_id,
        customer_id=order.customer_id, status=order.status, amount_vnd=order.amount_vnd,
        actor_id=order.created_by_id, recorded_at=order.created_at,
    ))  # fmt: skip


def customers_merged(*, kept, merged_id: int, at) -> None:
    """`merged_id` is the id the folded record had (the row is gone)."""
    publish(de.CustomersMerged(workspace_id=kept.workspace_id, kept_id=kept.pk,
                               merged_id=merged_id, merged_at=at))  # fmt: skip


def phone_captured(customer, *, phone: str, message: Message | None, actor_id, at) -> None:
    publish(de.PhoneCaptured(
        workspace_id=customer.workspace_id, customer_id=customer.pk,
        conversation_id=message.conversation_id if message is not None else None,
        message_id=message.pk if message is not None else None, phone=phone,
        actor_id=actor_id, captured_at=at,
    ))  # fmt: skip


def customer_unblocked(customer, *, user, now) -> None:
    """An admin action: the customer is no longer blocked (with whatever the service kept)."""
    admin_action_publish(
        workspace_id=customer.workspace_id, actor=user, action="customer.unblocked",
        target_type="customer", target_id=customer.pk, target_label=customer.name,
        details={"reason": getattr(customer, "unblock_reason", "") or ""}, at=now,
    )  # fmt: skip
