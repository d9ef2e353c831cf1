"""Messages in and out (issue 3): inbound recording from webhooks, echoes, delivery status,
page comments, and the agent's send with the reply-window policy enforced on the server.

Idempotency lives in the database: Message is unique on (channel_account, external_id)
(INSERT … ON CONFLICT DO NOTHING) and a contact has one live conversation (partial unique
constraint). Concurrent writers race on the contact / conversation constraints inside
savepoints and the loser re-reads the winner's row.

For the inbox UI: message_send, message_retry, comment_reply_public, comment_reply_private,
comment_moderate;
the composer's window state is conversations.policies.reply_window_state(conversation, now).

Hook points for routing / automation (issue 5): `_after_inbound` runs after an inbound message
is recorded; `_before_send` runs inside message_send's transaction with the conversation row
locked (the claim check).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import events, policies, reply_limits, selectors
from conversations.models import (
    Contact,
    Conversation,
    ConversationStatus,
    Customer,
    DeliveryStatus,
    Direction,
    Message,
    MessageKind,
)
from conversations.services import customers
from inbox_project.errors import ApplicationError

log = logging.getLogger(__name__)

LIVE = [ConversationStatus.OPEN, ConversationStatus.CLOSED]
PREVIEW_LENGTH = 200
ATTACHMENT_LABELS = {
    "image": "[Image]", "video": "[Video]", "audio": "[Audio]", "file": "[File]",
    "sticker": "[Sticker]", "location": "[Location]",
}  # fmt: skip
AUTOMATION_LABEL = "Automation"
STATUS_ORDER = [DeliveryStatus.PENDING, DeliveryStatus.SENT, DeliveryStatus.DELIVERED,
                DeliveryStatus.READ]  # fmt: skip


# --- contacts and conversations -------------------------------------------------------------


def contact_resolve(
    *, channel_account, external_id: str, name: str = "", seen_at: datetime
) -> Contact:
    """The contact for a provider identity, creating it (and its customer) on first contact."""
    lookup = {"workspace_id": channel_account.workspace_id, "channel_account": channel_account,
              "external_id": external_id}  # fmt: skip
    contact = Contact.objects.filter(**lookup).first()
    if contact is None:
        try:
            with transaction.atomic():
                customer = Customer.objects.create(
                    workspace_id=channel_account.workspace_id, name=name, first_seen_at=seen_at,
                    last_seen_at=seen_at,
                )  # fmt: skip
                contact = Contact.objects.create(customer=customer, display_name=name, **lookup)
                if not name:  # Messenger and Instagram name nobody: ask the provider, later
                    _profile_fetch_on_commit(contact)
                return contact
        except IntegrityError:  # a concurrent first message created it: use theirs
            contact = Contact.objects.get(**lookup)
    if name and not contact.display_name:
        Contact.objects.filter(pk=contact.pk, workspace_id=contact.workspace_id).update(
            display_name=name
        )
        Customer.objects.filter(pk=contact.customer_id, workspace_id=contact.workspace_id,
                                name="").update(name=name)  # fmt: skip
        contact.display_name = name
    return contact


def _profile_fetch_on_commit(contact: Contact) -> None:
    # Imported late: channels_app imports conversations.
    from channels_app.services.profiles import contact_profile_fetch_enqueue

    contact_profile_fetch_enqueue(workspace_id=contact.workspace_id, contact_id=contact.pk)


def conversation_resolve(*, contact: Contact, at: datetime) -> Conversation:
    """The contact's live (open or closed) conversation, or a new open one."""
    live = Conversation.objects.filter(
        workspace_id=contact.workspace_id, contact=contact, status__in=LIVE
    )
    conversation = live.first()
    if conversation is not None:
        return conversation
    returning = Conversation.objects.filter(
        workspace_id=contact.workspace_id, customer_id=contact.customer_id
    ).exists()
    try:
        with transaction.atomic():
            return Conversation.objects.create(
                workspace_id=contact.workspace_id, channel_account_id=contact.channel_account_id,
                contact=contact, customer_id=contact.customer_id, last_message_at=at,
                is_returning=returning,
            )  # fmt: skip
    except IntegrityError:  # conversation_live_per_contact: a concurrent writer won
        return live.get()


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


