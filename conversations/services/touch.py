"""The conversation's denormalised fields that the inbox list reads: last message time,
preview and direction, last inbound / outbound time, unread count, "Not sent:".

An older message never overwrites a newer one's preview. `conversations_touch_inbound` is one
static statement for any number of conversations (the one-by-one inbound path and the
drained batch both use it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce, Greatest

from conversations.models import (
    Conversation,
    ConversationStatus,
    Customer,
    Direction,
    Message,
)

PREVIEW_LENGTH = 200


ATTACHMENT_LABELS = {
    "image": "[Image]", "video": "[Video]", "audio": "[Audio]", "file": "[File]",
    "sticker": "[Sticker]", "location": "[Location]",
}  # fmt: skip


def message_preview(text: str, attachments: Sequence[dict]) -> str:
    if text:
        return " ".join(text.split())[:PREVIEW_LENGTH]
    if attachments:
        return ATTACHMENT_LABELS.get(attachments[0].get("type", ""), "[Attachment]")
    return ""


def conversation_touch(
    conversation: Conversation, *, direction: str, at: datetime, preview: str,
    counts_as_inbound: bool = False, unread: bool = False, reopen: bool = False,
) -> None:  # fmt: skip
    """One UPDATE of the denormalised fields; an older message never overwrites a newer one."""
    newer = Q(last_message_at__lte=at)
    changes = {
        "last_message_at": Greatest(F("last_message_at"), Value(at)),
        "last_message_preview": Case(When(newer, then=Value(preview)),
                                     default=F("last_message_preview")),
        "last_message_direction": Case(When(newer, then=Value(direction)),
                                       default=F("last_message_direction")),
        # A newer message (a pending reply, the customer's answer) replaces a failed one's row.
        "last_outbound_failed": Case(When(newer, then=Value(False)),
                                     default=F("last_outbound_failed")),
    }  # fmt: skip
    if direction == Direction.IN:
        if counts_as_inbound:
            changes["last_inbound_at"] = Greatest(
                Coalesce(F("last_inbound_at"), Value(at)), Value(at)
            )
    else:
        changes["last_outbound_at"] = Greatest(
            Coalesce(F("last_outbound_at"), Value(at)), Value(at)
        )
    if unread:
        changes["unread_count"] = F("unread_count") + 1
    if reopen:
        changes["status"] = ConversationStatus.OPEN
        changes["closed_at"] = None
    Conversation.objects.filter(pk=conversation.pk, workspace_id=conversation.workspace_id).update(
        **changes
    )


TOUCH_INBOUND_SQL = """
WITH data(id, workspace_id, at, preview, opened, n) AS (VALUES {values}),
touched AS (
    UPDATE {conversation} c SET
        last_message_preview = CASE WHEN c.last_message_at <= d.at THEN d.preview
                                    ELSE c.last_message_preview END,
        last_message_direction = CASE WHEN c.last_message_at <= d.at THEN 'in'
                                      ELSE c.last_message_direction END,
        last_outbound_failed = CASE WHEN c.last_message_at <= d.at THEN false
                                    ELSE c.last_outbound_failed END,
        last_message_at = GREATEST(c.last_message_at, d.at),
        last_inbound_at = CASE WHEN d.opened
                               THEN GREATEST(COALESCE(c.last_inbound_at, d.at), d.at)
                               ELSE c.last_inbound_at END,
        unread_count = c.unread_count + CASE WHEN b.is_blocked THEN 0 ELSE d.n END
    FROM data d, {customer} b
    WHERE c.id = d.id AND c.workspace_id = d.workspace_id AND b.id = c.customer_id
    RETURNING c.id, c.customer_id, d.at, c.status, c.assignee_id, c.release_deadline,
              b.is_blocked
),
seen AS (
    SELECT cu.id, t.at FROM {customer} cu
    JOIN (SELECT customer_id, max(at) AS at FROM touched GROUP BY customer_id) t
      ON t.customer_id = cu.id
    WHERE cu.last_seen_at < t.at - interval '1 minute'
    ORDER BY cu.id FOR NO KEY UPDATE OF cu
),
customers AS (
    UPDATE {customer} cu SET last_seen_at = seen.at FROM seen WHERE cu.id = seen.id
)
SELECT id, status, assignee_id, release_deadline, is_blocked FROM touched
"""


TOUCH_ROW = "(%s::bigint, %s::bigint, %s::timestamptz, %s::text, %s::boolean, %s::int)"


@dataclass(frozen=True)
class InboundTouch:
    """What `n` new customer messages change on one conversation; `at` and `preview` are the
    newest one's, `opens_window` whether it is a message (a comment does not open Meta's
    reply window: docs/providers.md)."""

    conversation_id: int
    workspace_id: int
    at: datetime
    preview: str
    opens_window: bool = True
    n: int = 1


def conversations_touch_inbound(touches: Sequence[InboundTouch]) -> list[tuple]:
    """One statement for any number of conversations: their denormalised fields (n more
    unread, none for a blocked customer; an older message never overwrites a newer
    preview; reopening a closed
    conversation is routing's, with its system event) and their customers' last_seen_at (to
    the minute: activity status counts days, and a chatty customer then costs one customer
    write a minute, not one per message). Rows are locked in id order, so two callers never
    deadlock. Static SQL: no ORM compile per message. Returns (id, status, assignee_id,
    release_deadline, customer is blocked) of each touched conversation."""
    ordered = sorted(touches, key=lambda t: t.conversation_id)
    sql = TOUCH_INBOUND_SQL.format(
        values=", ".join([TOUCH_ROW] * len(ordered)), conversation=Conversation._meta.db_table,
        customer=Customer._meta.db_table,
    )  # fmt: skip
    params = []
    for t in ordered:
        params += [t.conversation_id, t.workspace_id, t.at, t.preview, t.opens_window, t.n]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def last_outbound_failed_set(message: Message, *, failed: bool) -> None:
    """Flag (or clear) the row's "Not sent:" when `message` is the one the row shows."""
    Conversation.objects.filter(
        pk=message.conversation_id, workspace_id=message.workspace_id,
        last_message_at=message.sent_at, last_message_direction=Direction.OUT,
    ).exclude(last_outbound_failed=failed).update(last_outbound_failed=failed)  # fmt: skip
