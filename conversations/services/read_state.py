"""The marks an agent sets on a conversation for themselves or the team: read / unread,
follow, mute, and the conversation's rating (which needs the claim check).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from conversations import events
from conversations.models import (
    Conversation,
    ConversationFollow,
    ConversationMute,
)
from conversations.services.acting import conversation_assert_can_act
from inbox_project.errors import ApplicationError


def conversation_mark_read(*, conversation: Conversation, user) -> bool:
    """Opening a conversation reads it; one conditional UPDATE, nothing when already read."""
    updated = Conversation.objects.filter(
        workspace_id=conversation.workspace_id, pk=conversation.pk, unread_count__gt=0
    ).update(unread_count=0)
    if updated:
        conversation.unread_count = 0
        events.conversation_changed(conversation, reason="read")
    return bool(updated)


def conversation_mark_unread(*, conversation: Conversation, user) -> None:
    Conversation.objects.filter(workspace_id=conversation.workspace_id, pk=conversation.pk).update(
        unread_count=Greatest(F("unread_count"), 1)
    )
    conversation.unread_count = max(conversation.unread_count, 1)
    events.conversation_changed(conversation, reason="unread")


def _toggle(model, *, conversation: Conversation, user) -> bool:
    """Add the (user, conversation) row or remove it; True when it now exists."""
    with transaction.atomic():
        deleted, _rows = model.objects.filter(conversation=conversation, user=user).delete()
        if deleted:
            return False
        try:
            with transaction.atomic():
                model.objects.create(
                    workspace_id=conversation.workspace_id, conversation=conversation, user=user
                )
        except IntegrityError:  # a double click raced us; it exists either way
            pass
        return True


def conversation_follow_toggle(*, conversation: Conversation, user) -> bool:
    following = _toggle(ConversationFollow, conversation=conversation, user=user)
    events.user_nudge(
        conversation.workspace_id, user.pk, reason="marks", conversation_id=conversation.pk
    )
    return following


def conversation_mute_toggle(*, conversation: Conversation, user) -> bool:
    muted = _toggle(ConversationMute, conversation=conversation, user=user)
    events.user_nudge(
        conversation.workspace_id, user.pk, reason="marks", conversation_id=conversation.pk
    )
    return muted


def conversation_rate(*, conversation: Conversation, user, rating: int | None) -> None:
    if rating is not None and not 1 <= rating <= 5:
        raise ApplicationError(_("A rating is from 1 to 5."), code="rating")
    conversation_assert_can_act(conversation=conversation, user=user)
    Conversation.objects.filter(workspace_id=conversation.workspace_id, pk=conversation.pk).update(
        rating=rating
    )
    conversation.rating = rating
    events.conversation_changed(conversation, reason="rating")
