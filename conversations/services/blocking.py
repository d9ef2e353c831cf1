"""Blocking and unblocking a customer. A blocked customer's messages are still recorded and
shown in the blocked view, but do not notify, count as unread, get routed or trigger
automatic replies; unblocking needs a reason, kept on the customer and in a system line.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import events
from conversations.models import (
    Conversation,
    ConversationStatus,
    Customer,
)
from conversations.services import announcements
from conversations.services.acting import conversation_assert_can_act
from conversations.services.system_events import system_event_create
from inbox_project.errors import ApplicationError

UNBLOCK_REASON_MAX_CHARS = 500


def customer_block(*, conversation: Conversation, user, now: datetime | None = None) -> Customer:
    """Block the conversation's customer. Their messages are still recorded and shown in
    the blocked view, but from now on they do not notify, count as unread, get routed or
    trigger automatic replies (the inbound path reads `Customer.is_blocked`), and their
    conversations leave the normal inbox lists and counts. Only who may act on the
    conversation blocks (`conversations.permissions.viewer_controls`)."""
    conversation_assert_can_act(conversation=conversation, user=user)
    customer = conversation.customer
    if customer.is_blocked:
        return customer
    now = now or timezone.now()
    with transaction.atomic():
        Customer.objects.filter(workspace_id=customer.workspace_id, pk=customer.pk).update(
            is_blocked=True, blocked_at=now, blocked_by=user
        )
        customer.is_blocked, customer.blocked_at, customer.blocked_by = True, now, user
        system_event_create(conversation=conversation, user=user, event="blocked", now=now)
    _customer_rows_changed(customer, conversation)
    return customer


def customer_unblock(
    *,
    customer: Customer,
    user,
    reason: str,
    conversation: Conversation | None = None,
    now: datetime | None = None,
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
    now = now or timezone.now()
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
        announcements.customer_unblocked(customer, user=user, now=now)
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
