"""Customer messages recorded many at a time: the ingest drain's fast path.

The common webhook is a customer writing again in a conversation that is open. Recorded one
by one, each costs a transaction and half a dozen statements; PostgreSQL's per-statement
work and the driver's round trips then cost more than the rows themselves. Here a batch of
such messages costs a fixed handful of statements whatever its size:

1. one lookup: for every message, "recorded already?" and the contact's live conversation;
2. one lock of the open conversations, in id order (two batches never deadlock);
3. one INSERT … ON CONFLICT DO NOTHING of the messages;
4. one statement for the conversations' denormalised fields and the customers'
   last_seen_at (`touch.conversations_touch_inbound`, the one-by-one path's too);
5. one `MessagesReceived` event for the batch, carrying the fresh rows: routing's subscriber
   checks their state in one query (the full lock only where something is to route), and
   the live pushes on commit; a blocked customer's messages are stored (no
   unread added) but neither pushed nor routed.

Anything else (a new contact, a closed conversation that must reopen, a name to fill in, the
same message twice in one batch) is answered `ONE_BY_ONE`: the caller records it through
`inbound.message_record_inbound`, the general path, in a transaction of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection

from conversations import events
from conversations.models import (
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    MessageKind,
)
from conversations.services import announcements
from conversations.services.touch import InboundTouch, conversations_touch_inbound, message_preview


class _OneByOne:
    def __repr__(self) -> str:
        return "ONE_BY_ONE"


ONE_BY_ONE = _OneByOne()


@dataclass(frozen=True)
class Inbound:
    """One customer message to record (what `message_record_inbound` takes)."""

    channel_account: object
    contact_external_id: str
    external_id: str
    sent_at: datetime
    text: str = ""
    attachments: Sequence[dict] = ()
    contact_name: str = ""
    reply_to_external_id: str = ""
    meta: dict = field(default_factory=dict)


def messages_record_inbound_batch(items: Sequence[Inbound]) -> list:
    """Record what the fast path can; call inside a transaction. For each item: the new
    Message, None (recorded already: a redelivery), or ONE_BY_ONE."""
    outcomes: list = [ONE_BY_ONE] * len(items)
    if not items:
        return outcomes
    found = _lookup(items)
    candidates: dict[int, Conversation] = {}
    seen: set[tuple[int, str]] = set()
    for index, item in enumerate(items):
        conversation, contact_name, recorded = found[index]
        key = (item.channel_account.pk, item.external_id)
        if recorded:
            outcomes[index] = None
        elif (
            key not in seen
            and item.external_id
            and conversation is not None
            and conversation.status == ConversationStatus.OPEN
            and (contact_name or not item.contact_name)
        ):
            candidates[index] = conversation
        seen.add(key)
    if not candidates:
        return outcomes
    still_open = _lock_open({c.pk for c in candidates.values()})
    candidates = {i: c for i, c in candidates.items() if c.pk in still_open}
    inserted = _insert_messages({i: (items[i], c) for i, c in candidates.items()})
    for index, message in inserted.items():
        outcomes[index] = message
    for index in candidates.keys() - inserted.keys():
        outcomes[index] = None  # a concurrent writer recorded it between lookup and insert
    if inserted:
        touched, blocked = _touch(list(inserted.values()))
        announced = [m for m in inserted.values() if m.conversation_id not in blocked]
        for message in announced:
            events.message_created(message)
        # Routing decides from the fresh rows, in one query for the batch (its subscriber).
        announcements.messages_received(announced, [c for c in touched if c.pk not in blocked])
    return outcomes


# --- 1. lookup ----------------------------------------------------------------------------------

LOOKUP_SQL = """
SELECT v.idx, {conversation_columns}, ct.display_name,
       EXISTS (SELECT 1 FROM {message} m
               WHERE m.channel_account_id = v.account AND m.external_id = v.mid)
