"""Who holds a conversation, changed by people: claim, release, transfer, and an admin's
assign / unassign. Each takes the conversation row lock first (a claim instead wins with one
conditional UPDATE) and changes the owner through `records.owner_change`."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Subquery
from django.utils.translation import gettext as _

from accounts.models import ROLE_RANK, Membership, Role, User, Workspace
from conversations.models import Conversation, ConversationStatus, Message
from conversations.services.acting import (
    active_membership,
    check_can_act,
    closed_error,
    taken_error,
)
from conversations.services.notes import note_message_create
from inbox_project.errors import ApplicationError
from inbox_project.on_commit import enqueue_on_commit
from routing.models import AssignmentReason, RoutingMode, RoutingSettings
from routing.services._common import (
    ASSIGN_WAITING_TASK,
    OPEN,
    deadline_if_waiting,
    lock_or_error,
    now_or,
    require_admin,
    settings_of,
    target_member,
)
from routing.services.records import change_record, owner_change
from routing.services.round_robin import auto_assign


def _claim_allowed(*, workspace: Workspace, user: User) -> None:
    """A member may claim, except an agent of a workspace where only admins assign (one
    round trip for the member's role and the workspace's mode)."""
    member = (
        Membership.objects.filter(workspace=workspace, user=user, is_active=True)
        .annotate(
            mode=Subquery(RoutingSettings.objects.filter(workspace=workspace).values("mode")[:1])
        )
        .values_list("role", "mode")[:1]
    )
    member = next(iter(member), None)
    if member is None:
        raise ApplicationError(_("You are not a member of this workspace."), code="not_member")
    role, mode = member
    if mode == RoutingMode.MANUAL and ROLE_RANK[Role(role)] < ROLE_RANK[Role.ADMIN]:
        raise ApplicationError(
            _("In this workspace an admin assigns customers to agents."), code="manual_mode"
        )


def _claim_lost(*, in_workspace, user: User) -> Conversation:
    """Say why a claim did not win, from the row as the winner committed it (or return the
    conversation when the claimant already holds it)."""
    holder = next(
        iter(in_workspace.values_list("status", "assignee_id", "assignee__full_name",
                                      "assignee__email")[:1]),
        None,
    )  # fmt: skip
    if holder is None:
        raise ApplicationError(_("This conversation does not exist."), code="not_found")
    status, assignee_id, full_name, email = holder
    if assignee_id == user.pk:
        return in_workspace.select_related("assignee", "workspace").get()
    if status != OPEN:
        raise closed_error()
    if assignee_id is None:  # released between our UPDATE and this read: rare, say so
        raise ApplicationError(_("Please try again."), code="retry")
    raise taken_error(User(pk=assignee_id, full_name=full_name or "", email=email or ""))


def conversation_claim(
    *,
    conversation_id: int,
    user: User,
    workspace: Workspace,
    now: datetime.datetime | None = None,
) -> Conversation:
    """Take an unclaimed conversation. Of any number of simultaneous claims exactly one wins;
    the others get "Already taken by …". Claiming what you already hold is a no-op.

    Three narrow round trips for a loser (member and mode, the conditional UPDATE, who won),
    five for the winner; the row lock lasts only this short transaction.
    """
    now = now_or(now)
    _claim_allowed(workspace=workspace, user=user)
    in_workspace = Conversation.objects.filter(workspace=workspace, pk=conversation_id)
    with transaction.atomic():
        won = in_workspace.filter(assignee__isnull=True, status=OPEN).update(
            assignee=user, claimed_at=now, release_deadline=None
        )
        if won:
            conversation = in_workspace.select_related(
                "assignee", "workspace", "workspace__routing_settings"
            ).get()
            deadline = deadline_if_waiting(
                conversation=conversation, settings=settings_of(conversation), now=now
            )
            if deadline is not None:
                in_workspace.update(release_deadline=deadline)
                conversation.release_deadline = deadline
            # The conditional UPDATE above was the owner write: only the record is left.
            change_record(
                conversation=conversation,
                reason=AssignmentReason.CLAIMED,
                from_user=None,
                to_user=user,
                actor=user,
                now=now,
            )
            return conversation
    return _claim_lost(in_workspace=in_workspace, user=user)


def conversation_release(
    *,
    conversation_id: int,
    user: User,
    workspace: Workspace,
    now: datetime.datetime | None = None,
) -> Conversation:
    """The claimant (or an admin) hands the customer back: to the pool, or in round robin to
    the next agent."""
    now = now_or(now)
    with transaction.atomic():
        conversation = lock_or_error(workspace=workspace, pk=conversation_id)
        membership = active_membership(workspace_id=workspace.pk, user=user)
        check_can_act(conversation=conversation, user=user, membership=membership)
        if conversation.assignee_id is None:
            return conversation
        from_user = conversation.assignee
        owner_change(
            conversation=conversation, to_user=None, reason=AssignmentReason.RELEASED,
            actor=user, now=now,
        )  # fmt: skip
        settings = settings_of(conversation)
        if settings.mode == RoutingMode.ROUND_ROBIN and conversation.status == OPEN:
            auto_assign(
                conversation=conversation,
                settings=settings,
                now=now,
                exclude_user_ids=[from_user.pk],
            )
    return conversation


def _handoff_note(
    *, conversation: Conversation, author: User, to_user: User, text: str, now: datetime.datetime
) -> Message:
    """The transfer's note to the next agent: only agents see it (shown green)."""
    return note_message_create(
        conversation=conversation, author=author, text=text, now=now,
        meta={"event": "handoff", "to_user_id": to_user.pk, "to_name": to_user.display_name},
    )  # fmt: skip


