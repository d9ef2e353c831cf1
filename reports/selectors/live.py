""" "Live now": what the team faces at this moment, read from the inbox itself (never from
the facts, which may be seconds behind): open, unassigned and unanswered conversations, the
longest wait, and each agent's presence with their open count, all from one pass over the
open conversations. Blocked customers are left out, as in the inbox, and a channel filter
narrows the agents' counts too."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Min, Q
from django.utils import timezone

from conversations.models import Conversation, ConversationStatus
from conversations.selectors.filters import conversations_not_blocked
from routing.selectors import AgentRow, agents_overview


@dataclass(frozen=True)
class LiveNow:
    open: int
    unassigned: int
    unanswered: int
    longest_wait_seconds: int | None
    agents: list[AgentRow]


def live_now(*, workspace, channel_ids=(), now: datetime.datetime | None = None) -> LiveNow:
    now = now or timezone.now()
    queryset = conversations_not_blocked(
        Conversation.objects.filter(workspace=workspace, status=ConversationStatus.OPEN),
        workspace=workspace,
    )
    if channel_ids:
        queryset = queryset.filter(channel_account_id__in=channel_ids)
    waiting = Q(last_inbound_at__isnull=False) & (
        Q(last_outbound_at__isnull=True) | Q(last_inbound_at__gt=F("last_outbound_at"))
    )
    # One pass over the open conversations, per owner: the totals and each agent's count.
    per_owner = list(
        queryset.order_by()
        .values("assignee_id")
        .annotate(
            open=Count("pk"),
            unanswered=Count("pk", filter=waiting),
            oldest=Min("last_inbound_at", filter=waiting),
        )
    )
    oldest = min((row["oldest"] for row in per_owner if row["oldest"]), default=None)
    return LiveNow(
        open=sum(row["open"] for row in per_owner),
        unassigned=sum(row["open"] for row in per_owner if row["assignee_id"] is None),
        unanswered=sum(row["unanswered"] for row in per_owner),
        longest_wait_seconds=int((now - oldest).total_seconds()) if oldest else None,
        agents=agents_overview(
            workspace_id=workspace.pk,
            now=now,
            open_counts={
                row["assignee_id"]: row["open"]
                for row in per_owner
                if row["assignee_id"] is not None
            },
        ),  # fmt: skip
    )
