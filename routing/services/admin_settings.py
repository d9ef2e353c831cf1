"""What an admin sets for routing: the workspace's routing settings (and its opening hours,
which the same page edits), the agent list of each
channel (or the default list) and the agents' capacities. A change that may let someone
take waiting customers queues the round-robin hand-out on commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.admin_actions import admin_action_publish
from accounts.models import Membership, User, Workspace
from accounts.services import workspace_hours_update
from conversations.channels import channel_accounts_of
from conversations.models import Conversation
from inbox_project.errors import ApplicationError
from inbox_project.on_commit import enqueue_on_commit
from routing.models import AgentPresence, ChannelAgent, RoutingMode, RoutingSettings
from routing.services._common import ASSIGN_WAITING_TASK, require_admin

SETTINGS_FIELDS = (
    "mode",
    "anti_steal_enabled",
    "anti_steal_minutes",
    "idle_timeout_minutes",
    "business_hours_only",
)
HOURS_FIELDS = ("business_days", "business_start", "business_end", "closed_on_holidays")


def routing_settings_update(*, workspace: Workspace, actor: User, **fields) -> RoutingSettings:
    """Save the workspace's routing settings. Switching anti-steal off stops every running
    clock; switching to round robin hands out the waiting pool."""
    require_admin(workspace_id=workspace.pk, user=actor)
    unknown = set(fields) - set(SETTINGS_FIELDS) - set(HOURS_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown setting."), code="invalid")
    with transaction.atomic():
        settings, _created = RoutingSettings.objects.select_for_update().get_or_create(
            workspace=workspace
        )
        was_mode, was_anti_steal = settings.mode, settings.anti_steal_enabled
        before = _snapshot(settings, workspace)
        hours = {name: fields.pop(name) for name in HOURS_FIELDS if name in fields}
        if hours:
            workspace_hours_update(
                workspace=workspace,
                days=hours.get("business_days", workspace.business_days) or [],
                start=hours.get("business_start", workspace.business_start),
                end=hours.get("business_end", workspace.business_end),
                closed_on_holidays=hours.get("closed_on_holidays"),
            )
        for name, value in fields.items():
            setattr(settings, name, value)
        settings.full_clean(exclude=["workspace"])
        settings.save()
        if was_anti_steal and not settings.anti_steal_enabled:
            Conversation.objects.filter(workspace=workspace, release_deadline__isnull=False).update(
                release_deadline=None
            )
        if settings.mode == RoutingMode.ROUND_ROBIN and was_mode != RoutingMode.ROUND_ROBIN:
            enqueue_on_commit(ASSIGN_WAITING_TASK, workspace.pk)
        after = _snapshot(settings, workspace)
        changed = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
        if changed:
            admin_action_publish(workspace_id=workspace.pk, actor=actor,
                                 action="routing.settings_changed", target_type="workspace",
                                 target_id=workspace.pk, target_label=workspace.name,
                                 details=changed)  # fmt: skip
    return settings


def _snapshot(settings: RoutingSettings, workspace: Workspace) -> dict:
    """The page's values as JSON-safe plain values, to say what a save changed."""
    values = {name: getattr(settings, name) for name in SETTINGS_FIELDS}
    values.update({name: getattr(workspace, name) for name in HOURS_FIELDS})
    return {
        k: (list(v) if isinstance(v, list | tuple) else v if v is None or
            isinstance(v, bool | int | float) else str(v))
        for k, v in values.items()
    }  # fmt: skip


def channel_agents_set(
    *,
    workspace: Workspace,
    actor: User,
    channel_account_id: int | None,
    membership_ids: Iterable[int],
) -> list[ChannelAgent]:
    """Replace a channel account's agent list (None: the default list). Agents kept on the
    list keep their round-robin place; new ones join at the front once."""
    require_admin(workspace_id=workspace.pk, user=actor)
    wanted = set(
        Membership.objects.filter(
            workspace=workspace, is_active=True, pk__in=list(membership_ids)
        ).values_list("pk", flat=True)
    )
    if channel_account_id is not None:
        if (
            not channel_accounts_of(workspace_id=workspace.pk)
            .filter(pk=channel_account_id)
            .exists()
        ):
            raise ApplicationError(_("This channel does not exist."), code="not_found")
    with transaction.atomic():
        rows = ChannelAgent.objects.select_for_update().filter(
            workspace=workspace, channel_account_id=channel_account_id
        )
        present = {row.membership_id: row for row in rows}
        ChannelAgent.objects.filter(
            workspace=workspace,
            channel_account_id=channel_account_id,
            membership_id__in=set(present) - wanted,
        ).delete()
        ChannelAgent.objects.bulk_create(
            [
                ChannelAgent(
                    workspace=workspace,
                    channel_account_id=channel_account_id,
                    membership_id=membership_id,
                )
                for membership_id in sorted(wanted - set(present))
            ]
        )
        if wanted - set(present):
            enqueue_on_commit(ASSIGN_WAITING_TASK, workspace.pk)
        added, removed = wanted - set(present), set(present) - wanted
        if added or removed:
            emails = dict(Membership.objects.filter(pk__in=added | removed)
                          .values_list("pk", "user__email"))  # fmt: skip
            admin_action_publish(
                workspace_id=workspace.pk, actor=actor, action="routing.agents_changed",
                target_type="channel" if channel_account_id else "workspace",
                target_id=channel_account_id or workspace.pk,
                target_label=_channel_label(workspace, channel_account_id),
                details={"added": sorted(emails[i] for i in added),
                         "removed": sorted(emails[i] for i in removed)},
            )  # fmt: skip
    return list(
        ChannelAgent.objects.filter(workspace=workspace, channel_account_id=channel_account_id)
    )


def agent_capacity_set(
    *, workspace: Workspace, actor: User, capacities: dict[int, int | None]
) -> None:
    """Caps on open conversations per member (None: no cap). Round robin respects them;
    claims, transfers and admin assignments are deliberate and may go beyond."""
    require_admin(workspace_id=workspace.pk, user=actor)
    members = Membership.objects.filter(workspace=workspace,
                                        pk__in=list(capacities)).select_related("user")  # fmt: skip
    now = timezone.now()
    changed: dict[str, dict] = {}
    with transaction.atomic():
        for membership in members:
            capacity = capacities[membership.pk]
            if capacity is not None and not 1 <= capacity <= 10000:
                raise ApplicationError(
                    _("Capacity must be a whole number from 1 to 10000."), code="invalid"
                )
            presence, created = AgentPresence.objects.get_or_create(
                membership=membership,
                defaults={
                    "workspace_id": workspace.pk,
                    "capacity": capacity,
                    "socket_count": 0,
                    "last_seen_at": now,
                },
            )
            if not created and presence.capacity != capacity:
                AgentPresence.objects.filter(workspace=workspace, pk=presence.pk).update(
                    capacity=capacity
                )
            if capacity != (None if created else presence.capacity):
                changed[membership.user.email] = {
                    "from": None if created else presence.capacity,
                    "to": capacity,
                }
        if changed:
            admin_action_publish(workspace_id=workspace.pk, actor=actor,
                                 action="routing.capacity_changed", target_type="workspace",
                                 target_id=workspace.pk, target_label=workspace.name,
                                 details=changed)  # fmt: skip
        enqueue_on_commit(ASSIGN_WAITING_TASK, workspace.pk)


def _channel_label(workspace: Workspace, channel_account_id: int | None) -> str:
    if channel_account_id is None:
        return workspace.name
    return (channel_accounts_of(workspace_id=workspace.pk).filter(pk=channel_account_id)
            .values_list("display_name", flat=True).first() or "")  # fmt: skip