def _preview(text: str, attachments: Sequence[dict]) -> str:
    if text:
        return " ".join(text.split())[:PREVIEW_LENGTH]
    if attachments:
        return ATTACHMENT_LABELS.get(attachments[0].get("type", ""), "[Attachment]")
    return ""


def _conversation_touch(
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
    reply window, PLATFORMS.md A7)."""

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


# --- inbound --------------------------------------------------------------------------------


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
        conversation.pk, conversation.workspace_id, sent_at, _preview(text, attachments),
        opens_window=kind == MessageKind.INBOX,
    )])  # fmt: skip
    if state[-1]:  # a blocked customer: stored and shown in the blocked view, nothing else
        return message
    events.message_created(message)
    _after_inbound(message=message, conversation=conversation)
    return message


def _after_inbound(*, message: Message, conversation: Conversation) -> None:
    """Routing (auto-assignment, anti-steal deadline) and automation hook in here."""
    # Routing (issue 5): route an unclaimed conversation per the workspace's mode, arm the
    # anti-steal clock of a claimed one. Imported late: routing imports conversations.
    from routing.services import conversation_route_inbound

    conversation_route_inbound(conversation=conversation, now=timezone.now())


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
    _conversation_touch(conversation, direction=Direction.OUT, at=sent_at,
                        preview=_preview(text, attachments))  # fmt: skip
    events.message_created(message)
    return message


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


def message_update_delivery(
    *,
    channel_account,
    contact_external_id: str,
    status: str,
    watermark: datetime | None = None,
    external_ids: Iterable[str] = (),
    limit: int = 200,
) -> int:
    """Delivered / read receipts: every outbound message up to the watermark (or named by id)
    moves forward to `status`; a status never moves backwards."""
    if status not in {DeliveryStatus.DELIVERED, DeliveryStatus.READ}:
        raise ValueError(status)
    contact = Contact.objects.filter(
        workspace_id=channel_account.workspace_id, channel_account=channel_account,
        external_id=contact_external_id,
    ).first()  # fmt: skip
    if contact is None:
        return 0
    external_ids = [mid for mid in external_ids if mid]
    if watermark is None and external_ids:
        # IG `messaging_seen` names the last message read: everything before it is read too.
        newest = Message.objects.filter(
            workspace_id=contact.workspace_id, channel_account=channel_account,
            external_id__in=external_ids,
        ).order_by("-sent_at").values_list("sent_at", flat=True).first()  # fmt: skip
        watermark = newest
    which = Q(external_id__in=external_ids) if external_ids else Q(pk__in=[])
    if watermark is not None:
        which |= Q(sent_at__lte=watermark)
    earlier = STATUS_ORDER[: STATUS_ORDER.index(status)]
    ids = list(
        Message.objects.filter(
            which, workspace_id=contact.workspace_id, conversation__contact=contact,
            direction=Direction.OUT, delivery_status__in=earlier[1:],
        ).values_list("pk", flat=True)[:limit]
    )  # fmt: skip
    if not ids:
        return 0
    Message.objects.filter(pk__in=ids, workspace_id=contact.workspace_id).update(
        delivery_status=status
    )
    for message in Message.objects.filter(pk__in=ids, workspace_id=contact.workspace_id).only(
        "pk", "workspace_id", "conversation_id"
    ):
        events.message_updated(message)
    return len(ids)


# --- page comments --------------------------------------------------------------------------


def comment_record(
    *,
    channel_account,
    contact_external_id: str,
    external_id: str,
    verb: str,
    sent_at: datetime,
    text: str = "",
    contact_name: str = "",
    post_id: str = "",
    post_url: str = "",
    parent_id: str = "",
    attachments: Sequence[dict] = (),
) -> Message | None:
    """A customer's comment lands in their conversation as a comment message with the post
    link; later verbs (edited, remove, hide, unhide) update that message, never delete it."""
    existing = Message.objects.filter(
        workspace_id=channel_account.workspace_id, channel_account=channel_account,
        external_id=external_id,
    ).first()  # fmt: skip
    if existing is None:
        if verb == "remove" or not contact_external_id:
            return None
        meta = {"post_id": post_id, "post_url": post_url, "parent_id": parent_id,
                "is_hidden": verb == "hide", "liked": False}  # fmt: skip
        return message_record_inbound(
            channel_account=channel_account, contact_external_id=contact_external_id,
            external_id=external_id, sent_at=sent_at, text=text, attachments=attachments,
            contact_name=contact_name, kind=MessageKind.COMMENT, meta=meta,
        )  # fmt: skip
    if existing.kind != MessageKind.COMMENT or verb == "add":
        return None
    changes = {"edited": {"edited_at": sent_at.isoformat()}, "remove": {"removed": True},
               "hide": {"is_hidden": True}, "unhide": {"is_hidden": False}}[verb]  # fmt: skip
    existing.meta = {**existing.meta, **changes}
    fields = ["meta"]
    if verb == "edited" and text:
        existing.text = text
        fields.append("text")
    existing.save(update_fields=fields)
    events.message_updated(existing)
    return existing


# --- outbound -------------------------------------------------------------------------------


def _locked_conversation(conversation: Conversation) -> Conversation:
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("channel_account", "contact")
        .get(workspace_id=conversation.workspace_id, pk=conversation.pk)
    )


def _before_send(*, conversation: Conversation, author, automated: bool) -> None:
    """Routing hook (issue 5): the claim check goes here; raise ApplicationError to refuse."""
    # Routing (issue 5): only the claimant (or an admin) replies: "Already taken by X" else.
    # The claimant's reply stops the anti-steal clock; both roll back if the send is refused.
    if automated or author is None:
        return
    from routing.services import conversation_assert_can_act, conversation_note_agent_reply

    conversation_assert_can_act(conversation=conversation, user=author)
    conversation_note_agent_reply(conversation=conversation, user=author)


def _customer_blocked(conversation: Conversation) -> bool:
    return Customer.objects.filter(
        workspace_id=conversation.workspace_id, pk=conversation.customer_id, is_blocked=True
    ).exists()


def _check_text(*, kind: str, text: str, attachments: Sequence[dict]) -> str:
    text = (text or "").strip()
    if not text and not attachments:
        raise ApplicationError(_("Write a message first."), code="empty")
    limit = reply_limits.max_text(kind)  # declared by the channel's provider adapter
    if limit and len(text) > limit:
        raise ApplicationError(
            _("The message is too long: at most %(limit)s characters.") % {"limit": limit},
            code="too_long",
        )
    return text


def message_send(
    *,
    conversation: Conversation,
    author,
    text: str,
    attachments: Sequence[dict] = (),
    confirmation: bool = False,
    purpose: str | None = None,
    automated: bool = False,
    reply_to_external_id: str = "",
    now: datetime | None = None,
) -> Message:
    """Save a reply as pending and queue its delivery, if the reply-window policy allows it.

    `confirmation`: the agent confirmed "I only reply to this customer" (24 h – 7 days).
    `purpose`: an essential-notification purpose (policies.PURPOSES) for sends past 7 days.
    Raises ApplicationError with a translated reason when the policy refuses.
    """
    now = now or timezone.now()
    with transaction.atomic():
        conversation = _locked_conversation(conversation)
        account = conversation.channel_account
        text = _check_text(kind=account.kind, text=text, attachments=attachments)
        if not account.is_active:
            raise ApplicationError(_("This channel is disabled."), code="channel_disabled")
        if automated and _customer_blocked(conversation):
            raise ApplicationError(
                _("This customer is blocked: nothing is sent to them automatically."),
                code="blocked",
            )
        _before_send(conversation=conversation, author=author, automated=automated)
        decision = policies.send_decision(
            kind=account.kind, last_inbound_at=conversation.last_inbound_at, now=now,
            automated=automated, confirmed=confirmation, purpose=purpose,
            channel_settings=account.settings, can_send=account.can_send,
            commented=_commented(conversation),
        )  # fmt: skip
        if not decision.allowed:
            raise ApplicationError(str(decision.reason), code=f"policy.{decision.code}")
        message = _create_outbound(
            conversation=conversation, author=author, automated=automated, text=text,
            attachments=attachments, decision=decision, now=now,
            reply_to_external_id=reply_to_external_id,
        )  # fmt: skip
        if decision.is_tagged:
            _audit(message=message, conversation=conversation, decision=decision, now=now)
    return message


def _commented(conversation: Conversation) -> bool:
    """The comment-only case's fact, looked up only when it can apply."""
    if not policies.needs_comment_lookup(kind=conversation.channel_account.kind,
                                         last_inbound_at=conversation.last_inbound_at):  # fmt: skip
        return False
    return selectors.customer_commented(conversation=conversation)


