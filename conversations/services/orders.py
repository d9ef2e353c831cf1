"""Orders recorded from the chat ("Chốt đơn"): the order, the conversation's outcome, a
timeline line and the `OrderRecorded` event, in one transaction. Nothing changes an order
once recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import events
from conversations.models import (
    Conversation,
    Order,
    OrderStatus,
    Outcome,
)
from conversations.services import announcements
from conversations.services.acting import conversation_assert_can_act
from conversations.services.system_events import system_event_create
from inbox_project.errors import ApplicationError

ORDER_MAX_VND = 10_000_000_000  # ten billion đồng: a typo guard, not a business limit
ORDER_OUTCOME = {
    OrderStatus.CLOSED: Outcome.ORDERED,
    OrderStatus.RETURNED: Outcome.RETURNED,
    OrderStatus.RECEIVED: Outcome.RECEIVED,
}


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
    now: datetime | None = None,
) -> Order:
    """ "Chốt đơn" from the chat: the order, the conversation's outcome, a timeline line and
    the `OrderRecorded` event, together or not at all."""
    now = now or timezone.now()
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
            created_at=now,
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
            now=now,
        )
        announcements.order_recorded(order)
    events.conversation_changed(conversation, reason="order")
    return order
