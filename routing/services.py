"""Who owns a conversation, and every way that changes: claim, round robin, anti-steal
release, transfer, admin assign / unassign, close / reopen; plus agent presence.

Concurrency: a claim is one conditional UPDATE (`... WHERE assignee IS NULL`): one row
updated means you won. Everything else locks in one order: the conversation row (FOR NO KEY
UPDATE, so inserting its messages is not blocked), then the round-robin list rows of its
channel, then agents' presence rows by id. Each transaction routes one conversation and no
lock outlives a request, so routing paths cannot deadlock one another.

Side effects (live pushes, tasks) leave through `transaction.on_commit`.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ROLE_RANK, Membership, Role, User, Workspace
from conversations import domain_events, events
from conversations.channels import channel_accounts_of
from conversations.models import (
    Conversation,
    ConversationStatus,
    Customer,
    Direction,
    Message,
    MessageKind,
)
from conversations.services.acting import (
    active_membership,
    check_can_act,
    closed_error,
    taken_error,
)
from conversations.services.system_events import system_event_create
from inbox_project.domain_events import publish
from inbox_project.errors import ApplicationError
from routing import policies
from routing.models import (
    AgentPresence,
    AssignmentChange,
    AssignmentReason,
    ChannelAgent,
    PresenceStatus,
    RoutingMode,
    RoutingSettings,
)
from routing.selectors import business_hours_of, routing_settings_get

log = logging.getLogger(__name__)

OPEN = ConversationStatus.OPEN
# Agent activity is written at most this often (replies, claims and pings all touch it).
TOUCH_EVERY = datetime.timedelta(seconds=30)

# Timeline text per reason, rendered in the workspace's language when the event happens.
# --- helpers -------------------------------------------------------------------------------


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def _require_admin(*, workspace_id: int, user: User) -> Membership:
    membership = active_membership(workspace_id=workspace_id, user=user)
    if not membership.is_admin:
        raise ApplicationError(_("Only an admin can do this."), code="not_admin")
    return membership


def _target_member(*, workspace_id: int, user: User) -> User:
    if not Membership.objects.filter(workspace_id=workspace_id, user=user, is_active=True).exists():
        raise ApplicationError(
            _("%(name)s is not a member of this workspace.") % {"name": user.display_name},
            code="not_member",
        )
    return user


def _lock(*, workspace_id: int, pk: int, skip_locked: bool = False) -> Conversation | None:
    """The conversation row, locked for this transaction (FOR NO KEY UPDATE), with its holder,
    workspace and the workspace's routing settings in the same round trip."""
    return (
        Conversation.objects.select_for_update(no_key=True, skip_locked=skip_locked, of=("self",))
        .select_related("assignee", "workspace", "workspace__routing_settings")
        .filter(workspace_id=workspace_id, pk=pk)
        .first()
    )


def _settings_of(conversation: Conversation) -> RoutingSettings:
    """The settings loaded with the conversation (defaults when the workspace has none)."""
    try:
        return conversation.workspace.routing_settings
    except RoutingSettings.DoesNotExist:
        return RoutingSettings(workspace=conversation.workspace)


def _lock_or_error(*, workspace: Workspace, pk: int) -> Conversation:
    conversation = _lock(workspace_id=workspace.pk, pk=pk)
    if conversation is None:
        raise ApplicationError(_("This conversation does not exist."), code="not_found")
    return conversation


def _deadline_if_waiting(
    *, conversation: Conversation, settings: RoutingSettings, now: datetime.datetime
) -> datetime.datetime | None:
    """Arm the anti-steal clock for a new owner when the customer is waiting for an answer."""
    if not settings.anti_steal_enabled or not policies.is_waiting_for_reply(
        last_inbound_at=conversation.last_inbound_at,
        last_outbound_at=conversation.last_outbound_at,
    ):
        return None
    return _deadline(settings=settings, now=now)


def _deadline(*, settings: RoutingSettings, now: datetime.datetime) -> datetime.datetime:
    return policies.release_deadline_at(
        start=now, minutes=settings.anti_steal_minutes, hours=business_hours_of(settings)
    )


def _set_owner(
    *,
    conversation: Conversation,
    to_user: User | None,
    now: datetime.datetime,
    deadline: datetime.datetime | None = None,
    **extra,
) -> None:
    """Write the new owner on the locked row and mirror it on the instance."""
    fields = {
        "assignee": to_user,
        "claimed_at": now if to_user else None,
        "release_deadline": deadline if to_user else None,
        **extra,
    }
    Conversation.objects.filter(workspace_id=conversation.workspace_id, pk=conversation.pk).update(
        **fields
    )
    for name, value in fields.items():
        setattr(conversation, name, value)