def _create_outbound(
    *, conversation, author, automated: bool, text: str, attachments, now: datetime,
    decision=None, kind: str = MessageKind.INBOX, meta: dict | None = None,
    reply_to_external_id: str = "",
) -> Message:  # fmt: skip
    meta = dict(meta or {})
    if decision is not None and decision.notification:
        meta.update(purpose=decision.notification)  # the notification's topic
    message = Message.objects.create(
        workspace_id=conversation.workspace_id, conversation=conversation,
        channel_account_id=conversation.channel_account_id, direction=Direction.OUT, kind=kind,
        text=text, attachments=list(attachments), author=author if not automated else None,
        author_label=AUTOMATION_LABEL if automated else "", is_automated=automated,
        sent_at=now, created_at=now, delivery_status=DeliveryStatus.PENDING,
        policy_tag=decision.policy_tag if decision is not None else "", meta=meta,
        reply_to_external_id=reply_to_external_id,
    )  # fmt: skip
    _conversation_touch(conversation, direction=Direction.OUT, at=now,
                        preview=_preview(text, attachments))  # fmt: skip
    events.message_created(message)
    _queue_delivery(message)
    return message


def _queue_delivery(message: Message, *, action: str = "") -> None:
    from channels_app import tasks  # the edge owns delivery; imported late (no cycle)

    def enqueue():
        try:
            if action:
                tasks.message_deliver_action_task.apply_async(
                    args=[message.workspace_id, message.pk, action], retry=False
                )
            else:
                tasks.message_deliver_task.apply_async(
                    args=[message.workspace_id, message.pk], retry=False
                )
        except Exception:  # broker down: the delivery sweeper picks the pending row up
            log.warning("could not queue delivery of message %s", message.pk, exc_info=True)

    transaction.on_commit(enqueue)


