"""Routing's reactions to what happens in the inbox: a customer's message (reopen, route,
arm the anti-steal clock), the claimant's reply (stop the clock), a close (its history row;
the handler stays) and an agent's reopen (who holds it then). Called by routing's
subscribers inside the publisher's transaction."""

from __future__ import annotations

import datetime

from django.db import connection, transaction

from accounts.models import User
from conversations import domain_events, events
from conversations.models import Conversation, ConversationStatus, Customer
from conversations.services.acting import active_membership
from inbox_project.domain_events import publish
from routing import policies
from routing.models import AssignmentChange, AssignmentReason, RoutingMode, RoutingSettings
from routing.services._common import (
    OPEN,
    anti_steal_deadline,
    deadline_if_waiting,
    lock,
    now_or,
    settings_of,
)
from routing.services.presence import presence_touch
from routing.services.records import change_record, owner_change, timeline_line
from routing.services.round_robin import auto_assign


def _mirror(source: Conversation, target: Conversation) -> None:
    for name in ("assignee_id", "claimed_at", "release_deadline", "status", "closed_at"):
        setattr(target, name, getattr(source, name))


INBOUND_STATE_SQL = """
SELECT c.status, c.assignee_id, c.release_deadline, rs.mode, rs.anti_steal_enabled,
       cu.is_blocked
FROM {conversation} c JOIN {customer} cu ON cu.id = c.customer_id
LEFT JOIN {settings} rs ON rs.workspace_id = c.workspace_id
WHERE c.id = %s AND c.workspace_id = %s
FOR NO KEY UPDATE OF c
"""


def _default_mode() -> tuple[str, bool]:
    """(mode, anti-steal) of a workspace that has no RoutingSettings row."""
    field = RoutingSettings._meta.get_field
    return field("mode").default, field("anti_steal_enabled").default


def _inbound_needs_routing(conversation: Conversation) -> bool:
    """The routing state of the conversation (locked) and its workspace's mode, in one static
    query: most customer messages change nothing routing owns, and this is every inbound
    message's path, so the full lock with its joins is left for the ones that do. A blocked
    customer is never routed: not reopened, queued, assigned, nor their claim's clock armed."""
    sql = INBOUND_STATE_SQL.format(
        conversation=Conversation._meta.db_table, settings=RoutingSettings._meta.db_table,
        customer=Customer._meta.db_table,
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, [conversation.pk, conversation.workspace_id])
        row = cursor.fetchone()
    if row is None or row[-1]:
        return False
    status, assignee_id, release_deadline, mode, anti_steal, _blocked = row
    if mode is None:  # no settings row: the workspace routes with the field defaults
        mode, anti_steal = _default_mode()
    return policies.inbound_needs_routing(
        status=status, assignee_id=assignee_id, release_deadline=release_deadline, mode=mode,
        anti_steal=anti_steal,
    )  # fmt: skip


def conversations_route_inbound_many(
    conversations: list[Conversation], *, now: datetime.datetime | None = None
) -> None:
    """`conversation_route_inbound` for a batch whose routing state is fresh on the instances
    (status, assignee, deadline, as the caller's locked UPDATE returned them): one settings
    query for the batch, and the full path only for the conversations it concerns."""
    if not conversations:
        return
    defaults = _default_mode()
    workspaces = sorted({c.workspace_id for c in conversations})
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT workspace_id, mode, anti_steal_enabled FROM {RoutingSettings._meta.db_table} "
            "WHERE workspace_id = ANY(%s)",
            [workspaces],
        )
        modes = {row[0]: row[1:] for row in cursor.fetchall()}
    for conversation in conversations:
        mode, anti_steal = modes.get(conversation.workspace_id, defaults)
        if policies.inbound_needs_routing(
            status=conversation.status, assignee_id=conversation.assignee_id,
            release_deadline=conversation.release_deadline, mode=mode, anti_steal=anti_steal,
        ):  # fmt: skip
            conversation_route_inbound(conversation=conversation, now=now)


def _reopen_for_customer(*, locked: Conversation, free_owner: bool, now: datetime.datetime) -> None:
    """The customer wrote to a closed conversation: open it again (freeing its last handler
    when the policy says so), announce the reopen and write its timeline line."""
    last_handler = locked.assignee if free_owner else None
    Conversation.objects.filter(workspace_id=locked.workspace_id, pk=locked.pk).update(
        status=OPEN, closed_at=None
    )
    locked.status, locked.closed_at = OPEN, None
    if last_handler is not None:
        owner_change(
            conversation=locked, to_user=None, reason=AssignmentReason.REOPENED, actor=None,
            now=now, note="customer_returned", announce=False,
        )  # fmt: skip
    publish(domain_events.ConversationReopened(
        workspace_id=locked.workspace_id, conversation_id=locked.pk,
        previous_status=ConversationStatus.CLOSED, actor_id=None,
        handler_id=last_handler.pk if last_handler else locked.assignee_id, reopened_at=now,
    ))  # fmt: skip
    timeline_line(conversation=locked, meta={"event": "reopened", "by": "customer"}, now=now)
    events.conversation_changed(locked, reason="reopened")


