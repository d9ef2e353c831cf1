"""Read-side queries of the inbox. Every selector is scoped by `workspace=`."""

from django.db.models import QuerySet

from conversations.models import Conversation, Message


def conversation_list(*, workspace, status: str | None = "open") -> QuerySet[Conversation]:
    queryset = Conversation.objects.filter(workspace=workspace).select_related(
        "customer", "channel_account", "assignee"
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-last_message_at", "-id")


def message_timeline(*, conversation: Conversation, limit: int = 50) -> list[Message]:
    newest = (
        Message.objects.filter(conversation=conversation)
        .select_related("author")
        .order_by("-sent_at", "-id")[:limit]
    )
    return list(reversed(newest))
