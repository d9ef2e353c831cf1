"""An agent's own marks on conversations (follow, mute) and the quick replies the composer
offers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists

from conversations.models import (
    Conversation,
    ConversationFollow,
    ConversationMute,
    QuickReply,
)


@dataclass
class AgentMarks:
    following: bool
    muted: bool


def agent_marks(*, conversation: Conversation, user) -> AgentMarks:
    """Whether this agent follows / muted the conversation, in one query."""
    follow = ConversationFollow.objects.filter(conversation=conversation, user=user)
    mute = ConversationMute.objects.filter(conversation=conversation, user=user)
    values = (
        Conversation.objects.filter(pk=conversation.pk)
        .annotate(following=Exists(follow), muted=Exists(mute))
        .values("following", "muted")
        .first()
    ) or {"following": False, "muted": False}
    return AgentMarks(following=values["following"], muted=values["muted"])


def agent_muted_and_followed_ids(*, workspace, user) -> dict[str, list[int]]:
    """For the browser's notification rules (sound, desktop notification)."""
    return {
        "following": list(
            ConversationFollow.objects.filter(workspace=workspace, user=user)
            .order_by()
            .values_list("conversation_id", flat=True)[:1000]
        ),
        "muted": list(
            ConversationMute.objects.filter(workspace=workspace, user=user)
            .order_by()
            .values_list("conversation_id", flat=True)[:1000]
        ),
    }


def quick_reply_list(*, workspace, limit: int | None = 500) -> list[dict]:
    """The workspace's quick replies by shortcut: the composer's "/" menu (capped) and their
    settings page (`limit=None`: every one)."""
    return list(
        QuickReply.objects.filter(workspace=workspace)
        .order_by("shortcut")
        .values("id", "shortcut", "text")[:limit]
    )