FROM (VALUES {values}) AS v(idx, account, contact, mid)
LEFT JOIN {contact} ct ON ct.channel_account_id = v.account AND ct.external_id = v.contact
LEFT JOIN {conversation} c ON c.contact_id = ct.id AND c.status IN ('open', 'closed')
"""


@functools.cache
def _conversation_fields() -> tuple[list, str]:
    fields = Conversation._meta.concrete_fields
    return fields, ", ".join(f'c."{f.column}"' for f in fields)


def _lookup(items: Sequence[Inbound]) -> dict[int, tuple[Conversation | None, str, bool]]:
    fields, columns = _conversation_fields()
    sql = LOOKUP_SQL.format(
        conversation_columns=columns, message=Message._meta.db_table,
        contact=Contact._meta.db_table, conversation=Conversation._meta.db_table,
        values=", ".join(["(%s::int, %s::bigint, %s::text, %s::text)"] * len(items)),
    )  # fmt: skip
    params = []
    for index, item in enumerate(items):
        params += [
            index,
            item.channel_account.pk,
            item.contact_external_id,
            item.external_id or None,
        ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = {}
    names = [f.attname for f in fields]
    for row in rows:
        index, values, (contact_name, recorded) = row[0], row[1 : len(fields) + 1], row[-2:]
        conversation = None
        if values[0] is not None:
            conversation = Conversation.from_db(connection.alias, names, list(values))
        found[index] = (conversation, contact_name or "", bool(recorded))
    return found


# --- 2. lock ------------------------------------------------------------------------------------


def _lock_open(ids: set[int]) -> set[int]:
    """Lock the conversations in id order; those still open may be written."""
    sql = (
        f"SELECT id FROM {Conversation._meta.db_table} WHERE id = ANY(%s) AND status = 'open' "
        "ORDER BY id FOR NO KEY UPDATE"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [sorted(ids)])
        return {row[0] for row in cursor.fetchall()}


# --- 3. insert ----------------------------------------------------------------------------------


@functools.cache
def _insert_fields() -> list:
    return [f for f in Message._meta.concrete_fields if not (f.primary_key or f.generated)]


def _insert_messages(
    pending: dict[int, tuple[Inbound, Conversation]],
) -> dict[int, Message]:
    fields = _insert_fields()
    built: dict[int, Message] = {}
    params: list = []
    for index, (item, conversation) in pending.items():
        message = Message(
            workspace_id=item.channel_account.workspace_id, conversation=conversation,
            channel_account=item.channel_account, direction=Direction.IN, kind=MessageKind.INBOX,
            text=item.text, attachments=list(item.attachments), external_id=item.external_id,
            reply_to_external_id=item.reply_to_external_id, meta=dict(item.meta),
            sent_at=item.sent_at,
        )  # fmt: skip
        for f in fields:
            f.pre_save(message, add=True)
        params += [f.get_db_prep_save(getattr(message, f.attname), connection) for f in fields]
        built[index] = message
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = (
        f"INSERT INTO {Message._meta.db_table} ({columns}) "
        f"VALUES {', '.join([row] * len(built))} "
        "ON CONFLICT (channel_account_id, external_id) WHERE external_id IS NOT NULL DO NOTHING "
        "RETURNING id, channel_account_id, external_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = {(account, external): pk for pk, account, external in cursor.fetchall()}
    inserted = {}
    for index, message in built.items():
        pk = ids.get((message.channel_account_id, message.external_id))
        if pk is not None:
            message.pk = pk
            message._state.adding = False
            inserted[index] = message
    return inserted


# --- 4. touch -----------------------------------------------------------------------------------


def _touch(inserted: list[Message]) -> tuple[list[Conversation], set[int]]:
    """Each conversation once, whatever number of its messages the batch holds: the newest
    one's preview and time, one more unread per message (none for a blocked customer).
    Returns the touched conversations and the ids of those whose customer is blocked: their
    messages are stored but neither pushed nor routed."""
    newest: dict[int, Message] = {}
    counts: dict[int, int] = {}
    for message in inserted:
        cid = message.conversation_id
        counts[cid] = counts.get(cid, 0) + 1
        if cid not in newest or message.sent_at >= newest[cid].sent_at:
            newest[cid] = message
    states = conversations_touch_inbound([
        InboundTouch(cid, m.workspace_id, m.sent_at, message_preview(m.text, m.attachments), n=counts[cid])
        for cid, m in newest.items()
    ])  # fmt: skip
    touched, blocked = [], set()
    for cid, status, assignee_id, release_deadline, is_blocked in states:
        conversation = newest[cid].conversation
        conversation.status, conversation.assignee_id = status, assignee_id
        conversation.release_deadline = release_deadline
        touched.append(conversation)
        if is_blocked:
            blocked.add(cid)
    return touched, blocked