def conversation_transfer(
    *,
    conversation_id: int,
    user: User,
    workspace: Workspace,
    to_user: User,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Conversation:
    """Hand a customer to another agent, with a note only agents see (shown green)."""
    now = now_or(now)
    note = (note or "").strip()
    with transaction.atomic():
        conversation = lock_or_error(workspace=workspace, pk=conversation_id)
        membership = active_membership(workspace_id=workspace.pk, user=user)
        check_can_act(conversation=conversation, user=user, membership=membership)
        if conversation.status != OPEN:
            raise closed_error()
        target_member(workspace_id=workspace.pk, user=to_user)
        if conversation.assignee_id == to_user.pk:
            raise ApplicationError(
                _("%(name)s already handles this customer.") % {"name": to_user.display_name},
                code="same_assignee",
            )
        settings = settings_of(conversation)
        deadline = deadline_if_waiting(conversation=conversation, settings=settings, now=now)
        if note:
            _handoff_note(conversation=conversation, author=user, to_user=to_user, text=note,
                          now=now)  # fmt: skip
        held = conversation.assignee_id is not None
        owner_change(
            conversation=conversation,
            to_user=to_user,
            reason=AssignmentReason.TRANSFERRED if held else AssignmentReason.ADMIN_ASSIGNED,
            actor=user,
            now=now,
            deadline=deadline,
            note=note,
        )
    return conversation


def conversation_assign(
    *,
    conversation_id: int,
    actor: User,
    workspace: Workspace,
    to_user: User,
    now: datetime.datetime | None = None,
) -> Conversation:
    """An admin gives the conversation to anyone (held or not)."""
    now = now_or(now)
    with transaction.atomic():
        require_admin(workspace_id=workspace.pk, user=actor)
        conversation = lock_or_error(workspace=workspace, pk=conversation_id)
        target_member(workspace_id=workspace.pk, user=to_user)
        if conversation.status == ConversationStatus.ARCHIVED:
            raise ApplicationError(
                _("Archived conversations cannot be reopened here."), code="archived"
            )
        if conversation.assignee_id == to_user.pk:
            return conversation
        settings = settings_of(conversation)
        reopen = {}
        if conversation.status == ConversationStatus.CLOSED:
            reopen = {"status": OPEN, "closed_at": None}
        owner_change(
            conversation=conversation,
            to_user=to_user,
            reason=AssignmentReason.ADMIN_ASSIGNED,
            actor=actor,
            now=now,
            deadline=deadline_if_waiting(conversation=conversation, settings=settings, now=now),
            **reopen,
        )
    return conversation


def conversation_unassign(
    *,
    conversation_id: int,
    actor: User,
    workspace: Workspace,
    now: datetime.datetime | None = None,
) -> Conversation:
    """An admin takes the conversation away from its holder: back to the pool (in round
    robin the waiting sweep gives it to the next agent)."""
    now = now_or(now)
    with transaction.atomic():
        require_admin(workspace_id=workspace.pk, user=actor)
        conversation = lock_or_error(workspace=workspace, pk=conversation_id)
        if conversation.assignee_id is None:
            return conversation
        owner_change(
            conversation=conversation, to_user=None, reason=AssignmentReason.ADMIN_UNASSIGNED,
            actor=actor, now=now,
        )  # fmt: skip
        enqueue_on_commit(ASSIGN_WAITING_TASK, workspace.pk)
    return conversation