def _name(user: User | None) -> str:
    return user.display_name if user else ""


def _system_message(*, conversation: Conversation, meta: dict, now: datetime.datetime) -> Message:
    """The timeline line of an owner change: its facts, rendered in each reader's language."""
    details = {key: value for key, value in meta.items() if key != "event"}
    return system_event_create(
        conversation=conversation, user=None, event=meta["event"], now=now, **details
    )


def _record(
    *,
    conversation: Conversation,
    reason: str,
    from_user: User | None,
    to_user: User | None,
    actor: User | None,
    now: datetime.datetime,
    note: str = "",
    minutes: int | None = None,
) -> AssignmentChange:
    """The history row, its system event in the timeline and the live pushes."""
    change = AssignmentChange.objects.create(
        workspace_id=conversation.workspace_id,
        conversation=conversation,
        from_user=from_user,
        to_user=to_user,
        actor=actor,
        reason=reason,
        note=note,
        created_at=now,
    )
    _owner_changed(change)
    names = {"from": _name(from_user), "to": _name(to_user), "actor": _name(actor)}
    meta = {
        "event": "assignment",
        "reason": reason,
        "change_id": change.pk,
        "from_user_id": getattr(from_user, "pk", None),
        "to_user_id": getattr(to_user, "pk", None),
        "actor_id": getattr(actor, "pk", None),
        "from_name": names["from"],
        "to_name": names["to"],
        "actor_name": names["actor"],
    }
    if minutes is not None:
        meta["minutes"] = minutes
    _system_message(conversation=conversation, meta=meta, now=now)
    events.conversation_changed(conversation, reason=reason)
    if to_user is not None and to_user != actor:
        events.user_nudge(
            conversation.workspace_id,
            to_user.pk,
            reason="assigned",
            conversation_id=conversation.pk,
        )
    return change


def _owner_changed(change: AssignmentChange) -> None:
    publish(domain_events.OwnerChanged(
        workspace_id=change.workspace_id, conversation_id=change.conversation_id,
        from_user_id=change.from_user_id, to_user_id=change.to_user_id,
        actor_id=change.actor_id, reason=change.reason, changed_at=change.created_at,
    ))  # fmt: skip


def _enqueue_assign_waiting(workspace_id: int) -> None:
    from routing.tasks import assign_waiting_task

    def send():
        try:
            assign_waiting_task.delay(workspace_id)
        except Exception:  # the periodic sweep catches up if the broker is down
            log.warning("could not enqueue assign_waiting for %s", workspace_id, exc_info=True)

    transaction.on_commit(send)


# --- round robin ----------------------------------------------------------------------------


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


