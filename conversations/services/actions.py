"""What agents do to a conversation besides sending: labels, orders, notes, follow, mute,
block, close / archive / reopen, mark read / unread, rating (issue 4).

Every action that changes what the customer's owner controls (labels, orders, status,
rating, block) first checks whether this person may act on the conversation (claim
rules, `conversations.services.acting`). Nothing is ever deleted: conversations close, archive and reopen; labels
are marked deleted and keep their history. Live pushes leave through `events` on commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest, Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import events
from conversations.channels import channel_accounts_of
from conversations.models import (
    Conversation,
    ConversationFollow,
    ConversationLabel,
    ConversationMute,
    ConversationStatus,
    Customer,
    CustomerNote,
    Direction,
    Label,
    Message,
    MessageKind,
    Order,
    OrderStatus,
    Outcome,
)
from conversations.services.acting import conversation_assert_can_act
from conversations.services.system_events import system_event_create
from inbox_project.errors import ApplicationError

NOTE_MAX_CHARS = 5000
ORDER_MAX_VND = 10_000_000_000  # ten billion đồng: a typo guard, not a business limit
ORDER_OUTCOME = {
    OrderStatus.CLOSED: Outcome.ORDERED,
    OrderStatus.RETURNED: Outcome.RETURNED,
    OrderStatus.RECEIVED: Outcome.RECEIVED,
}


# --- read state, follow, mute ---------------------------------------------------------------


def conversation_mark_read(*, conversation: Conversation, user) -> bool:
    """Opening a conversation reads it; one conditional UPDATE, nothing when already read."""
    updated = Conversation.objects.filter(
        workspace_id=conversation.workspace_id, pk=conversation.pk, unread_count__gt=0
    ).update(unread_count=0)
    if updated:
        conversation.unread_count = 0
        events.conversation_changed(conversation, reason="read")
    return bool(updated)


def conversation_mark_unread(*, conversation: Conversation, user) -> None:
    Conversation.objects.filter(workspace_id=conversation.workspace_id, pk=conversation.pk).update(
        unread_count=Greatest(F("unread_count"), 1)
    )
    conversation.unread_count = max(conversation.unread_count, 1)
    events.conversation_changed(conversation, reason="unread")


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


# --- labels -------------------------------------------------------------------------------


def _label_for(conversation: Conversation, label_id: int) -> Label:
    label = (
        Label.objects.filter(
            workspace_id=conversation.workspace_id, pk=label_id, deleted_at__isnull=True
        )
        .filter(
            Q(channel_account_id=conversation.channel_account_id) | Q(channel_account__isnull=True)
        )
        .first()
    )
    if label is None:
        raise ApplicationError(_("This label does not exist on this page."), code="label")
    return label


def conversation_label_add(*, conversation: Conversation, user, label_id: int) -> Label:
    label = _label_for(conversation, label_id)
    conversation_assert_can_act(conversation=conversation, user=user)
    _row, created = ConversationLabel.objects.get_or_create(
        conversation=conversation,
        label=label,
        defaults={"workspace_id": conversation.workspace_id, "added_by": user},
    )
    if created:
        system_event_create(
            conversation=conversation,
            user=user,
            event="label_added",
            label=label.name,
        )
        events.conversation_changed(conversation, reason="labels")
    return label


def conversation_label_remove(*, conversation: Conversation, user, label_id: int) -> None:
    conversation_assert_can_act(conversation=conversation, user=user)
    rows = ConversationLabel.objects.filter(
        workspace_id=conversation.workspace_id, conversation=conversation, label_id=label_id
    ).select_related("label")
    row = rows.first()
    if row is None:
        return
    row.delete()
    system_event_create(
        conversation=conversation,
        user=user,
        event="label_removed",
        label=row.label.name,
    )
    events.conversation_changed(conversation, reason="labels")


LABEL_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def label_create(*, workspace, channel_account, name: str, color: str = "#64748b") -> Label:
    name = " ".join(name.split())[:60]
    if not name:
        raise ApplicationError(_("A label needs a name."), code="label_name")
    if not LABEL_COLOR.match(color or ""):
        color = "#64748b"
    if channel_account is not None and channel_account.workspace_id != workspace.pk:
        raise ApplicationError(_("This page is not in your workspace."), code="label_page")
    try:
        with transaction.atomic():
            return Label.objects.create(
                workspace=workspace, channel_account=channel_account, name=name, color=color
            )
    except IntegrityError as error:
        raise ApplicationError(
            _("This page already has a label named “%(name)s”.") % {"name": name},
            code="label_exists",
        ) from error


def label_set_hidden(*, label: Label, hidden: bool) -> None:
    Label.objects.filter(pk=label.pk).update(is_hidden=hidden)


def label_delete(*, label: Label) -> None:
    """Marks the label deleted: conversations keep it for history and reports."""
    Label.objects.filter(pk=label.pk, deleted_at__isnull=True).update(deleted_at=timezone.now())


def label_set_copy(*, workspace, source_channel_account) -> int:
    """Copy one page's label set (or the workspace-wide set) to every page of the workspace.
    Names a page already has are skipped (case-insensitive). Returns labels created."""
    source = list(
        Label.objects.filter(
            workspace=workspace,
            channel_account=source_channel_account,
            deleted_at__isnull=True,
        )
    )
    targets = channel_accounts_of(workspace_id=workspace.pk)
    if source_channel_account is not None:
        targets = targets.exclude(pk=source_channel_account.pk)
    existing = set(
        Label.objects.filter(workspace=workspace, deleted_at__isnull=True)
        .annotate(lname=Lower("name"))
        .values_list("channel_account_id", "lname")
    )
    new = [
        Label(
            workspace=workspace,
            channel_account=account,
            name=label.name,
            color=label.color,
            is_hidden=label.is_hidden,
        )
        for account in targets
        for label in source
        if (account.pk, label.name.lower()) not in existing
    ]
    # The partial unique index (per set, case-insensitive) still guards concurrent copies.
    Label.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


# --- notes, orders, customer -----------------------------------------------------


def conversation_note_add(*, conversation: Conversation, user, text: str) -> Message:
    """An internal note in the timeline (green): the customer never sees it."""
    text = text.strip()
    if not text:
        raise ApplicationError(_("The note is empty."), code="empty")
    if len(text) > NOTE_MAX_CHARS:
        raise ApplicationError(_("The note is too long."), code="too_long")
    message = Message.objects.create(
        workspace_id=conversation.workspace_id,
        conversation=conversation,
        channel_account_id=conversation.channel_account_id,
        direction=Direction.OUT,
        kind=MessageKind.NOTE,
        text=text,
        author=user,
    )
    events.message_created(message)
    return message


def customer_note_add(*, conversation: Conversation, user, text: str) -> CustomerNote:
    text = text.strip()
    if not text:
        raise ApplicationError(_("The note is empty."), code="empty")
    note = CustomerNote.objects.create(
        workspace_id=conversation.workspace_id,
        customer_id=conversation.customer_id,
        author=user,
        text=text[:NOTE_MAX_CHARS],
    )
    events.conversation_changed(conversation, reason="customer")
    return note


@dataclass(frozen=True)
class OrderItem:
    name: str
    quantity: int = 1
    price_vnd: int | None = None

    def as_json(self) -> dict:
        item = {"name": self.name, "quantity": self.quantity}
        if self.price_vnd is not None:
            item["price_vnd"] = self.price_vnd
        return item


def order_create(
    *,
    conversation: Conversation,
    user,
    amount_vnd: int,
    items: list[OrderItem],
    status: str = OrderStatus.CLOSED,
    note: str = "",
) -> Order:
    """ "Chốt đơn" from the chat: the order, the conversation's outcome, a timeline line."""
    if status not in OrderStatus.values:
        raise ApplicationError(_("Unknown order status."), code="order_status")
    if not 0 <= amount_vnd <= ORDER_MAX_VND:
        raise ApplicationError(_("The amount is not valid."), code="order_amount")
    conversation_assert_can_act(conversation=conversation, user=user)
    with transaction.atomic():
        order = Order.objects.create(
            workspace_id=conversation.workspace_id,
            customer_id=conversation.customer_id,
            conversation=conversation,
            amount_vnd=amount_vnd,
            items=[item.as_json() for item in items],
            status=status,
            note=note.strip()[:2000],
            created_by=user,
        )
        outcome = ORDER_OUTCOME[OrderStatus(status)]
        Conversation.objects.filter(
            workspace_id=conversation.workspace_id, pk=conversation.pk
        ).update(outcome=outcome)
        conversation.outcome = outcome
        system_event_create(
            conversation=conversation,
            user=user,
            event="order_created",
            amount_vnd=amount_vnd,
            status=status,
            order_id=order.pk,
        )
    events.conversation_changed(conversation, reason="order")
    return order


