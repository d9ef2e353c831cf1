"""The marks an agent sets on a conversation for themselves or the team: their own read /
unread (`ReadMarker`), follow, mute, and the conversation's rating (which needs the claim
check).
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import events
from conversations.models import (
    Conversation,
    ConversationFollow,
    ConversationMute,
    ReadMarker,
)
from conversations.services.acting import conversation_assert_can_act
from inbox_project.errors import ApplicationError

READ_UPSERT_SQL = """
INSERT INTO {marker} AS m (workspace_id, conversation_id, user_id, seen_count, read_at)
SELECT c.workspace_id, c.id, %(user)s, c.unread_count {seen}, %(now)s
FROM {conversation} c
WHERE c.id = %(pk)s AND c.workspace_id = %(ws)s {only_if_unread}
ON CONFLICT (conversation_id, user_id) DO UPDATE
    SET seen_count = EXCLUDED.seen_count, read_at = EXCLUDED.read_at
    WHERE m.seen_count IS DISTINCT FROM EXCLUDED.seen_count
RETURNING seen_count
"""

# Reading writes nothing when the person has read to the end already (no marker needed when
# the conversation has counted no customer message and they never marked it unread).
ONLY_IF_UNREAD = f"""AND c.unread_count <> COALESCE((
    SELECT seen_count FROM {ReadMarker._meta.db_table}
    WHERE conversation_id = c.id AND user_id = %(user)s), 0)"""


def _marker_set(*, conversation: Conversation, user, unread: bool, now) -> tuple[int, int] | None:
    """One statement: the person's marker at the conversation's counter (minus one for
    "unread"); (seen, total) when it changed, None when it was so already."""
    sql = READ_UPSERT_SQL.format(
        marker=ReadMarker._meta.db_table, conversation=Conversation._meta.db_table,
        seen="- 1" if unread else "", only_if_unread="" if unread else ONLY_IF_UNREAD,
    )  # fmt: skip
    params = {"user": user.pk, "now": now, "pk": conversation.pk, "ws": conversation.workspace_id}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    seen = row[0]
    return seen, seen + 1 if unread else seen  # the counter it was read against


def _announce(conversation: Conversation, user, changed: tuple[int, int]) -> None:
    """Only the reader's own browsers hear of it: reading is nobody else's business."""
    seen, total = changed
    conversation.seen_count = seen
    events.user_nudge(
        conversation.workspace_id, user.pk, reason="read", conversation_id=conversation.pk,
        seen=seen, total=total,
    )  # fmt: skip


def conversation_mark_read(*, conversation: Conversation, user, now=None) -> bool:
    """The person read the conversation to the end (they opened it, or its open pane showed a
    new message): their marker moves to its counter. Nothing is written when it is there."""
    changed = _marker_set(
        conversation=conversation, user=user, unread=False, now=now or timezone.now()
    )
    if changed:
        _announce(conversation, user, changed)
    return bool(changed)


def conversation_mark_unread(*, conversation: Conversation, user, now=None) -> None:
    """The person wants it back in their unread: one message left unread, for them only."""
    changed = _marker_set(
        conversation=conversation, user=user, unread=True, now=now or timezone.now()
    )
    if changed:
        _announce(conversation, user, changed)


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
