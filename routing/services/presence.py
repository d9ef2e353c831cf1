"""Agent presence: online / away, open inbox sockets, and activity. An agent who becomes
available in a round-robin workspace gets the waiting pool (queued on commit)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from conversations import events
from inbox_project.errors import ApplicationError
from inbox_project.on_commit import enqueue_on_commit
from routing import policies
from routing.models import AgentPresence, PresenceStatus, RoutingMode, RoutingSettings
from routing.selectors import routing_settings_get
from routing.services._common import ASSIGN_WAITING_TASK, now_or

# Agent activity is written at most this often (replies, claims and pings all touch it).
TOUCH_EVERY = datetime.timedelta(seconds=30)


def _presence_for_update(*, membership: Membership, now: datetime.datetime) -> AgentPresence:
    presence, _created = AgentPresence.objects.get_or_create(
        membership=membership,
        defaults={"workspace_id": membership.workspace_id, "last_seen_at": now},
    )
    return AgentPresence.objects.select_for_update().get(
        workspace_id=membership.workspace_id, pk=presence.pk
    )


def _state(presence: AgentPresence, settings: RoutingSettings, now: datetime.datetime) -> str:
    return policies.presence_state(
        status=presence.status,
        socket_count=presence.socket_count,
        last_seen_at=presence.last_seen_at,
        idle_timeout_minutes=settings.idle_timeout_minutes,
        now=now,
    )


def _presence_change(*, membership: Membership, now: datetime.datetime, change) -> AgentPresence:
    """Apply `change` to the locked presence row; when the agent just became available in a
    round-robin workspace, hand out waiting conversations after commit."""
    settings = routing_settings_get(workspace_id=membership.workspace_id)
    with transaction.atomic():
        presence = _presence_for_update(membership=membership, now=now)
        before = _state(presence, settings, now)
        change(presence)
        presence.save()
        after = _state(presence, settings, now)
        if before == after:
            return presence
        if after == policies.STATE_ONLINE and settings.mode == RoutingMode.ROUND_ROBIN:
            enqueue_on_commit(ASSIGN_WAITING_TASK, membership.workspace_id)
        events.user_nudge(
            membership.workspace_id, membership.user_id, reason="presence", state=after
        )
    return presence


def presence_set(
    *, membership: Membership, status: str, now: datetime.datetime | None = None
) -> AgentPresence:
    """An agent says they are online or away."""
    now = now_or(now)
    if status not in PresenceStatus.values:
        raise ApplicationError(_("Unknown status."), code="invalid_status")

    def change(presence: AgentPresence) -> None:
        if presence.status != status:
            presence.status = status
            presence.status_changed_at = now
        presence.last_seen_at = now

    return _presence_change(membership=membership, now=now, change=change)


def _membership_of(*, user: User, workspace_id: int) -> Membership | None:
    return Membership.objects.filter(workspace_id=workspace_id, user=user, is_active=True).first()


def presence_socket_connected(
    *, user: User, workspace_id: int, now: datetime.datetime | None = None
) -> AgentPresence | None:
    """A browser of this agent opened the inbox socket (call from the consumer's connect)."""
    now = now_or(now)
    membership = _membership_of(user=user, workspace_id=workspace_id)
    if membership is None:
        return None

    def change(presence: AgentPresence) -> None:
        presence.socket_count += 1
        presence.last_seen_at = now

    return _presence_change(membership=membership, now=now, change=change)


def presence_socket_disconnected(
    *, user: User, workspace_id: int, now: datetime.datetime | None = None
) -> AgentPresence | None:
    """A browser closed; with none left the agent is offline and gets no new customers."""
    now = now_or(now)
    membership = _membership_of(user=user, workspace_id=workspace_id)
    if membership is None:
        return None

    def change(presence: AgentPresence) -> None:
        presence.socket_count = max(0, presence.socket_count - 1)

    return _presence_change(membership=membership, now=now, change=change)


def presence_touch(*, user: User, workspace_id: int, now: datetime.datetime | None = None) -> None:
    """A sign of activity (a reply, a claim, a ping from the page): at most one write per
    TOUCH_EVERY. An idle agent who becomes active gets waiting customers again."""
    now = now_or(now)
    stale = (
        AgentPresence.objects.filter(
            workspace_id=workspace_id, membership__user=user, last_seen_at__lt=now - TOUCH_EVERY
        )
        .values("pk", "status", "socket_count", "last_seen_at")
        .first()
    )
    if stale is None:
        return
    AgentPresence.objects.filter(workspace_id=workspace_id, pk=stale["pk"]).update(last_seen_at=now)
    if stale["status"] != PresenceStatus.ONLINE or stale["socket_count"] <= 0:
        return
    settings = routing_settings_get(workspace_id=workspace_id)
    idle_limit = datetime.timedelta(minutes=settings.idle_timeout_minutes)
    was_idle = settings.idle_timeout_minutes and now - stale["last_seen_at"] > idle_limit
    if was_idle and settings.mode == RoutingMode.ROUND_ROBIN:
        enqueue_on_commit(ASSIGN_WAITING_TASK, workspace_id)
