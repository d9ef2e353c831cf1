"""Close, archive and reopen a conversation (nothing is ever deleted).

The inbox owns the status; who owns the customer afterwards is routing's, which reacts to
`ConversationClosed` / `ConversationReopened` inside the same transaction (the history row,
the timeline line, the new owner of a reopened conversation). A closed conversation keeps
its last handler until the customer writes again; an archived one is history until an agent
brings it back, which fails when the contact already has a newer live conversation.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import domain_events, events
from conversations.models import Conversation, ConversationStatus
from conversations.services.acting import (
    active_membership,
    check_can_act,
    conversation_assert_can_act,
)
from conversations.services.system_events import system_event_create
from inbox_project.domain_events import publish
from inbox_project.errors import ApplicationError

OPEN, CLOSED, ARCHIVED = (
    ConversationStatus.OPEN, ConversationStatus.CLOSED, ConversationStatus.ARCHIVED,
)  # fmt: skip


def _locked(*, workspace, pk: int) -> Conversation:
    """The conversation row, locked for this transaction, with its holder."""
    conversation = (
        Conversation.objects.select_for_update(no_key=True, of=("self",))
        .select_related("assignee", "workspace")
        .filter(workspace_id=workspace.pk, pk=pk)
        .first()
    )
    if conversation is None:
        raise ApplicationError(_("This conversation does not exist."), code="not_found")
    return conversation


def conversation_close(
    *, conversation_id: int, user, workspace, now: datetime.datetime | None = None
) -> Conversation:
    """End the consultation (the claimant or an admin). The last handler stays on it; the
    customer's next message reopens it. Closing a closed conversation is a no-op."""
    now = now or timezone.now()
    with transaction.atomic():
        conversation = _locked(workspace=workspace, pk=conversation_id)
        membership = active_membership(workspace_id=workspace.pk, user=user)
        if conversation.status != OPEN:
            return conversation
        check_can_act(conversation=conversation, user=user, membership=membership)
        fields = {"status": CLOSED, "closed_at": now, "release_deadline": None}
        Conversation.objects.filter(workspace_id=workspace.pk, pk=conversation.pk).update(**fields)
        for name, value in fields.items():
            setattr(conversation, name, value)
        publish(domain_events.ConversationClosed(
            workspace_id=workspace.pk, conversation_id=conversation.pk, actor_id=user.pk,
            handler_id=conversation.assignee_id, closed_at=now,
        ))  # fmt: skip
    return conversation


def conversation_reopen(
    *, conversation_id: int, user, workspace, now: datetime.datetime | None = None
) -> Conversation:
    """Reopen a closed conversation; routing decides who holds it then (whoever reopens it,
    except an agent in manual mode, whose reopen leaves it for an admin to assign)."""
    now = now or timezone.now()
    with transaction.atomic():
        conversation = _locked(workspace=workspace, pk=conversation_id)
        active_membership(workspace_id=workspace.pk, user=user)
        if conversation.status == OPEN:
            return conversation
        if conversation.status == ARCHIVED:
            raise ApplicationError(
                _("Archived conversations cannot be reopened here."), code="archived"
            )
        Conversation.objects.filter(workspace_id=workspace.pk, pk=conversation.pk).update(
            status=OPEN, closed_at=None
        )
        conversation.status, conversation.closed_at = OPEN, None
        publish(domain_events.ConversationReopened(
            workspace_id=workspace.pk, conversation_id=conversation.pk, previous_status=CLOSED,
            actor_id=user.pk, handler_id=conversation.assignee_id, reopened_at=now,
        ))  # fmt: skip
    return conversation


def conversation_status_set(*, conversation: Conversation, user, status: str) -> Conversation:
    """Close, archive or reopen, as the inbox's status menu asks."""
    if status not in ConversationStatus.values:
        raise ApplicationError(_("Unknown status."), code="status")
    if conversation.status == status:
        return conversation
    workspace = conversation.workspace
    if status == CLOSED:
        return conversation_close(conversation_id=conversation.pk, user=user, workspace=workspace)
    if status == OPEN and conversation.status == CLOSED:
        return conversation_reopen(conversation_id=conversation.pk, user=user, workspace=workspace)
    return _archive_or_unarchive(conversation=conversation, user=user, status=status)


def _archive_or_unarchive(*, conversation: Conversation, user, status: str) -> Conversation:
    if conversation.status == OPEN:
        # An open conversation belongs to its claimant; a closed or archived one to nobody.
        conversation_assert_can_act(conversation=conversation, user=user)
    now = timezone.now()
    previous = conversation.status
    fields = {"status": status}
    if status == OPEN:
        fields["closed_at"] = None
    elif conversation.closed_at is None:
        fields["closed_at"] = now
    try:
        with transaction.atomic():
            Conversation.objects.filter(
                workspace_id=conversation.workspace_id, pk=conversation.pk
            ).update(**fields)
            for name, value in fields.items():
                setattr(conversation, name, value)
            system_event_create(
                conversation=conversation, user=user,
                event="archived" if status == ARCHIVED else "unarchived",
            )  # fmt: skip
            publish(_archive_event(conversation=conversation, user=user, previous=previous,
                                   now=now))  # fmt: skip
    except IntegrityError as error:
        raise ApplicationError(
            _("This customer already has a live conversation; open that one instead."),
            code="live_conversation_exists",
        ) from error
    events.conversation_changed(conversation, reason=f"status:{status}")
    return conversation


def _archive_event(*, conversation: Conversation, user, previous: str, now):
    if conversation.status == ARCHIVED:
        return domain_events.ConversationArchived(
            workspace_id=conversation.workspace_id, conversation_id=conversation.pk,
            actor_id=user.pk, archived_at=now,
        )  # fmt: skip
    return domain_events.ConversationReopened(
        workspace_id=conversation.workspace_id, conversation_id=conversation.pk,
        previous_status=previous, actor_id=user.pk, handler_id=conversation.assignee_id,
        reopened_at=now,
    )  # fmt: skip
