"""Builders for inbox tests: many conversations with labels, phones, messages."""

from datetime import timedelta

from django.utils import timezone

from conversations.models import ConversationLabel, Label, Message, QuickReply
from tests.factories import make_conversation


def make_many(account, count: int, *, prefix: str = "Khách", start=None, **fields):
    start = start or timezone.now()
    made = []
    for n in range(count):
        conversation = make_conversation(
            account, f"{prefix}-{account.pk}-{n}", f"{prefix} {n}", at=start - timedelta(minutes=n)
        )
        if fields:
            type(conversation).objects.filter(pk=conversation.pk).update(**fields)
        made.append(conversation)
    return made


def label_all(conversations, label: Label):
    ConversationLabel.objects.bulk_create(
        ConversationLabel(workspace_id=c.workspace_id, conversation=c, label=label)
        for c in conversations
    )


def add_messages(conversation, count: int, *, start=None):
    start = start or timezone.now() - timedelta(hours=1)
    Message.objects.bulk_create(
        Message(
            workspace_id=conversation.workspace_id,
            conversation=conversation,
            channel_account_id=conversation.channel_account_id,
            direction="in" if n % 2 else "out",
            text=f"tin nhắn số {n}",
            external_id=f"bulk-{conversation.pk}-{n}",
            sent_at=start + timedelta(seconds=n),
            delivery_status="" if n % 2 else "sent",
        )
        for n in range(count)
    )


def quick_reply(workspace, shortcut: str, text: str) -> QuickReply:
    return QuickReply.objects.create(workspace=workspace, shortcut=shortcut, text=text)