def conversation_route_inbound(
    *, conversation: Conversation, now: datetime.datetime | None = None
) -> Conversation:
    """After a customer message is recorded: reopen a closed conversation, route an
    unclaimed one per the workspace's mode, arm the anti-steal clock of a claimed one
    (from the first unanswered message: later messages do not push it back).

    Call inside the transaction that recorded the message; the routing fields of the given
    instance are refreshed, so a later `save(update_fields=[...])` cannot undo them.
    """
    now = now_or(now)
    if not _inbound_needs_routing(conversation):  # no savepoint either: the common case
        return conversation
    with transaction.atomic():
        locked = lock(workspace_id=conversation.workspace_id, pk=conversation.pk)
        if locked is None or locked.status == ConversationStatus.ARCHIVED:
            return conversation
        settings = settings_of(locked)
        outcome = policies.on_customer_return(status=locked.status, assignee_id=locked.assignee_id)
        if outcome.reopen:
            _reopen_for_customer(locked=locked, free_owner=outcome.free_owner, now=now)
        if locked.assignee_id is None:
            if settings.mode == RoutingMode.ROUND_ROBIN:
                auto_assign(conversation=locked, settings=settings, now=now)
        elif settings.anti_steal_enabled and locked.release_deadline is None:
            locked.release_deadline = anti_steal_deadline(settings=settings, now=now)
            Conversation.objects.filter(workspace_id=locked.workspace_id, pk=locked.pk).update(
                release_deadline=locked.release_deadline
            )
            events.conversation_changed(locked, reason="release_armed")
    _mirror(locked, conversation)
    return locked


def conversation_note_agent_reply(
    *, conversation: Conversation, user: User, now: datetime.datetime | None = None
) -> None:
    """The claimant answered: stop the anti-steal clock. Also counts as agent activity."""
    now = now_or(now)
    disarmed = Conversation.objects.filter(
        workspace_id=conversation.workspace_id,
        pk=conversation.pk,
        assignee_id=user.pk,
        release_deadline__isnull=False,
    ).update(release_deadline=None)
    if disarmed:
        conversation.release_deadline = None
        events.conversation_changed(conversation, reason="release_disarmed")
    presence_touch(user=user, workspace_id=conversation.workspace_id, now=now)


def conversation_closed_record(
    *, workspace_id: int, conversation_id: int, actor_id: int | None, handler_id: int | None,
    now: datetime.datetime,
) -> AssignmentChange:  # fmt: skip
    """The conversation was closed: its history row and timeline line. The last handler
    stays on it (see `policies.owner_kept_on_close`), so no owner is written here."""
    conversation = Conversation.objects.get(workspace_id=workspace_id, pk=conversation_id)
    users = User.objects.in_bulk([pk for pk in {actor_id, handler_id} if pk])
    handler = users.get(handler_id)
    kept = policies.owner_kept_on_close(assignee_id=handler_id)
    return change_record(
        conversation=conversation,
        reason=AssignmentReason.CLOSED,
        from_user=handler,
        to_user=handler if kept else None,
        actor=users.get(actor_id),
        now=now,
    )


def conversation_reopened_assign(
    *, workspace_id: int, conversation_id: int, actor_id: int, now: datetime.datetime
) -> Conversation:
    """An agent reopened a closed conversation: whoever reopens it holds it (in manual mode
    only an admin takes it; an agent's reopen leaves it in the pool for an admin to assign).
    The change is recorded from the handler the locked row still names."""
    conversation = lock(workspace_id=workspace_id, pk=conversation_id)
    actor = User.objects.get(pk=actor_id)
    membership = active_membership(workspace_id=workspace_id, user=actor)
    settings = settings_of(conversation)
    takes_it = settings.mode != RoutingMode.MANUAL or membership.is_admin
    owner = actor if takes_it else None
    deadline = None
    if owner is not None:
        deadline = deadline_if_waiting(conversation=conversation, settings=settings, now=now)
    owner_change(
        conversation=conversation,
        to_user=owner,
        reason=AssignmentReason.REOPENED,
        actor=actor,
        now=now,
        deadline=deadline,
    )
    return conversation
