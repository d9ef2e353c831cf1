"""Round robin: give a locked, unassigned conversation to the next agent of its channel who
is online with room. Locks, after the conversation row, the channel's list rows and then the
capped agents' presence rows, each in id order."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count

from accounts.models import Membership, User
from conversations.models import Conversation
from routing import policies
from routing.models import AgentPresence, AssignmentReason, ChannelAgent, RoutingSettings
from routing.services._common import (
    OPEN,
    anti_steal_deadline,
    deadline_if_waiting,
    lock,
    now_or,
    settings_of,
)
from routing.services.records import owner_change


def _round_robin_list(*, workspace_id: int, channel_account_id: int) -> list[ChannelAgent]:
    """The channel's own list, else the workspace's default list; rows locked in id order."""
    for channel_filter in ({"channel_account_id": channel_account_id}, {"channel_account": None}):
        rows = list(
            ChannelAgent.objects.select_for_update(of=("self",))
            .select_related("membership__user", "membership__presence")
            .filter(workspace_id=workspace_id, **channel_filter)
            .order_by("pk")
        )
        if rows:
            return rows
    return []


def _open_counts(*, workspace_id: int, user_ids: Iterable[int]) -> dict[int, int]:
    return dict(
        Conversation.objects.filter(
            workspace_id=workspace_id, status=OPEN, assignee_id__in=user_ids
        )
        .values_list("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )


def auto_assign(
    *,
    conversation: Conversation,
    settings: RoutingSettings,
    now: datetime.datetime,
    exclude_user_ids: Iterable[int] = (),
) -> User | None:
    """Give a locked, open, unassigned conversation to the next eligible agent of its
    channel. None when nobody is online with room (it waits in the pool)."""
    rows = _round_robin_list(
        workspace_id=conversation.workspace_id,
        channel_account_id=conversation.channel_account_id,
    )
    active = [row for row in rows if row.membership.is_active]
    if not active:
        return None
    presences = {
        row.membership_id: row.membership.presence
        for row in active
        if hasattr(row.membership, "presence")  # joined in the list query: no extra round trip
    }

    def state_of(presence: AgentPresence | None) -> str:
        if presence is None:
            return policies.STATE_OFFLINE
        return policies.presence_state(
            status=presence.status,
            socket_count=presence.socket_count,
            last_seen_at=presence.last_seen_at,
            idle_timeout_minutes=settings.idle_timeout_minutes,
            now=now,
        )

    online = [
        row for row in active if state_of(presences.get(row.membership_id)) == policies.STATE_ONLINE
    ]
    capped = sorted(
        (presences[row.membership_id] for row in online if presences[row.membership_id].capacity),
        key=lambda p: p.pk,
    )
    counts: dict[int, int] = {}
    if capped:
        # Capacity is shared by every channel an agent serves: lock the capped agents'
        # presence rows (in id order) so two channels cannot both fill the last seat.
        locked = (
            AgentPresence.objects.select_for_update()
            .filter(workspace_id=conversation.workspace_id, pk__in=[p.pk for p in capped])
            .order_by("pk")
        )
        presences.update({p.membership_id: p for p in locked})
        counts = _open_counts(
            workspace_id=conversation.workspace_id,
            user_ids=[row.membership.user_id for row in online],
        )
    candidates = [
        policies.Candidate(
            user_id=row.membership.user_id,
            turn=row.last_assigned_turn,
            row_id=row.pk,
            state=policies.STATE_ONLINE,
            open_count=counts.get(row.membership.user_id, 0),
            capacity=presences[row.membership_id].capacity,
        )
        for row in online
    ]
    ordered = policies.round_robin_order(candidates, exclude_user_ids=exclude_user_ids)
    if not ordered:
        return None
    chosen = ordered[0]
    row = next(r for r in active if r.pk == chosen.row_id)
    user = row.membership.user
    ChannelAgent.objects.filter(workspace_id=conversation.workspace_id, pk=row.pk).update(
        last_assigned_turn=policies.next_turn([r.last_assigned_turn for r in rows]),
        last_assigned_at=now,
    )
    deadline = None
    if settings.anti_steal_enabled:
        deadline = anti_steal_deadline(settings=settings, now=now)
    owner_change(
        conversation=conversation,
        to_user=user,
        reason=AssignmentReason.AUTO_ASSIGNED,
        actor=None,
        now=now,
        deadline=deadline,
    )
    return user


def conversation_hand_to_round_robin(
    *, conversation: Conversation, now: datetime.datetime | None = None
) -> User | None:
    """Automation hands a customer to round robin, whatever the workspace's mode: the next
    eligible agent of the channel gets the open, unassigned conversation. None when it is
    held or not open, or nobody is online with room (it stays in the pool)."""
    now = now_or(now)
    with transaction.atomic():
        locked = lock(workspace_id=conversation.workspace_id, pk=conversation.pk)
        if locked is None or locked.status != OPEN or locked.assignee_id is not None:
            return None
        return auto_assign(conversation=locked, settings=settings_of(locked), now=now)


def conversation_give_automatically(
    *, conversation: Conversation, to_user_id: int, now: datetime.datetime | None = None
) -> str:
    """Automation gives the open, unassigned conversation to a named member. Returns "" when
    done (or when that member already holds it), else why not: "not_member" (no longer an
    active member of the workspace), "held" (someone else holds it), "not_open"."""
    now = now_or(now)
    with transaction.atomic():
        locked = lock(workspace_id=conversation.workspace_id, pk=conversation.pk)
        if locked is None or locked.status != OPEN:
            return "not_open"
        if locked.assignee_id == to_user_id:
            return ""
        if locked.assignee_id is not None:
            return "held"
        member = (
            Membership.objects.filter(workspace_id=conversation.workspace_id, user_id=to_user_id,
                                      is_active=True, user__is_active=True)
            .select_related("user").first()
        )  # fmt: skip
        if member is None:
            return "not_member"
        settings = settings_of(locked)
        owner_change(
            conversation=locked, to_user=member.user, reason=AssignmentReason.AUTO_ASSIGNED,
            actor=None, now=now,
            deadline=deadline_if_waiting(conversation=locked, settings=settings, now=now),
        )  # fmt: skip
        conversation.assignee_id = member.user_id
    return ""
