"""How routing reacts to what happens in the inbox (registered in RoutingConfig.ready()).

All run inside the publisher's transaction: who owns a conversation must commit or roll
back with the fact that changed it (a customer's message, a close, a reopen, a reply).
Each subscriber only translates the event into a call of routing's services.

`User(pk=…)` below is a reference for lookups: the services it reaches filter by it and
never read its other fields, so a reply costs no extra query for its author.
"""

from __future__ import annotations

from accounts.models import User
from conversations import domain_events as de
from conversations.models import Conversation, ConversationStatus
from inbox_project.domain_events import IN_TRANSACTION, subscribe
from routing import services


def _user(user_id: int) -> User:
    return User(pk=user_id)


def on_messages_received(event: de.MessagesReceived) -> None:
    """Route an unclaimed conversation per the workspace's mode, reopen a closed one, arm
    the anti-steal clock of a claimed one."""
    conversations = list(event.conversations)
    if len(conversations) == 1:
        services.conversation_route_inbound(conversation=conversations[0])
    else:
        services.conversations_route_inbound_many(conversations)


def on_reply(event: de.MessageQueued | de.CommentActionQueued) -> None:
    """The claimant answered (or moderated a comment): stop the anti-steal clock."""
    author_id = event.author_id if isinstance(event, de.MessageQueued) else event.actor_id
    if author_id is None or getattr(event, "automated", False):
        return
    conversation = Conversation(pk=event.conversation_id, workspace_id=event.workspace_id)
    services.conversation_note_agent_reply(conversation=conversation, user=_user(author_id))


def on_closed(event: de.ConversationClosed) -> None:
    services.conversation_closed_record(
        workspace_id=event.workspace_id, conversation_id=event.conversation_id,
        actor_id=event.actor_id, handler_id=event.handler_id, now=event.closed_at,
    )  # fmt: skip


def on_reopened(event: de.ConversationReopened) -> None:
    """An agent reopened a closed conversation: give it its owner. (A customer's return is
    routed by `on_messages_received`; an archived conversation brought back has none.)"""
    if event.actor_id is None or event.previous_status != ConversationStatus.CLOSED:
        return
    services.conversation_reopened_assign(
        workspace_id=event.workspace_id, conversation_id=event.conversation_id,
        actor_id=event.actor_id, now=event.reopened_at,
    )  # fmt: skip


def on_inbox_connected(event: de.InboxConnected) -> None:
    services.presence_socket_connected(user=_user(event.user_id), workspace_id=event.workspace_id,
                                       now=event.at)  # fmt: skip


def on_inbox_disconnected(event: de.InboxDisconnected) -> None:
    services.presence_socket_disconnected(user=_user(event.user_id),
                                          workspace_id=event.workspace_id, now=event.at)  # fmt: skip


def register() -> None:
    for event_type, handler in (
        (de.MessagesReceived, on_messages_received),
        (de.MessageQueued, on_reply),
        (de.CommentActionQueued, on_reply),
        (de.ConversationClosed, on_closed),
        (de.ConversationReopened, on_reopened),
        (de.InboxConnected, on_inbox_connected),
        (de.InboxDisconnected, on_inbox_disconnected),
    ):
        subscribe(event_type, handler, phase=IN_TRANSACTION)
