"""Customer messages and the page's echoes, recorded once from webhooks.

Idempotency lives in the database: Message is unique on (channel_account, external_id), and
a message is stored with one INSERT … ON CONFLICT DO NOTHING. The lookup (already recorded?
the contact's live conversation?) is one round trip of static SQL. A customer message is
announced (`MessagesReceived`) in its transaction, so routing decides before anyone answers;
a blocked customer's message is stored and announced to nobody.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from conversations import events
from conversations.models import (
    Contact,
    Conversation,
    DeliveryStatus,
    Direction,
    Message,
    MessageKind,
)
from conversations.services import announcements
from conversations.services.contacts import contact_resolve, conversation_resolve
from conversations.services.touch import (
    InboundTouch,
    conversation_touch,
    conversations_touch_inbound,
    message_preview,
)

INBOUND_LOOKUP_SQL = """
SELECT {conversation_columns}, ct.id, ct.display_name,
       EXISTS (SELECT 1 FROM {message} m
               WHERE m.channel_account_id = %(account)s AND m.external_id = %(message)s)
FROM (SELECT 1) AS one
LEFT JOIN {contact} ct ON ct.channel_account_id = %(account)s AND ct.external_id = %(contact)s
LEFT JOIN {conversation} c ON c.contact_id = ct.id AND c.status IN ('open', 'closed')
LIMIT 1
"""


@functools.cache
def _inbound_lookup_sql() -> tuple[list, str]:
    quote = connection.ops.quote_name
    fields = Conversation._meta.concrete_fields
    return fields, INBOUND_LOOKUP_SQL.format(
        conversation_columns=", ".join(f"c.{quote(f.column)}" for f in fields),
        message=quote(Message._meta.db_table),
        contact=quote(Contact._meta.db_table),
        conversation=quote(Conversation._meta.db_table),
    )


@dataclass(frozen=True)
class _Found:
    already_recorded: bool
    contact_id: int | None
    contact_name: str
    conversation: Conversation | None


def _inbound_lookup(*, channel_account, contact_external_id: str, external_id: str) -> _Found:
    """Is this provider message recorded already, and the contact's live conversation, in one
    round trip of static SQL (three unique-index probes; an ORM compile per message would
    cost more than the queries). Scoped by the channel account: one workspace's rows."""
    fields, sql = _inbound_lookup_sql()
    params = {"account": channel_account.pk, "contact": contact_external_id,
              "message": external_id or None}  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    values, (contact_id, contact_name, already) = row[: len(fields)], row[len(fields) :]
    conversation = None
    if values[0] is not None:  # the primary key: a live conversation was found
        conversation = Conversation.from_db(
            connection.alias, [f.attname for f in fields], list(values)
        )
    return _Found(bool(already), contact_id, contact_name or "", conversation)


def _contact_and_conversation(
    *, channel_account, external_id: str, at: datetime, name: str = "", found: _Found
) -> Conversation:
    """The contact's live conversation, creating whatever is missing (the lookup found no
    live conversation, or found a nameless contact and the event names them)."""
    if found.conversation is not None and (found.contact_name or not name):
        return found.conversation
    contact = contact_resolve(
        channel_account=channel_account, external_id=external_id, name=name, seen_at=at
    )
    return found.conversation or conversation_resolve(contact=contact, at=at)


