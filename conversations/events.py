"""The only code that talks to the channel layer (Zulip-style: events leave on commit).

Groups: `ws.t<workspace_id>.inbox` (everyone of a workspace) and `ws.t<workspace_id>.u<user_id>`
(one person). Push is best-effort: browsers re-fetch their panes on (re)connect, so a lost
event is never lost data. Consumers forward `inbox.event` messages to the browser.

Content that is the same for everyone (a message bubble, a list row) is rendered once, after
the commit, in the workspace's language and zone (`conversations.live`), and rides along in
the payload as `html` / `row`; per-person panes get only ids and re-fetch over HTTP.
"""

import asyncio
import logging
import os
import threading

from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)
PUSH_TIMEOUT_SECONDS = 2.0


class _PushLoop:
    """One event-loop thread per process for pushes. The channel layer keeps its Redis
    connection per loop, so reusing one loop reuses the connection: `async_to_sync` per push
    built a loop and a connection each time (~9 ms wall, ~4.5 ms CPU; ~0.4 ms this way)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def get(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            alive = self._thread is not None and self._thread.is_alive()
            if self._pid != os.getpid() or not alive:  # first use, or a forked worker child
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=self._loop.run_forever, name="inbox-push", daemon=True
                )
                self._thread.start()
                self._pid = os.getpid()
            return self._loop


_push_loop = _PushLoop()


def workspace_group(workspace_id: int) -> str:
    return f"ws.t{workspace_id}.inbox"


def user_group(workspace_id: int, user_id: int) -> str:
    return f"ws.t{workspace_id}.u{user_id}"


def _send(group: str, payload: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "inbox.event", **payload}
    try:
        future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), _push_loop.get())
        future.result(timeout=PUSH_TIMEOUT_SECONDS)
    except Exception:  # a dead Redis must not fail the business transaction that already committed
        log.warning("live push to %s failed", group, exc_info=True)


def send_on_commit(group: str, payload: dict, *, extra=None) -> None:
    """`extra` (optional callable) adds rendered fragments to the payload after the commit."""

    def push():
        full = dict(payload)
        if extra is not None:
            full.update(extra())
        _send(group, full)

    transaction.on_commit(push)


def _rendered(*, workspace_id: int, conversation_id: int, message_id: int | None = None):
    def build() -> dict:
        from conversations import live

        data = live.safely(
            live.row_payload, workspace_id=workspace_id, conversation_id=conversation_id
        )
        if message_id is not None:
            data.update(
                live.safely(live.message_payload, workspace_id=workspace_id, message_id=message_id)
            )
        return data

    return build


def message_created(message) -> None:
    send_on_commit(
        workspace_group(message.workspace_id),
        {
            "event": "message.created",
            "conversation_id": message.conversation_id,
            "message_id": message.pk,
        },
        extra=_rendered(
            workspace_id=message.workspace_id,
            conversation_id=message.conversation_id,
            message_id=message.pk,
        ),
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
        extra=_rendered(
            workspace_id=message.workspace_id,
            conversation_id=message.conversation_id,
            message_id=message.pk,
        ),
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
        extra=_rendered(workspace_id=conversation.workspace_id, conversation_id=conversation.pk),
    )


def user_nudge(workspace_id: int, user_id: int, *, reason: str, **data) -> None:
    send_on_commit(
        user_group(workspace_id, user_id), {"event": "user.nudge", "reason": reason, **data}
    )
