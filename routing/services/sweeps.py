"""The periodic sweeps: release the claims whose anti-steal deadline has passed, and hand
out a round-robin workspace's waiting pool to the agents online with room."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from conversations.models import Conversation
from routing import policies
from routing.models import (
    AgentPresence,
    AssignmentReason,
    ChannelAgent,
    PresenceStatus,
    RoutingMode,
    RoutingSettings,
)
from routing.selectors import routing_settings_get
from routing.services._common import OPEN, lock, settings_of
from routing.services.records import owner_change
from routing.services.round_robin import auto_assign

# --- anti-steal release ---------------------------------------------------------------------


def release_due_queryset(*, now: datetime.datetime):
    """Claims whose anti-steal deadline has passed, earliest first, skipping rows another
    sweeper holds. Served by the partial index conv_release_due (armed rows only), so its
    cost does not depend on how many deadlines are armed but not yet due."""
    return (
        Conversation.objects.select_for_update(no_key=True, skip_locked=True, of=("self",))
        .select_related("assignee", "customer", "workspace", "workspace__routing_settings")
        .filter(release_deadline__isnull=False, release_deadline__lte=now)
        .order_by("release_deadline")
    )


def release_due_sweep(*, now: datetime.datetime, limit: int = 200) -> int:
    """Release every claim whose anti-steal deadline has passed (up to `limit`).

    One short transaction per conversation, found with `FOR UPDATE SKIP LOCKED` through the
    partial index on release_deadline: concurrent sweepers share the work and never release
    one conversation twice, and the cost does not depend on deadlines not yet due.
    """
    released = 0
    for _attempt in range(limit):
        with transaction.atomic():
            conversation = release_due_queryset(now=now).first()
            if conversation is None:
                break
            settings = settings_of(conversation)
            if (
                not settings.anti_steal_enabled
                or conversation.status != OPEN
                or conversation.customer.is_blocked
            ):
                # Switched off (or closed, or the customer blocked) after the clock was
                # armed: just stop it; a blocked customer is never handed to someone else.
                Conversation.objects.filter(
                    workspace_id=conversation.workspace_id, pk=conversation.pk
                ).update(release_deadline=None)
                continue
            from_user = conversation.assignee
            owner_change(
                conversation=conversation, to_user=None,
                reason=AssignmentReason.RELEASED_BY_TIMER, actor=None, now=now,
                minutes=settings.anti_steal_minutes,
            )  # fmt: skip
            if settings.mode == RoutingMode.ROUND_ROBIN:
                auto_assign(
                    conversation=conversation,
                    settings=settings,
                    now=now,
                    exclude_user_ids=[from_user.pk] if from_user else [],
                )
            released += 1
    return released


# --- waiting conversations ------------------------------------------------------------------


def waiting_queryset(*, workspace_id: int):
    """Open, unassigned conversations waiting for an owner; a blocked customer's never wait
    (they are in the blocked view until someone unblocks them)."""
    return Conversation.objects.filter(
        workspace_id=workspace_id, status=OPEN, assignee__isnull=True
    ).filter(customer__is_blocked=False)


def assign_waiting(*, workspace_id: int, now: datetime.datetime, limit: int = 200) -> int:
    """Round robin: hand out open, unassigned conversations (oldest first) to agents who are
    online with room. Runs when an agent comes online and periodically as a safety net."""
    settings = routing_settings_get(workspace_id=workspace_id)
    if settings.mode != RoutingMode.ROUND_ROBIN:
        return 0
    online_memberships = set()
    for presence in AgentPresence.objects.filter(
        workspace_id=workspace_id,
        status=PresenceStatus.ONLINE,
        socket_count__gt=0,
        membership__is_active=True,
    ):
        state = policies.presence_state(
            status=presence.status,
            socket_count=presence.socket_count,
            last_seen_at=presence.last_seen_at,
            idle_timeout_minutes=settings.idle_timeout_minutes,
            now=now,
        )
        if state == policies.STATE_ONLINE:
            online_memberships.add(presence.membership_id)
    if not online_memberships:
        return 0
    lists = list(
        ChannelAgent.objects.filter(workspace_id=workspace_id).values_list(
            "channel_account_id", "membership_id"
        )
    )
    own_lists = {channel for channel, _member in lists if channel is not None}
    served = {channel for channel, member in lists if channel and member in online_memberships}
    default_served = any(channel is None and m in online_memberships for channel, m in lists)
    reachable = Q(channel_account_id__in=served)
    if default_served:
        reachable |= ~Q(channel_account_id__in=own_lists)
    waiting = list(
        waiting_queryset(workspace_id=workspace_id)
        .filter(reachable)
        .order_by("last_message_at", "id")
        .values_list("pk", "channel_account_id")[:limit]
    )
    assigned = 0
    full_lists: set[int | None] = set()
    for pk, channel_id in waiting:
        list_key = channel_id if channel_id in own_lists else None
        if list_key in full_lists:
            continue
        with transaction.atomic():
            conversation = lock(workspace_id=workspace_id, pk=pk, skip_locked=True)
            if conversation is None or conversation.assignee_id or conversation.status != OPEN:
                continue
            if auto_assign(conversation=conversation, settings=settings, now=now) is None:
                full_lists.add(list_key)
            else:
                assigned += 1
    return assigned


def assign_waiting_sweep(*, now: datetime.datetime) -> int:
    """Every round-robin workspace with someone online and someone waiting."""
    workspace_ids = RoutingSettings.objects.filter(mode=RoutingMode.ROUND_ROBIN).filter(
        Exists(waiting_queryset(workspace_id=OuterRef("workspace_id"))),
        Exists(
            AgentPresence.objects.filter(
                workspace_id=OuterRef("workspace_id"),
                status=PresenceStatus.ONLINE,
                socket_count__gt=0,
            )
        ),
    )
    return sum(
        assign_waiting(workspace_id=workspace_id, now=now)
        for workspace_id in workspace_ids.values_list("workspace_id", flat=True)
    )