def _auto_assign(
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
    deadline = None
    if settings.anti_steal_enabled:
        deadline = _deadline(settings=settings, now=now)
    _set_owner(conversation=conversation, to_user=user, now=now, deadline=deadline)
    ChannelAgent.objects.filter(workspace_id=conversation.workspace_id, pk=row.pk).update(
        last_assigned_turn=policies.next_turn([r.last_assigned_turn for r in rows]),
        last_assigned_at=now,
    )
    _record(
        conversation=conversation,
        reason=AssignmentReason.AUTO_ASSIGNED,
        from_user=None,
        to_user=user,
        actor=None,
        now=now,
    )
    return user


# --- claim, release, transfer, assign -------------------------------------------------------


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
    now = _now(now)
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
    in_workspace = Conversation.objects.filter(workspace=workspace, pk=conversation_id)
    with transaction.atomic():
        won = in_workspace.filter(assignee__isnull=True, status=OPEN).update(
            assignee=user, claimed_at=now, release_deadline=None
        )
        if won:
            conversation = in_workspace.select_related(
                "assignee", "workspace", "workspace__routing_settings"
            ).get()
            deadline = _deadline_if_waiting(
                conversation=conversation, settings=_settings_of(conversation), now=now
            )
            if deadline is not None:
                in_workspace.update(release_deadline=deadline)
                conversation.release_deadline = deadline
            _record(
                conversation=conversation,
                reason=AssignmentReason.CLAIMED,
                from_user=None,
                to_user=user,
                actor=user,
                now=now,
            )
            return conversation
    # Lost (or nothing to claim): say why, from the row as the winner committed it.
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


def conversation_release(
    *,
    conversation_id: int,
    user: User,
    workspace: Workspace,
    now: datetime.datetime | None = None,
) -> Conversation:
    """The claimant (or an admin) hands the customer back: to the pool, or in round robin to
    the next agent."""
    now = _now(now)
    with transaction.atomic():
        conversation = _lock_or_error(workspace=workspace, pk=conversation_id)
        membership = active_membership(workspace_id=workspace.pk, user=user)
        check_can_act(conversation=conversation, user=user, membership=membership)
        if conversation.assignee_id is None:
            return conversation
        from_user = conversation.assignee
        _set_owner(conversation=conversation, to_user=None, now=now)
        _record(
            conversation=conversation,
            reason=AssignmentReason.RELEASED,
            from_user=from_user,
            to_user=None,
            actor=user,
            now=now,
        )
        settings = _settings_of(conversation)
        if settings.mode == RoutingMode.ROUND_ROBIN and conversation.status == OPEN:
            _auto_assign(
                conversation=conversation,
                settings=settings,
                now=now,
                exclude_user_ids=[from_user.pk],
            )
    return conversation


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
    now = _now(now)
    note = (note or "").strip()
    with transaction.atomic():
        conversation = _lock_or_error(workspace=workspace, pk=conversation_id)
        membership = active_membership(workspace_id=workspace.pk, user=user)
        check_can_act(conversation=conversation, user=user, membership=membership)
        if conversation.status != OPEN:
            raise closed_error()
        _target_member(workspace_id=workspace.pk, user=to_user)
        if conversation.assignee_id == to_user.pk:
            raise ApplicationError(
                _("%(name)s already handles this customer.") % {"name": to_user.display_name},
                code="same_assignee",
            )
        from_user = conversation.assignee
        settings = _settings_of(conversation)
        deadline = _deadline_if_waiting(conversation=conversation, settings=settings, now=now)
        _set_owner(conversation=conversation, to_user=to_user, now=now, deadline=deadline)
        if note:
            handoff = Message.objects.create(
                workspace_id=workspace.pk,
                conversation=conversation,
                channel_account_id=conversation.channel_account_id,
                direction=Direction.OUT,
                kind=MessageKind.NOTE,
                text=note,
                author=user,
                meta={
                    "event": "handoff",
                    "to_user_id": to_user.pk,
                    "to_name": to_user.display_name,
                },
                sent_at=now,
                created_at=now,
            )
            events.message_created(handoff)
        _record(
            conversation=conversation,
            reason=AssignmentReason.TRANSFERRED
            if from_user is not None
            else AssignmentReason.ADMIN_ASSIGNED,
            from_user=from_user,
            to_user=to_user,
            actor=user,
            now=now,
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
    now = _now(now)
    with transaction.atomic():
        _require_admin(workspace_id=workspace.pk, user=actor)
        conversation = _lock_or_error(workspace=workspace, pk=conversation_id)
        _target_member(workspace_id=workspace.pk, user=to_user)
        if conversation.status == ConversationStatus.ARCHIVED:
            raise ApplicationError(
                _("Archived conversations cannot be reopened here."), code="archived"
            )
        if conversation.assignee_id == to_user.pk:
            return conversation
        from_user = conversation.assignee
        settings = _settings_of(conversation)
        reopen = {}
        if conversation.status == ConversationStatus.CLOSED:
            reopen = {"status": OPEN, "closed_at": None}
        deadline = _deadline_if_waiting(conversation=conversation, settings=settings, now=now)
        _set_owner(conversation=conversation, to_user=to_user, now=now, deadline=deadline, **reopen)
        _record(
            conversation=conversation,
            reason=AssignmentReason.ADMIN_ASSIGNED,
            from_user=from_user,
            to_user=to_user,
            actor=actor,
            now=now,
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
    now = _now(now)
    with transaction.atomic():
        _require_admin(workspace_id=workspace.pk, user=actor)
        conversation = _lock_or_error(workspace=workspace, pk=conversation_id)
        if conversation.assignee_id is None:
            return conversation
        from_user = conversation.assignee
        _set_owner(conversation=conversation, to_user=None, now=now)
        _record(
            conversation=conversation,
            reason=AssignmentReason.ADMIN_UNASSIGNED,
            from_user=from_user,
            to_user=None,
            actor=actor,
            now=now,
        )
        _enqueue_assign_waiting(workspace.pk)
    return conversation


def conversation_closed_record(
    *, workspace_id: int, conversation_id: int, actor_id: int | None, handler_id: int | None,
    now: datetime.datetime,
) -> AssignmentChange:  # fmt: skip
    """The conversation was closed: its history row and timeline line. The last handler
    stays on it (see `policies.owner_kept_on_close`)."""
    conversation = Conversation.objects.get(workspace_id=workspace_id, pk=conversation_id)
    users = User.objects.in_bulk([pk for pk in {actor_id, handler_id} if pk])
    handler = users.get(handler_id)
    kept = policies.owner_kept_on_close(assignee_id=handler_id)
    return _record(
        conversation=conversation,
        reason=AssignmentReason.CLOSED,
        from_user=handler,
        to_user=handler if kept else None,
        actor=users.get(actor_id),
        now=now,
    )


def conversation_reopened_assign(
    *, workspace_id: int, conversation_id: int, actor_id: int, handler_id: int | None,
    now: datetime.datetime,
) -> Conversation:  # fmt: skip
    """An agent reopened a closed conversation: whoever reopens it holds it (in manual mode
    only an admin takes it; an agent's reopen leaves it in the pool for an admin to assign)."""
    conversation = _lock(workspace_id=workspace_id, pk=conversation_id)
    users = User.objects.in_bulk([pk for pk in {actor_id, handler_id} if pk])
    actor = users[actor_id]
    membership = active_membership(workspace_id=workspace_id, user=actor)
    settings = _settings_of(conversation)
    takes_it = settings.mode != RoutingMode.MANUAL or membership.is_admin
    owner = actor if takes_it else None
    deadline = (
        _deadline_if_waiting(conversation=conversation, settings=settings, now=now)
        if owner
        else None
    )
    _set_owner(conversation=conversation, to_user=owner, now=now, deadline=deadline)
    _record(
        conversation=conversation,
        reason=AssignmentReason.REOPENED,
        from_user=users.get(handler_id),
        to_user=owner,
        actor=actor,
        now=now,
    )
    return conversation


# --- inbound messages and replies ----------------------------------------------------------


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


def conversation_route_inbound(
    *, conversation: Conversation, now: datetime.datetime | None = None
) -> Conversation:
    """After a customer message is recorded: reopen a closed conversation, route an
    unclaimed one per the workspace's mode, arm the anti-steal clock of a claimed one
    (from the first unanswered message: later messages do not push it back).

    Call inside the transaction that recorded the message; the routing fields of the given
    instance are refreshed, so a later `save(update_fields=[...])` cannot undo them.
    """
    now = _now(now)
    if not _inbound_needs_routing(conversation):  # no savepoint either: the common case
        return conversation
    with transaction.atomic():
        locked = _lock(workspace_id=conversation.workspace_id, pk=conversation.pk)
        if locked is None or locked.status == ConversationStatus.ARCHIVED:
            return conversation
        settings = _settings_of(locked)
        outcome = policies.on_customer_return(status=locked.status, assignee_id=locked.assignee_id)
        if outcome.reopen:
            last_handler = locked.assignee if outcome.free_owner else None
            Conversation.objects.filter(workspace_id=locked.workspace_id, pk=locked.pk).update(
                status=OPEN, closed_at=None
            )
            locked.status, locked.closed_at = OPEN, None
            if last_handler is not None:
                _set_owner(conversation=locked, to_user=None, now=now)
                change = AssignmentChange.objects.create(
                    workspace_id=locked.workspace_id,
                    conversation=locked,
                    from_user=last_handler,
                    to_user=None,
                    actor=None,
                    reason=AssignmentReason.REOPENED,
                    note="customer_returned",
                    created_at=now,
                )
                _owner_changed(change)
            publish(domain_events.ConversationReopened(
                workspace_id=locked.workspace_id, conversation_id=locked.pk,
                previous_status=ConversationStatus.CLOSED, actor_id=None,
                handler_id=last_handler.pk if last_handler else locked.assignee_id, reopened_at=now,
            ))  # fmt: skip
            _system_message(
                conversation=locked,
                meta={"event": "reopened", "by": "customer"},
                now=now,
            )
            events.conversation_changed(locked, reason="reopened")
        if locked.assignee_id is None:
            if settings.mode == RoutingMode.ROUND_ROBIN:
                _auto_assign(conversation=locked, settings=settings, now=now)
        elif settings.anti_steal_enabled and locked.release_deadline is None:
            locked.release_deadline = _deadline(settings=settings, now=now)
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
    now = _now(now)
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
            settings = _settings_of(conversation)
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
            _set_owner(conversation=conversation, to_user=None, now=now)
            _record(
                conversation=conversation,
                reason=AssignmentReason.RELEASED_BY_TIMER,
                from_user=from_user,
                to_user=None,
                actor=None,
                now=now,
                minutes=settings.anti_steal_minutes,
            )
            if settings.mode == RoutingMode.ROUND_ROBIN:
                _auto_assign(
                    conversation=conversation,
                    settings=settings,
                    now=now,
                    exclude_user_ids=[from_user.pk] if from_user else [],
                )
            released += 1
    return released


# --- waiting conversations ----------------------------------------------------------------


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
            conversation = _lock(workspace_id=workspace_id, pk=pk, skip_locked=True)
            if conversation is None or conversation.assignee_id or conversation.status != OPEN:
                continue
            if _auto_assign(conversation=conversation, settings=settings, now=now) is None:
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


# --- presence -------------------------------------------------------------------------------


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
            _enqueue_assign_waiting(membership.workspace_id)
        events.user_nudge(
            membership.workspace_id, membership.user_id, reason="presence", state=after
        )
    return presence


def presence_set(
    *, membership: Membership, status: str, now: datetime.datetime | None = None
) -> AgentPresence:
    """An agent says they are online or away."""
    now = _now(now)
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
    now = _now(now)
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
    now = _now(now)
    membership = _membership_of(user=user, workspace_id=workspace_id)
    if membership is None:
        return None

    def change(presence: AgentPresence) -> None:
        presence.socket_count = max(0, presence.socket_count - 1)

    return _presence_change(membership=membership, now=now, change=change)


def presence_touch(*, user: User, workspace_id: int, now: datetime.datetime | None = None) -> None:
    """A sign of activity (a reply, a claim, a ping from the page): at most one write per
    TOUCH_EVERY. An idle agent who becomes active gets waiting customers again."""
    now = _now(now)
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
        _enqueue_assign_waiting(workspace_id)


# --- settings -------------------------------------------------------------------------------

SETTINGS_FIELDS = (
    "mode",
    "anti_steal_enabled",
    "anti_steal_minutes",
    "idle_timeout_minutes",
    "business_hours_only",
    "business_days",
    "business_start",
    "business_end",
)


def routing_settings_update(*, workspace: Workspace, actor: User, **fields) -> RoutingSettings:
    """Save the workspace's routing settings. Switching anti-steal off stops every running
    clock; switching to round robin hands out the waiting pool."""
    _require_admin(workspace_id=workspace.pk, user=actor)
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown setting."), code="invalid")
    with transaction.atomic():
        settings, _created = RoutingSettings.objects.select_for_update().get_or_create(
            workspace=workspace
        )
        was_mode, was_anti_steal = settings.mode, settings.anti_steal_enabled
        for name, value in fields.items():
            setattr(settings, name, value)
        if settings.business_end <= settings.business_start:
            raise ApplicationError(
                _("Closing time must be after opening time."), code="invalid_hours"
            )
        settings.business_days = sorted(set(settings.business_days or []))
        settings.full_clean(exclude=["workspace"])
        settings.save()
        if was_anti_steal and not settings.anti_steal_enabled:
            Conversation.objects.filter(workspace=workspace, release_deadline__isnull=False).update(
                release_deadline=None
            )
        if settings.mode == RoutingMode.ROUND_ROBIN and was_mode != RoutingMode.ROUND_ROBIN:
            _enqueue_assign_waiting(workspace.pk)
    return settings


def channel_agents_set(
    *,
    workspace: Workspace,
    actor: User,
    channel_account_id: int | None,
    membership_ids: Iterable[int],
) -> list[ChannelAgent]:
    """Replace a channel account's agent list (None: the default list). Agents kept on the
    list keep their round-robin place; new ones join at the front once."""
    _require_admin(workspace_id=workspace.pk, user=actor)
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
            _enqueue_assign_waiting(workspace.pk)
    return list(
        ChannelAgent.objects.filter(workspace=workspace, channel_account_id=channel_account_id)
    )


def agent_capacity_set(
    *, workspace: Workspace, actor: User, capacities: dict[int, int | None]
) -> None:
    """Caps on open conversations per member (None: no cap). Round robin respects them;
    claims, transfers and admin assignments are deliberate and may go beyond."""
    _require_admin(workspace_id=workspace.pk, user=actor)
    members = Membership.objects.filter(workspace=workspace, pk__in=list(capacities))
    now = timezone.now()
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
        _enqueue_assign_waiting(workspace.pk)
