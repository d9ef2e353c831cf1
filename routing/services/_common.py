"""What every routing service shares: the locked read of a conversation with its settings,
the admin and member checks, and the anti-steal deadline of a new owner."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User, Workspace
from conversations.models import Conversation, ConversationStatus
from conversations.services.acting import active_membership
from inbox_project.errors import ApplicationError
from routing import policies
from routing.models import RoutingSettings
from routing.selectors import business_hours_of

OPEN = ConversationStatus.OPEN
# The task that hands out a round-robin workspace's waiting pool (queued by name, on commit).
ASSIGN_WAITING_TASK = "routing.tasks.assign_waiting_task"


def now_or(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def require_admin(*, workspace_id: int, user: User) -> Membership:
    membership = active_membership(workspace_id=workspace_id, user=user)
    if not membership.is_admin:
        raise ApplicationError(_("Only an admin can do this."), code="not_admin")
    return membership


def target_member(*, workspace_id: int, user: User) -> User:
    if not Membership.objects.filter(workspace_id=workspace_id, user=user, is_active=True).exists():
        raise ApplicationError(
            _("%(name)s is not a member of this workspace.") % {"name": user.display_name},
            code="not_member",
        )
    return user


def lock(*, workspace_id: int, pk: int, skip_locked: bool = False) -> Conversation | None:
    """The conversation row, locked for this transaction (FOR NO KEY UPDATE), with its holder,
    workspace and the workspace's routing settings in the same round trip."""
    return (
        Conversation.objects.select_for_update(no_key=True, skip_locked=skip_locked, of=("self",))
        .select_related("assignee", "workspace", "workspace__routing_settings")
        .filter(workspace_id=workspace_id, pk=pk)
        .first()
    )


def lock_or_error(*, workspace: Workspace, pk: int) -> Conversation:
    conversation = lock(workspace_id=workspace.pk, pk=pk)
    if conversation is None:
        raise ApplicationError(_("This conversation does not exist."), code="not_found")
    return conversation


def settings_of(conversation: Conversation) -> RoutingSettings:
    """The settings loaded with the conversation (defaults when the workspace has none)."""
    try:
        return conversation.workspace.routing_settings
    except RoutingSettings.DoesNotExist:
        return RoutingSettings(workspace=conversation.workspace)


def anti_steal_deadline(*, settings: RoutingSettings, now: datetime.datetime) -> datetime.datetime:
    return policies.release_deadline_at(
        start=now, minutes=settings.anti_steal_minutes, hours=business_hours_of(settings)
    )


def deadline_if_waiting(
    *, conversation: Conversation, settings: RoutingSettings, now: datetime.datetime
) -> datetime.datetime | None:
    """Arm the anti-steal clock for a new owner when the customer is waiting for an answer."""
    if not settings.anti_steal_enabled or not policies.is_waiting_for_reply(
        last_inbound_at=conversation.last_inbound_at,
        last_outbound_at=conversation.last_outbound_at,
    ):
        return None
    return anti_steal_deadline(settings=settings, now=now)
