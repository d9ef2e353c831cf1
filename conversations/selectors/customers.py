"""The customer pane (activity, orders, notes, other conversations), "My customers" and the
blocked customers page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils import timezone

from conversations.models import (
    Conversation,
    Customer,
    CustomerNote,
    Order,
    OrderStatus,
)
from conversations.selectors.filters import conversations_not_blocked
from conversations.selectors.rows import conversation_rows

# Activity status of a customer: days since last seen.
LOW_RISK_DAYS = 7


HIGH_RISK_DAYS = 30


@dataclass
class CustomerPanel:
    customer: Customer
    conversations: list[Conversation]
    orders: list[Order]
    orders_total_vnd: int
    orders_count: int
    orders_returned: int  # listed and counted in orders_count, never in the total
    notes: list[CustomerNote]
    activity: str  # active | low_risk | high_risk
    days_since_seen: int


def customer_activity(*, last_seen_at: datetime, now: datetime) -> tuple[str, int]:
    days = max(0, (now - last_seen_at).days)
    if days >= HIGH_RISK_DAYS:
        return "high_risk", days
    if days >= LOW_RISK_DAYS:
        return "low_risk", days
    return "active", days


def customer_panel(*, conversation: Conversation, now: datetime | None = None) -> CustomerPanel:
    customer = conversation.customer
    orders_qs = Order.objects.filter(workspace_id=conversation.workspace_id, customer=customer)
    # Revenue counts closed and received orders; returned ones are listed but not summed.
    totals = orders_qs.aggregate(
        total=Sum("amount_vnd", filter=~Q(status=OrderStatus.RETURNED)),
        n=Count("id"),
        returned=Count("id", filter=Q(status=OrderStatus.RETURNED)),
    )
    activity, days = customer_activity(
        last_seen_at=customer.last_seen_at, now=now or timezone.now()
    )
    return CustomerPanel(
        customer=customer,
        conversations=list(
            Conversation.objects.filter(workspace_id=conversation.workspace_id, customer=customer)
            .select_related("channel_account", "assignee")
            .order_by("-last_message_at")[:20]
        ),
        orders=list(orders_qs.select_related("created_by").order_by("-created_at")[:10]),
        orders_total_vnd=totals["total"] or 0,
        orders_count=totals["n"] or 0,
        orders_returned=totals["returned"] or 0,
        notes=list(
            CustomerNote.objects.filter(workspace_id=conversation.workspace_id, customer=customer)
            .select_related("author")
            .order_by("-created_at")[:20]
        ),
        activity=activity,
        days_since_seen=days,
    )


def my_customers(*, workspace, user, limit: int = 100) -> QuerySet[Conversation]:
    """ "My customers": the agent's conversations, latest interaction first."""
    mine = Conversation.objects.filter(workspace=workspace, assignee=user)
    return conversation_rows(
        conversations_not_blocked(mine, workspace=workspace).order_by("-last_message_at", "-id")
    )[:limit]


def blocked_customers(*, workspace, limit: int = 200) -> QuerySet[Customer]:
    """The blocked list: who blocked them and when, and their latest conversation to open."""
    latest = Conversation.objects.filter(
        workspace_id=workspace.pk, customer_id=OuterRef("pk")
    ).order_by("-last_message_at", "-id")
    return (
        Customer.objects.filter(workspace=workspace, is_blocked=True)
        .select_related("blocked_by")
        .annotate(latest_conversation_id=Subquery(latest.values("id")[:1]))
        .order_by("-blocked_at", "-id")[:limit]
    )