def _insert(message: Message) -> bool:
    """One INSERT … ON CONFLICT DO NOTHING on message_external_id_unique (no savepoint round
    trips); False when a message with that provider id already exists."""
    fields = [f for f in Message._meta.concrete_fields if not (f.primary_key or f.generated)]
    for field in fields:
        field.pre_save(message, add=True)
    sql = "INSERT INTO {table} ({columns}) VALUES ({values}) {conflict} RETURNING {pk}".format(
        table=connection.ops.quote_name(Message._meta.db_table),
        columns=", ".join(connection.ops.quote_name(f.column) for f in fields),
        values=", ".join(["%s"] * len(fields)),
        conflict="ON CONFLICT (channel_account_id, external_id) WHERE external_id IS NOT NULL "
        "DO NOTHING",
        pk=connection.ops.quote_name(Message._meta.pk.column),
    )
    params = [f.get_db_prep_save(getattr(message, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    message.pk = row[0]
    message._state.adding = False
    return True


def message_record_inbound(
    *,
    channel_account,
    contact_external_id: str,
    external_id: str,
    sent_at: datetime,
    text: str = "",
    attachments: Sequence[dict] = (),
    contact_name: str = "",
    reply_to_external_id: str = "",
    kind: str = MessageKind.INBOX,
    meta: dict | None = None,
) -> Message | None:
    """Record a customer's message once; None when it was already recorded (redelivery)."""
    found = _inbound_lookup(channel_account=channel_account,
                            contact_external_id=contact_external_id, external_id=external_id)  # fmt: skip
    if found.already_recorded:
        return None
    conversation = _contact_and_conversation(
        channel_account=channel_account, external_id=contact_external_id, name=contact_name,
        at=sent_at, found=found,
    )  # fmt: skip
    message = Message(
        workspace_id=channel_account.workspace_id, conversation=conversation,
        channel_account=channel_account, direction=Direction.IN, kind=kind, text=text,
        attachments=list(attachments), external_id=external_id,
        reply_to_external_id=reply_to_external_id, meta=meta or {}, sent_at=sent_at,
    )  # fmt: skip
    if not _insert(message):
        return None
    [state] = conversations_touch_inbound([InboundTouch(
        conversation.pk, conversation.workspace_id, sent_at, message_preview(text, attachments),
        opens_window=kind == MessageKind.INBOX,
    )])  # fmt: skip
    if state[-1]:  # a blocked customer: stored and shown in the blocked view, nothing else
        return message
    events.message_created(message)
    # Routing deals the conversation out or arms its anti-steal clock, inside this transaction.
    announcements.messages_received([message], [conversation])
    return message


def message_record_echo(
    *,
    channel_account,
    contact_external_id: str,
    external_id: str,
    sent_at: datetime,
    text: str = "",
    attachments: Sequence[dict] = (),
    author_label: str = "",
    own_message_id: int | None = None,
    meta: dict | None = None,
) -> Message | None:
    """A message the page sent. Our own sends are matched to their row (never duplicated);
    a reply typed in Meta's own inbox is recorded as outbound by "Page inbox"."""
    if own_message_id is not None and _echo_of_own(
        channel_account=channel_account, message_id=own_message_id, external_id=external_id
    ):
        return None
    found = _inbound_lookup(channel_account=channel_account,
                            contact_external_id=contact_external_id, external_id=external_id)  # fmt: skip
    if found.already_recorded:
        return None
    if (
        own_message_id is None
        and found.conversation is not None
        and _echo_of_unmarked_own(conversation=found.conversation, external_id=external_id)
    ):
        return None
    conversation = _contact_and_conversation(
        channel_account=channel_account, external_id=contact_external_id, at=sent_at, found=found
    )
    message = Message(
        workspace_id=channel_account.workspace_id, conversation=conversation,
        channel_account=channel_account, direction=Direction.OUT, kind=MessageKind.INBOX,
        text=text, attachments=list(attachments), external_id=external_id, meta=meta or {},
        author_label=author_label, sent_at=sent_at, delivery_status=DeliveryStatus.SENT,
    )  # fmt: skip
    if not _insert(message):
        return None
    conversation_touch(conversation, direction=Direction.OUT, at=sent_at,
                       preview=message_preview(text, attachments))  # fmt: skip
    events.message_created(message)
    return message


# How far back a reply of ours may be when its echo arrives without our mark.
UNMARKED_ECHO_WINDOW = timedelta(minutes=15)


def _echo_of_unmarked_own(*, conversation: Conversation, external_id: str) -> bool:
    """Providers whose sends carry no mark of ours (Zalo, Shopee) echo our replies as
    messages the page sent. The echo is ours when it names a part of a reply we sent
    (`meta.part_ids`), or the id a delivery is about to record: the echo can arrive while
    the worker that sent the reply still holds its row (the send is inside its transaction),
    so this waits for the locks of our replies still pending, then looks again."""
    recent = Message.objects.filter(
        conversation=conversation, direction=Direction.OUT, kind=MessageKind.INBOX,
        created_at__gte=timezone.now() - UNMARKED_ECHO_WINDOW,
    )  # fmt: skip
    list(
        recent.filter(delivery_status=DeliveryStatus.PENDING, external_id__isnull=True)
        .select_for_update(of=("self",))
        .values_list("pk", flat=True)
    )
    return recent.filter(
        Q(external_id=external_id) | Q(meta__part_ids__contains=[external_id])
    ).exists()


def _echo_of_own(*, channel_account, message_id: int, external_id: str) -> bool:
    """Our send came back as an echo: make sure the row knows its provider id."""
    own = Message.objects.filter(
        workspace_id=channel_account.workspace_id, channel_account=channel_account,
        pk=message_id, direction=Direction.OUT,
    )  # fmt: skip
    if not own.exists():
        return False
    # A multi-part send (text + attachments) echoes once per part: keep the first id we see.
    own.filter(external_id__isnull=True).update(external_id=external_id)
    promoted = own.filter(delivery_status=DeliveryStatus.PENDING).update(
        delivery_status=DeliveryStatus.SENT
    )
    if promoted:
        events.message_updated(own.get())
    return True