def _audit(*, message: Message, conversation: Conversation, decision, now: datetime) -> None:
    from channels_app.models import PolicyAuditEntry

    hours = None
    if conversation.last_inbound_at is not None:
        hours = round((now - conversation.last_inbound_at).total_seconds() / 3600, 2)
    PolicyAuditEntry.objects.create(
        workspace_id=message.workspace_id, channel_account_id=message.channel_account_id,
        conversation=conversation, message=message, user=message.author,
        is_automated=message.is_automated, tag=decision.purpose,
        purpose=decision.notification, hours_since_inbound=hours, created_at=now,
    )  # fmt: skip


def _locked_comment(comment: Message) -> Message:
    found = (
        Message.objects.select_for_update(of=("self",))
        .select_related("conversation__channel_account")
        .filter(
            workspace_id=comment.workspace_id,
            pk=comment.pk,
            kind=MessageKind.COMMENT,
            direction=Direction.IN,
        )  # fmt: skip
        .first()
    )
    if found is None:
        raise ApplicationError(_("This is not a customer's comment."), code="not_comment")
    return found


def comment_reply_public(
    *, comment: Message, author, text: str, now: datetime | None = None
) -> Message:
    """Answer a comment publicly, under it on the post (no reply window applies)."""
    now = now or timezone.now()
    with transaction.atomic():
        comment = _locked_comment(comment)
        conversation = _locked_conversation(comment.conversation)
        text = _check_text(kind="facebook", text=text, attachments=())
        _before_send(conversation=conversation, author=author, automated=False)
        meta = {"reply_to_comment": comment.external_id, "post_url": comment.meta.get("post_url", ""),
                "post_id": comment.meta.get("post_id", "")}  # fmt: skip
        return _create_outbound(
            conversation=conversation, author=author, automated=False, text=text, attachments=(),
            now=now, kind=MessageKind.COMMENT, meta=meta,
        )  # fmt: skip