UNBLOCK_REASON_MAX_CHARS = 500


def customer_block(*, conversation: Conversation, user) -> Customer:
    """Block the conversation's customer. Their messages are still recorded and shown in
    the blocked view, but from now on they do not notify, count as unread, get routed or
    trigger automatic replies (the inbound path reads `Customer.is_blocked`), and their
    conversations leave the normal inbox lists and counts. Only who may act on the
    conversation blocks (`conversations.permissions.viewer_controls`)."""
    conversation_assert_can_act(conversation=conversation, user=user)
    customer = conversation.customer
    if customer.is_blocked:
        return customer
    now = timezone.now()
    with transaction.atomic():
        Customer.objects.filter(workspace_id=customer.workspace_id, pk=customer.pk).update(
            is_blocked=True, blocked_at=now, blocked_by=user
        )
        customer.is_blocked, customer.blocked_at, customer.blocked_by = True, now, user
        system_event_create(conversation=conversation, user=user, event="blocked", now=now)
    _customer_rows_changed(customer, conversation)
    return customer


def customer_unblock(
    *, customer: Customer, user, reason: str, conversation: Conversation | None = None
) -> Customer:
    """Unblock a customer; a reason is required. Who, when and why are kept on the customer
    and said in a system line of `conversation` (else of their latest conversation). From
    the next message on, they notify, count as unread and are routed again."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ApplicationError(
            _("Say why this customer is unblocked: the reason is required."),
            code="unblock_reason",
        )
    if len(reason) > UNBLOCK_REASON_MAX_CHARS:
        raise ApplicationError(
            _("The reason is too long: at most %(limit)s characters.")
            % {"limit": UNBLOCK_REASON_MAX_CHARS},
            code="unblock_reason",
        )
    if conversation is not None:
        conversation_assert_can_act(conversation=conversation, user=user)
    now = timezone.now()
    with transaction.atomic():
        updated = Customer.objects.filter(
            workspace_id=customer.workspace_id, pk=customer.pk, is_blocked=True
        ).update(
            is_blocked=False, unblocked_at=now, unblocked_by=user, unblock_reason=reason
        )  # fmt: skip
        if not updated:  # unblocked already (a double click, a colleague): nothing to record
            customer.is_blocked = False
            return customer
        customer.is_blocked, customer.unblocked_at = False, now
        customer.unblocked_by, customer.unblock_reason = user, reason
        where = conversation or (
            Conversation.objects.filter(workspace_id=customer.workspace_id, customer=customer)
            .select_related("workspace")
            .order_by("-last_message_at", "-id")
            .first()
        )
        if where is not None:
            system_event_create(
                conversation=where, user=user, event="unblocked", now=now, reason=reason
            )
    _customer_rows_changed(customer, where)
    return customer


def _customer_rows_changed(customer: Customer, conversation: Conversation | None) -> None:
    """Every browser moves the customer's rows between the inbox and the blocked view."""
    others = Conversation.objects.filter(
        workspace_id=customer.workspace_id, customer=customer,
        status__in=[ConversationStatus.OPEN, ConversationStatus.CLOSED],
    ).order_by("-last_message_at")[:20]  # fmt: skip
    seen = set()
    for row in [conversation, *others] if conversation is not None else others:
        if row.pk not in seen:
            seen.add(row.pk)
            events.conversation_changed(row, reason="customer")


def user_sound_set(*, user, enabled: bool) -> None:
    user.sound_enabled = enabled
    user.save(update_fields=["sound_enabled"])
