"""What happened in the inbox: every domain event, in one place.

conversations publishes these (routing publishes `OwnerChanged`, automation
`AutomatedActionTaken`; the admin actions of every app are `accounts.admin_actions`) through
`inbox_project.domain_events.publish`; the apps above subscribe in their `AppConfig.ready()`
and conversations never names them. Each event carries ids and the time of the fact, so a
report can count it and an automation can act on it without asking again; ids are of the
publisher's workspace (`workspace_id` is on every event).

Two fields are only for in-transaction subscribers and never cross a process: the instances
in `MessagesReceived.conversations` (locked and fresh, so routing decides without a query per
row). After-commit subscribers read the database again.

docs/architecture.md lists every event, who publishes it, who subscribes and in which phase.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

# --- messages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMessage:
    """One customer message (inbox message or comment) as it was recorded."""

    message_id: int
    conversation_id: int
    channel_account_id: int
    customer_id: int
    kind: str  # MessageKind: "inbox" or "comment"
    received_at: datetime.datetime
    text: str = ""  # as stored: a reader after the commit need not load the row again


@dataclass(frozen=True)
class MessagesReceived:
    """Customers wrote: one event for a single message or for a drained batch. Published in
    the transaction that stored them, before anyone can answer. Messages of blocked
    customers are stored but not announced."""

    workspace_id: int
    messages: tuple[ReceivedMessage, ...]
    conversations: tuple[Any, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class CommentReceived:
    """A customer commented on a post of a connected page (also in `MessagesReceived`)."""

    workspace_id: int
    message_id: int
    conversation_id: int
    channel_account_id: int
    post_id: str
    received_at: datetime.datetime


@dataclass(frozen=True)
class ContactCreated:
    """A provider identity wrote for the first time; `named` is False when the provider
    gave no name (Messenger, Instagram), so a profile look-up is worth queueing."""

    workspace_id: int
    contact_id: int
    customer_id: int
    channel_account_id: int
    named: bool
    created_at: datetime.datetime


@dataclass(frozen=True)
class MessageQueued:
    """A reply (or a comment reply) was saved pending and waits for delivery. `author_id` is
    None for automation; `purpose` is the policy's neutral decision the reply was sent under
    ("" inside the reply window, "human_agent" for the extended one …); `retry` is True when
    an agent sent a failed reply again."""

    workspace_id: int
    message_id: int
    conversation_id: int
    channel_account_id: int
    author_id: int | None
    automated: bool
    kind: str
    purpose: str
    tagged: bool  # sent outside the standard window under a policy exception (audited)
    queued_at: datetime.datetime
    retry: bool = False


@dataclass(frozen=True)
class CommentActionQueued:
    """An agent (or a rule: `actor_id` None) hid, unhid, liked or unliked a comment; the
    provider is told after commit."""

    workspace_id: int
    message_id: int
    conversation_id: int
    action: str
    actor_id: int | None
    queued_at: datetime.datetime


@dataclass(frozen=True)
class MessageSent:
    """The provider accepted an outbound message."""

    workspace_id: int
    message_id: int
    conversation_id: int
    sent_at: datetime.datetime


@dataclass(frozen=True)
class MessageFailed:
    """An outbound message will not be delivered (`code` says why, e.g. "gave_up")."""

    workspace_id: int
    message_id: int
    conversation_id: int
    code: str
    failed_at: datetime.datetime


# --- conversations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ConversationOpened:
    """A new conversation started: a customer's first message or comment, or the first
    one after their last conversation was archived."""

    workspace_id: int
    conversation_id: int
    channel_account_id: int
    customer_id: int
    returning: bool
    opened_at: datetime.datetime


@dataclass(frozen=True)
class ConversationClosed:
    """An agent ended the consultation. `handler_id` held it when it closed."""

    workspace_id: int
    conversation_id: int
    actor_id: int | None
    handler_id: int | None
    closed_at: datetime.datetime


@dataclass(frozen=True)
class ConversationReopened:
    """A closed or archived conversation (`previous_status`) is open again: `actor_id` is
    the agent who reopened it, None when the customer wrote again (routing reopens it then,
    and publishes this itself). `handler_id` held it before."""

    workspace_id: int
    conversation_id: int
    previous_status: str
    actor_id: int | None
    handler_id: int | None
    reopened_at: datetime.datetime


@dataclass(frozen=True)
class ConversationArchived:
    workspace_id: int
    conversation_id: int
    actor_id: int | None
    archived_at: datetime.datetime


@dataclass(frozen=True)
class OwnerChanged:
    """Who handles a conversation changed (claim, assignment, transfer, release, round
    robin, reopen, close …). Published by routing, in the transaction of the change."""

    workspace_id: int
    conversation_id: int
    from_user_id: int | None
    to_user_id: int | None
    actor_id: int | None
    reason: str  # routing's AssignmentReason
    changed_at: datetime.datetime


# --- labels, orders, customers -------------------------------------------------------------


@dataclass(frozen=True)
class LabelAdded:
    """A label was put on a conversation (not published when it already had it)."""

    workspace_id: int
    conversation_id: int
    label_id: int
    actor_id: int | None
    added_at: datetime.datetime


@dataclass(frozen=True)
class LabelRemoved:
    """A label the conversation had was taken off."""

    workspace_id: int
    conversation_id: int
    label_id: int
    actor_id: int | None
    removed_at: datetime.datetime


@dataclass(frozen=True)
class OrderRecorded:
    """A sale (or a returned or received order) was recorded on a conversation."""

    workspace_id: int
    order_id: int
    conversation_id: int
    customer_id: int
    status: str
    amount_vnd: int
    actor_id: int | None
    recorded_at: datetime.datetime


@dataclass(frozen=True)
class OrderChanged:
    """An order's status or amount changed. Not published yet: nothing changes an order once
    it is recorded (there is no edit, return or refund of a recorded order); kept so the
    registry names the fact when such a change is built."""

    workspace_id: int
    order_id: int
    conversation_id: int
    previous_status: str
    status: str
    amount_vnd: int
    actor_id: int | None
    changed_at: datetime.datetime


@dataclass(frozen=True)
class CustomersMerged:
    """Two customer records were one person: `merged_id` moved into `kept_id` and is gone."""

    workspace_id: int
    kept_id: int
    merged_id: int
    merged_at: datetime.datetime


@dataclass(frozen=True)
class PhoneCaptured:
    """A phone number was added to a customer (typed by an agent or found in a message)."""

    workspace_id: int
    customer_id: int
    conversation_id: int | None
    message_id: int | None  # the message it was found in; None when an agent typed it
    phone: str  # E.164
    actor_id: int | None  # None: found automatically
    captured_at: datetime.datetime


# --- automation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AutomatedActionTaken:
    """Automation acted (or tried and failed) on a conversation: a rule's reply, label,
    hand-over or notice, a follow-up step, a comment hidden for showing a phone number.
    Published by automation with the log row it wrote (`run_id`); refusals are not actions."""

    workspace_id: int
    run_id: int
    rule_id: int | None
    rule_name: str
    conversation_id: int
    action: str
    result: str  # "done" or "failed"
    detail: str
    at: datetime.datetime


# --- agents ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxConnected:
    """An agent's browser opened the live inbox (its socket connected)."""

    workspace_id: int
    user_id: int
    at: datetime.datetime


@dataclass(frozen=True)
class InboxDisconnected:
    """One of an agent's inbox sockets closed."""

    workspace_id: int
    user_id: int
    at: datetime.datetime


ALL_EVENTS = (
    MessagesReceived, CommentReceived, ContactCreated, MessageQueued, CommentActionQueued,
    MessageSent, MessageFailed, ConversationOpened, ConversationClosed, ConversationReopened,
    ConversationArchived, OwnerChanged, LabelAdded, LabelRemoved, OrderRecorded, OrderChanged,
    CustomersMerged, PhoneCaptured, InboxConnected, InboxDisconnected,
    AutomatedActionTaken,
)  # fmt: skip
