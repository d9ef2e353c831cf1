"""The inbox list's filters (status, assignee, channel, labels, dates, search, blocked) as a
queryset of conversations, and the blocked customers every normal list leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from conversations.models import (
    Conversation,
    ConversationFollow,
    ConversationStatus,
    Customer,
    Label,
)
from conversations.selectors.read_markers import unread_for
from conversations.selectors.search import SEARCH_MIN_CHARS, search_normalise


@dataclass(frozen=True)
class InboxFilters:
    """What the list shows; every field combines with the others."""

    status: str = ConversationStatus.OPEN  # "" = every status
    status_chosen: bool = False  # set by the agent, not the default of the list or search
    outcome: str = ""
    unanswered: bool = False
    assign: str = "all"  # all | mine | unassigned | following
    channel: int | None = None
    label: int | None = None
    phone: str = ""  # yes | no
    read: str = ""  # read | unread
    rating: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    blocked: bool = False  # the blocked view: only blocked customers' conversations
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def searching(self) -> bool:
        return len(search_normalise(self.q)) >= SEARCH_MIN_CHARS


def blocked_customer_ids(*, workspace) -> QuerySet[Customer]:
    """The workspace's blocked customers' ids, as a subquery: read through the partial index
    `customer_blocked`, so PostgreSQL hashes the (few) ids once and checks each row against
    them, whatever the list's size."""
    return Customer.objects.filter(workspace_id=workspace.pk, is_blocked=True).values("id")


def conversations_not_blocked(queryset: QuerySet[Conversation], *, workspace):
    """Leave out blocked customers' conversations: the normal lists and counts never show
    them (they are in the blocked view)."""
    return queryset.exclude(customer_id__in=blocked_customer_ids(workspace=workspace))


def conversation_filter(*, workspace, user, filters: InboxFilters) -> QuerySet[Conversation]:
    """Every filter but the text search (see conversation_list_page)."""
    queryset = Conversation.objects.filter(workspace=workspace)
    if filters.blocked:
        queryset = queryset.filter(customer_id__in=blocked_customer_ids(workspace=workspace))
    else:
        queryset = conversations_not_blocked(queryset, workspace=workspace)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.outcome:
        queryset = queryset.filter(outcome=filters.outcome)
    if filters.unanswered:
        queryset = queryset.filter(last_message_direction="in")
    if filters.assign == "mine":
        queryset = queryset.filter(assignee=user)
    elif filters.assign == "unassigned":
        queryset = queryset.filter(assignee__isnull=True)
    elif filters.assign == "following":
        queryset = queryset.filter(
            id__in=ConversationFollow.objects.filter(workspace=workspace, user=user).values(
                "conversation_id"
            )
        )
    if filters.channel:
        queryset = queryset.filter(channel_account_id=filters.channel)
    if filters.label:
        queryset = queryset.filter(
            id__in=Label.conversations.through.objects.filter(
                workspace=workspace, label_id=filters.label
            ).values("conversation_id")
        )
    # `phones` is NOT NULL, so "no phone" is exactly `= '{}'`, which PostgreSQL estimates from
    # its statistics; it guessed ~1% for the array_length() form and planned for a rarity.
    if filters.phone == "yes":
        queryset = queryset.exclude(customer__phones=[])
    elif filters.phone == "no":
        queryset = queryset.filter(customer__phones=[])
    if filters.read == "unread":  # the person's own: they have not read it to the end
        queryset = queryset.filter(unread_for(user))
    elif filters.read == "read":
        queryset = queryset.exclude(unread_for(user))
    if filters.rating:
        queryset = queryset.filter(rating=filters.rating)
    if filters.date_from:
        queryset = queryset.filter(last_message_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        queryset = queryset.filter(last_message_at__lt=_day_start(filters.date_to + timedelta(1)))
    return queryset


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))
