"""What every reply path shares (a message, a public or a private comment reply, a retry, a
comment action): the conversation locked with its channel and contact, the claim check and
the text check.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from conversations import reply_limits
from conversations.models import Conversation
from conversations.services.acting import conversation_assert_can_act
from inbox_project.errors import ApplicationError


def conversation_lock(conversation: Conversation) -> Conversation:
    """The conversation's row, locked for this transaction, with its channel and contact."""
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("channel_account", "contact")
        .get(workspace_id=conversation.workspace_id, pk=conversation.pk)
    )


def sender_assert_can_act(*, conversation: Conversation, author, automated: bool) -> None:
    """Only the claimant (or an admin) replies: "Already taken by X" else. (The claimant's
    reply stops the anti-steal clock: routing reacts to the queued reply's event.)"""
    if automated or author is None:
        return
    conversation_assert_can_act(conversation=conversation, user=author)


def text_check(*, kind: str, text: str, attachments: Sequence[dict]) -> str:
    text = (text or "").strip()
    if not text and not attachments:
        raise ApplicationError(_("Write a message first."), code="empty")
    limit = reply_limits.max_text(kind)  # declared by the channel's provider adapter
    if limit and len(text) > limit:
        raise ApplicationError(
            _("The message is too long: at most %(limit)s characters.") % {"limit": limit},
            code="too_long",
        )
    return text