def comment_reply_private(
    *, comment: Message, author, text: str, now: datetime | None = None
) -> Message:
    """Private reply in Messenger to a comment: once per comment, within 7 days (B5)."""
    now = now or timezone.now()
    with transaction.atomic():
        comment = _locked_comment(comment)
        refusal = policies.private_reply_refusal(
            comment_created_at=comment.sent_at, now=now,
            already_replied=bool(comment.meta.get("private_reply_message_id")),
        )  # fmt: skip
        if refusal:
            raise ApplicationError(str(refusal), code="policy.private_reply")
        conversation = _locked_conversation(comment.conversation)
        text = _check_text(kind="facebook", text=text, attachments=())
        _before_send(conversation=conversation, author=author, automated=False)
        message = _create_outbound(
            conversation=conversation, author=author, automated=False, text=text, attachments=(),
            now=now, meta={"private_reply_to": comment.external_id},
        )  # fmt: skip
        comment.meta = {**comment.meta, "private_reply_message_id": message.pk}
        comment.save(update_fields=["meta"])
        events.message_updated(comment)
        return message


COMMENT_ACTIONS = {"hide", "unhide", "like", "unlike"}


def comment_moderate(*, comment: Message, author, action: str) -> Message:
    """Hide / unhide / like / unlike a comment as the page; the provider call is queued and
    the comment's meta changes once the provider confirms (comment_action_applied)."""
    if action not in COMMENT_ACTIONS:
        raise ApplicationError(_("Unknown comment action."), code="action")
    with transaction.atomic():
        comment = _locked_comment(comment)
        _before_send(conversation=comment.conversation, author=author, automated=False)
        comment.meta = {**comment.meta, "pending_action": action, "action_error": ""}
        comment.save(update_fields=["meta"])
        events.message_updated(comment)
        _queue_delivery(comment, action=action)
    return comment


def comment_action_applied(*, comment: Message, action: str, error: str = "") -> None:
    """Record the provider's answer to a comment action."""
    meta = {**comment.meta, "pending_action": ""}
    if error:
        meta["action_error"] = error
    elif action in {"hide", "unhide"}:
        meta["is_hidden"] = action == "hide"
    else:
        meta["liked"] = action == "like"
    comment.meta = meta
    comment.save(update_fields=["meta"])
    events.message_updated(comment)


# --- delivery outcome (called by channels_app's delivery service) ---------------------------


def message_mark_sent(*, message: Message, external_id: str, extra: dict | None = None) -> None:
    message.delivery_status = DeliveryStatus.SENT
    message.delivery_error = ""
    message.delivery_attempts += 1
    if external_id:
        message.external_id = message.external_id or external_id
    fields = ["delivery_status", "delivery_error", "delivery_attempts", "external_id"]
    if extra:
        message.meta = {**message.meta, **extra}
        fields.append("meta")
    message.save(update_fields=fields)
    events.message_updated(message)
    if message.meta.get("private_reply_to") and message.meta.get("recipient_id"):
        customers.contact_link_private_reply(
            message=message, recipient_id=message.meta["recipient_id"]
        )


