"""What a conversation's messages imply: its denormalised list fields, and routing's owner
history behind its assignment lines (`owner_history`).

The same rules the message services apply one message at a time (conversations.services):

- only what the customer sees moves the list: messages of kind "inbox" and "comment".
  Internal notes and system events never change the preview, the time or the direction;
- last_message_at / _preview / _direction: the newest visible message; the preview is its
  text with whitespace collapsed, cut to 200 characters, or "[Image]" for a bare picture;
- last_inbound_at: the newest customer *message* (kind "inbox"); a comment does not open
  Meta's reply window, so it does not count;
- last_outbound_at: the newest visible shop message, automated ones included;
- unread_count: at most the customer's visible messages after the shop's last answer by a
  person (an automated greeting is no answer), and zero unless the conversation is open.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from conversations.models import Message
from routing.models import AssignmentChange

VISIBLE_KINDS = frozenset({"inbox", "comment"})
PREVIEW_LENGTH = 200
ATTACHMENT_PREVIEWS = {
    "image": "[Image]", "video": "[Video]", "audio": "[Audio]", "file": "[File]",
    "sticker": "[Sticker]", "location": "[Location]",
}  # fmt: skip


@dataclass(frozen=True)
class Summary:
    last_message_at: datetime
    last_message_preview: str
    last_message_direction: str
    last_inbound_at: datetime | None
    last_outbound_at: datetime | None
    unanswered_inbound: int  # visible customer messages after the shop's last human answer


def message_preview(*, text: str, attachments: list) -> str:
    if text:
        return " ".join(text.split())[:PREVIEW_LENGTH]
    if attachments:
        return ATTACHMENT_PREVIEWS.get(attachments[0].get("type", ""), "[Attachment]")
    return ""


def conversation_summary(*, messages: Iterable) -> Summary:
    """`messages`: objects with sent_at, direction, kind, text, attachments and is_automated."""
    visible = sorted((m for m in messages if m.kind in VISIBLE_KINDS), key=lambda m: m.sent_at)
    if not visible:
        raise ValueError("a conversation needs at least one customer-visible message")
    last = visible[-1]
    inbound = [m for m in visible if m.direction == "in"]
    outbound = [m for m in visible if m.direction == "out"]
    answers = [m.sent_at for m in outbound if not m.is_automated]
    inbox_in = [m.sent_at for m in inbound if m.kind == "inbox"]
    return Summary(
        last_message_at=last.sent_at,
        last_message_preview=message_preview(text=last.text, attachments=last.attachments),
        last_message_direction=last.direction,
        last_inbound_at=inbox_in[-1] if inbox_in else None,
        last_outbound_at=outbound[-1].sent_at if outbound else None,
        unanswered_inbound=sum(1 for m in inbound if not answers or m.sent_at > answers[-1]),
    )


def owner_history(messages: list[Message]) -> list[AssignmentChange]:
    """The history rows routing keeps beside its timeline lines: one per owner change and
    per close (the reports count claims, transfers and releases from them)."""
    rows = []
    for m in messages:
        event = (m.meta or {}).get("event") if m.kind == "system" else None
        if event == "assignment":
            rows.append(AssignmentChange(
                workspace_id=m.workspace_id, conversation=m.conversation,
                reason=m.meta["reason"], from_user_id=m.meta.get("from_user_id"),
                to_user_id=m.meta.get("to_user_id"), actor_id=m.meta.get("actor_id"),
                created_at=m.sent_at,
            ))  # fmt: skip
        elif event == "closed":
            rows.append(AssignmentChange(
                workspace_id=m.workspace_id, conversation=m.conversation, reason="closed",
                from_user_id=m.author_id, to_user_id=m.author_id, actor_id=m.author_id,
                created_at=m.sent_at,
            ))  # fmt: skip
    return rows
