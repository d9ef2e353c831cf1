"""Labels as the picker and the settings page show them: the page's set and the workspace's
set, in Vietnamese order.
"""

from __future__ import annotations

from django.db.models import (
    Exists,
    OuterRef,
    Q,
)

from conversations.channels import channel_accounts_of
from conversations.models import (
    Conversation,
    ConversationLabel,
    Label,
)
from conversations.vietnamese_order import by_vietnamese_name


def conversation_labels(*, conversation: Conversation) -> tuple[list[Label], list[Label]]:
    """(labels on the conversation, labels one may add): the fanpage's set plus the
    workspace-wide set, in Vietnamese order; hidden and deleted labels are never offered, but
    stay in history."""
    rows = by_vietnamese_name(
        Label.objects.filter(workspace_id=conversation.workspace_id, deleted_at__isnull=True)
        .filter(
            Q(channel_account_id=conversation.channel_account_id) | Q(channel_account__isnull=True)
        )
        .annotate(
            on=Exists(
                ConversationLabel.objects.filter(label_id=OuterRef("pk"), conversation=conversation)
            )
        )
    )
    current = [label for label in rows if label.on]
    available = [label for label in rows if not label.on and not label.is_hidden]
    return current, available


def label_sets(*, workspace) -> tuple[list, dict]:
    """Channel accounts and each one's labels (None = the workspace-wide set), deleted excluded."""
    accounts = list(channel_accounts_of(workspace_id=workspace.pk).order_by("kind", "display_name"))
    sets: dict = {None: []}
    for account in accounts:
        sets[account.pk] = []
    for label in by_vietnamese_name(
        Label.objects.filter(workspace=workspace, deleted_at__isnull=True)
    ):
        sets.setdefault(label.channel_account_id, []).append(label)
    return accounts, sets
