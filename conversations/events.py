"""The only code that talks to the channel layer (Zulip-style: events leave on commit).

Groups: `ws.t<workspace_id>.inbox` (everyone of a workspace) and `ws.t<workspace_id>.u<user_id>`
(one person). Push is best-effort: browsers re-fetch their panes on (re)connect, so a lost
event is never lost data. Consumers forward `inbox.event` messages to the browser.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)


def workspace_group(workspace_id: int) -> str:
    return f"ws.t{workspace_id}.inbox"


def user_group(workspace_id: int, user_id: int) -> str:
    return f"ws.t{workspace_id}.u{user_id}"


def _send(group: str, payload: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "inbox.event", **payload})
    except Exception:  # a dead Redis must not fail the business transaction that already committed
        log.warning("live push to %s failed", group, exc_info=True)


def send_on_commit(group: str, payload: dict) -> None:
    transaction.on_commit(lambda: _send(group, payload))


def message_created(message) -> None:
    send_on_commit(
        workspace_group(message.workspace_id),
        {
            "event": "message.created",
            "conversation_id": message.conversation_id,
            "message_id": message.pk,
        },
    )


def message_updated(message) -> None:
    """Delivery status, comment state (hidden, liked), edits."""
    send_on_commit(
        workspace_group(message.workspace_id),
        {
            "event": "message.updated",
            "conversation_id": message.conversation_id,
            "message_id": message.pk,
        },
    )


def conversation_changed(conversation, *, reason: str) -> None:
    """Status, assignment, labels, unread state: `reason` says which (e.g. "claimed")."""
    send_on_commit(
        workspace_group(conversation.workspace_id),
        {
            "event": "conversation.changed",
            "conversation_id": conversation.pk,
            "reason": reason,
        },
    )


def user_nudge(workspace_id: int, user_id: int, *, reason: str, **data) -> None:
    send_on_commit(user_group(workspace_id, user_id), {"event": "user.nudge", "reason": reason, **data})
