"""One conversation's timeline: its messages page by page, one message, and the customer's
comments (the comment-only policy case and the comment a public reply answers).
"""

from __future__ import annotations

from django.db.models import (
    Q,
    QuerySet,
)

from conversations.models import (
    Conversation,
    DeliveryStatus,
    Direction,
    Message,
    MessageKind,
)

TIMELINE_PAGE_SIZE = 50


def message_timeline(
    *,
    conversation: Conversation,
    limit: int = TIMELINE_PAGE_SIZE,
    before: int | None = None,
    after: int | None = None,
) -> list[Message]:
    """The conversation's messages plus this customer's page comments on the same page,
    oldest first; `before` pages back, `after` fetches what a browser has not seen yet."""
    # Every conversation of this customer on this page (this one included); from the others
    # only comments. The IN keeps PostgreSQL on the (conversation, sent_at) index per thread.
    threads = Conversation.objects.filter(
        workspace_id=conversation.workspace_id,
        customer_id=conversation.customer_id,
        channel_account_id=conversation.channel_account_id,
    ).values("id")
    queryset = Message.objects.filter(
        workspace_id=conversation.workspace_id, conversation_id__in=threads
    ).filter(Q(conversation_id=conversation.pk) | Q(kind=MessageKind.COMMENT))
    if after is not None:
        queryset = queryset.filter(id__gt=after)
        return list(queryset.select_related("author").order_by("sent_at", "id")[:limit])
    if before is not None:
        anchor = Message.objects.filter(workspace_id=conversation.workspace_id, pk=before).values(
            "sent_at"
        )
        queryset = queryset.filter(Q(sent_at__lt=anchor[:1]) | Q(sent_at=anchor[:1], id__lt=before))
    newest = queryset.select_related("author").order_by("-sent_at", "-id")[:limit]
    return list(reversed(newest))


def message_for_conversation(*, conversation: Conversation, pk: int) -> Message | None:
    return (
        Message.objects.filter(workspace_id=conversation.workspace_id, pk=pk)
        .select_related("author")
        .first()
    )


def _customer_comments(conversation: Conversation) -> QuerySet[Message]:
    return Message.objects.filter(
        workspace_id=conversation.workspace_id, conversation_id=conversation.pk,
        kind=MessageKind.COMMENT, direction="in",
    )  # fmt: skip


def customer_commented(*, conversation: Conversation) -> bool:
    """The customer commented on one of the page's posts (in this conversation)."""
    return _customer_comments(conversation).exists()


def conversation_reply_comment(*, conversation: Conversation) -> Message | None:
    """The comment a commenter's composer answers: their newest one still on the post."""
    return (
        _customer_comments(conversation)
        .exclude(meta__contains={"removed": True})
        .order_by("-sent_at", "-id")
        .first()
    )


def replies_since_inbound(*, conversation: Conversation) -> int:
    """How many messages the channel sent this customer since their last message (each reply
    is its text plus one per attachment; failed ones were never sent): what Zalo counts
    against the free replies to that message. Ours and those typed in the provider's own
    inbox (recorded from echoes) alike."""
    if conversation.last_inbound_at is None:
        return 0
    rows = (
        Message.objects.filter(
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.pk,
            direction=Direction.OUT,
            kind=MessageKind.INBOX,
            sent_at__gt=conversation.last_inbound_at,
        )  # fmt: skip
        .exclude(delivery_status=DeliveryStatus.FAILED)
        .values_list("text", "attachments")
    )
    return sum((1 if text else 0) + len(attachments or ()) for text, attachments in rows)
