"""Removing a member and undoing it, as far as their customers go.

Removal sends the open conversations the person held back to the queue (round robin hands
them on; closed ones keep them as their last handler, for history and reports) and remembers
which ones it released. Reinstating gives back those still waiting for someone; conversations
a colleague has taken since, or that were closed or archived meanwhile, stay as they are."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from accounts import services as accounts_services
from accounts.models import Membership
from conversations.models import Conversation, ConversationStatus
from routing import services


@dataclass(frozen=True)
class RemovalPreview:
    open_held: int


@dataclass(frozen=True)
class ReinstateOutcome:
    returned: int
    kept_by_others: int


def _open_held(membership: Membership):
    return Conversation.objects.filter(
        workspace_id=membership.workspace_id,
        assignee_id=membership.user_id,
        status=ConversationStatus.OPEN,
    )


def removal_preview(*, membership: Membership) -> RemovalPreview:
    return RemovalPreview(open_held=_open_held(membership).count())


def member_remove(*, actor: Membership, membership: Membership) -> list[int]:
    """Remove the member and release their open conversations; returns the released ids."""
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        released = list(_open_held(locked).order_by("pk").values_list("pk", flat=True))
        accounts_services.membership_deactivate(
            actor=actor, membership=locked, released_conversation_ids=released
        )
        for conversation_id in released:
            services.conversation_unassign(
                conversation_id=conversation_id, actor=actor.user, workspace=locked.workspace
            )
    return released


def member_reinstate(*, actor: Membership, membership: Membership) -> ReinstateOutcome:
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        released = list(locked.released_conversation_ids)
        accounts_services.membership_reinstate(actor=actor, membership=locked)
        waiting = list(
            Conversation.objects.filter(
                workspace_id=locked.workspace_id,
                pk__in=released,
                assignee__isnull=True,
                status=ConversationStatus.OPEN,
            ).values_list("pk", flat=True)
        )
        for conversation_id in waiting:
            services.conversation_assign(
                conversation_id=conversation_id,
                actor=actor.user,
                workspace=locked.workspace,
                to_user=locked.user,
            )
    return ReinstateOutcome(returned=len(waiting), kept_by_others=len(released) - len(waiting))
