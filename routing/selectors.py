"""Read-side queries of routing. Every selector is scoped by workspace."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from accounts.business_hours import BusinessHours
from accounts.models import Membership
from conversations.channels import channel_accounts_of
from conversations.models import Conversation, ConversationStatus
from routing import policies
from routing.models import AgentPresence, ChannelAgent, RoutingMode, RoutingSettings


def routing_settings_get(*, workspace_id: int) -> RoutingSettings:
    """The workspace's settings, or unsaved defaults when it never saved any."""
    found = (
        RoutingSettings.objects.select_related("workspace")
        .filter(workspace_id=workspace_id)
        .first()
    )
    return found or RoutingSettings(workspace_id=workspace_id)


def business_hours_of(settings: RoutingSettings) -> BusinessHours | None:
    """The hours the anti-steal clock runs in: the workspace's, when routing counts only
    business time."""
    if not settings.business_hours_only or settings.pk is None:
        return None
    return settings.workspace.business_hours


def active_members(*, workspace_id: int) -> list[Membership]:
    return list(
        Membership.objects.filter(workspace_id=workspace_id, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


@dataclass
class AgentRow:
    membership: Membership
    presence: AgentPresence | None
    state: str
    open_count: int


def agents_overview(
    *, workspace_id: int, now: datetime.datetime | None = None, open_counts: dict | None = None
) -> list[AgentRow]:
    """Every active member with their live state and open conversations (settings page).
    `open_counts` ({user id: open conversations}) when the caller counted them already."""
    now = now or timezone.now()
    settings = routing_settings_get(workspace_id=workspace_id)
    members = active_members(workspace_id=workspace_id)
    presences = {
        p.membership_id: p for p in AgentPresence.objects.filter(workspace_id=workspace_id)
    }
    if open_counts is None:
        open_counts = dict(
            Conversation.objects.filter(
                workspace_id=workspace_id, status=ConversationStatus.OPEN, assignee__isnull=False
            )
            .values_list("assignee_id")
            .annotate(n=Count("id"))
            .values_list("assignee_id", "n")
        )
    rows = []
    for member in members:
        presence = presences.get(member.pk)
        state = (
            policies.STATE_OFFLINE
            if presence is None
            else policies.presence_state(
                status=presence.status,
                socket_count=presence.socket_count,
                last_seen_at=presence.last_seen_at,
                idle_timeout_minutes=settings.idle_timeout_minutes,
                now=now,
            )
        )
        rows.append(AgentRow(member, presence, state, open_counts.get(member.user_id, 0)))
    return rows


@dataclass
class ChannelList:
    channel_account: object | None  # None: the workspace's default list
    membership_ids: set[int] = field(default_factory=set)


def channel_lists(*, workspace_id: int) -> tuple[ChannelList, list[ChannelList]]:
    """The default list and one list per channel account, for the settings page."""
    default = ChannelList(None)
    by_channel = {
        account.pk: ChannelList(account)
        for account in channel_accounts_of(workspace_id=workspace_id)
    }
    for channel_id, membership_id in ChannelAgent.objects.filter(
        workspace_id=workspace_id
    ).values_list("channel_account_id", "membership_id"):
        target = default if channel_id is None else by_channel.get(channel_id)
        if target is not None:
            target.membership_ids.add(membership_id)
    return default, list(by_channel.values())


def my_presence(*, membership: Membership) -> AgentPresence | None:
    return AgentPresence.objects.filter(
        workspace_id=membership.workspace_id, membership=membership
    ).first()


@dataclass
class PanelState:
    """What the claim panel shows a given member for a given conversation."""

    mode: str
    is_admin: bool
    is_mine: bool
    held_by_other: bool
    can_act: bool
    can_claim: bool
    is_closed: bool
    transfer_targets: list[AgentRow]


def panel_state(*, conversation: Conversation, membership: Membership | None) -> PanelState:
    settings = routing_settings_get(workspace_id=conversation.workspace_id)
    user_id = membership.user_id if membership else None
    is_admin = bool(membership and membership.is_admin)
    assignee_id = conversation.assignee_id
    is_closed = conversation.status != ConversationStatus.OPEN
    can_act = membership is not None and (
        policies.act_refusal(assignee_id=assignee_id, user_id=user_id, is_admin=is_admin) is None
    )
    targets = []
    if can_act and not is_closed:
        # With each colleague's live state and open load, so nobody hands a customer to an
        # agent who is away or already drowning without seeing it.
        targets = [
            row
            for row in agents_overview(workspace_id=conversation.workspace_id)
            if row.membership.user_id != assignee_id
        ]
    return PanelState(
        mode=settings.mode,
        is_admin=is_admin,
        is_mine=assignee_id is not None and assignee_id == user_id,
        held_by_other=assignee_id is not None and assignee_id != user_id,
        can_act=can_act,
        can_claim=(
            membership is not None
            and assignee_id is None
            and not is_closed
            and (settings.mode != RoutingMode.MANUAL or is_admin)
        ),
        is_closed=is_closed,
        transfer_targets=targets,
    )


def waiting_count(*, workspace_id: int) -> int:
    """Open, unassigned conversations; a blocked customer's are not waiting for anyone."""
    return Conversation.objects.filter(
        Q(workspace_id=workspace_id, status=ConversationStatus.OPEN, assignee__isnull=True),
        customer__is_blocked=False,
    ).count()