def message_mark_failed(*, message: Message, error: str, code: str = "") -> None:
    """The reply did not go out and will not be tried again unless someone sends it again
    (message_retry): the bubble shows the reason, the list row "Not sent:" when it is the
    conversation's last message."""
    message.delivery_status = DeliveryStatus.FAILED
    message.delivery_error = error
    message.delivery_attempts += 1
    message.meta = {**message.meta, "delivery_error_code": code, "retry_at": None}
    message.save(update_fields=["delivery_status", "delivery_error", "delivery_attempts", "meta"])
    _last_outbound_failed_set(message, failed=True)
    events.message_updated(message)


def _last_outbound_failed_set(message: Message, *, failed: bool) -> None:
    """Flag (or clear) the row's "Not sent:" when `message` is the one the row shows."""
    Conversation.objects.filter(
        pk=message.conversation_id, workspace_id=message.workspace_id,
        last_message_at=message.sent_at, last_message_direction=Direction.OUT,
    ).exclude(last_outbound_failed=failed).update(last_outbound_failed=failed)  # fmt: skip


def message_retry(*, message: Message, user, now: datetime | None = None) -> Message:
    """Send a failed reply again ("Send again"): it goes back to pending and is queued.

    Refused when the message is not a failed reply, when the person may not reply on this
    conversation (the claim check), when the channel cannot send, or when the reply window
    no longer allows it (a human_agent reply keeps its confirmation; anything else has to
    be written again through the composer)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Message.objects.select_for_update(of=("self",))
            .filter(workspace_id=message.workspace_id, pk=message.pk, direction=Direction.OUT)
            .exclude(kind__in=[MessageKind.NOTE, MessageKind.SYSTEM])
            .first()
        )
        if locked is None or locked.delivery_status != DeliveryStatus.FAILED:
            raise ApplicationError(_("Only a reply that failed can be sent again."),
                                   code="not_failed")  # fmt: skip
        conversation = _locked_conversation(locked.conversation)
        account = conversation.channel_account
        if not account.is_active:
            raise ApplicationError(_("This channel is disabled."), code="channel_disabled")
        if not account.can_send:
            raise ApplicationError(str(policies.NO_SENDING), code="policy.no_sending")
        _before_send(conversation=conversation, author=user, automated=False)
        meta = {**locked.meta, "delivery_error_code": "", "retry_at": None,
                "queued_at": now.isoformat()}  # fmt: skip
        fields = ["delivery_status", "delivery_error", "delivery_attempts", "meta"]
        if locked.kind == MessageKind.INBOX and not meta.get("private_reply_to"):
            decision = policies.send_decision(
                kind=account.kind, last_inbound_at=conversation.last_inbound_at, now=now,
                automated=locked.is_automated,
                confirmed=locked.policy_tag == policies.Purpose.HUMAN_AGENT,
                purpose=meta.get("purpose") or None, channel_settings=account.settings,
                commented=_commented(conversation),
            )  # fmt: skip
            if not decision.allowed:
                raise ApplicationError(str(decision.reason), code=f"policy.{decision.code}")
            if decision.notification:
                meta.update(purpose=decision.notification)  # the notification's topic
            locked.policy_tag = decision.policy_tag
            fields.append("policy_tag")
        locked.meta = meta
        locked.delivery_status = DeliveryStatus.PENDING
        locked.delivery_error = ""
        locked.delivery_attempts = 0  # a fresh series of attempts, with their backoff
        locked.save(update_fields=fields)
        _last_outbound_failed_set(locked, failed=False)
        events.message_updated(locked)
        _queue_delivery(locked)
    return locked


def message_mark_retrying(*, message: Message, error: str, code: str, retry_in: float,
                          now: datetime | None = None) -> None:  # fmt: skip
    now = now or timezone.now()
    message.delivery_error = error
    message.delivery_attempts += 1
    message.meta = {**message.meta, "delivery_error_code": code,
                    "retry_at": (now + timedelta(seconds=retry_in)).isoformat()}  # fmt: skip
    message.save(update_fields=["delivery_error", "delivery_attempts", "meta"])
    events.message_updated(message)
