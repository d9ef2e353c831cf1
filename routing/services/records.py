"""The one way an owner changes: write the new owner on the locked row, then record it (the
history row, the OwnerChanged domain event, the timeline line and the live pushes).

`owner_change` does both; `change_record` is the record half alone, for the two places whose
write is not a plain owner update (a claim's conditional UPDATE) or happened elsewhere (a
close, which keeps the handler).
"""

from __future__ import annotations

import datetime

from accounts.models import User
from conversations import domain_events, events
from conversations.models import Conversation, Message
from conversations.services.system_events import system_event_create
from inbox_project.domain_events import publish
from routing.models import AssignmentChange


def owner_change(
    *,
    conversation: Conversation,
    to_user: User | None,
    reason: str,
    actor: User | None,
    now: datetime.datetime,
    deadline: datetime.datetime | None = None,
    note: str = "",
    minutes: int | None = None,
    announce: bool = True,
    **fields,
) -> AssignmentChange:
    """Give the locked `conversation` to `to_user` (None: nobody) and record the change from
    its current holder. `fields` are written in the same UPDATE (a reopen's status);
    `announce=False` records only the history row and the event, for a caller that writes
    its own timeline line."""
    from_user = conversation.assignee
    owner_write(conversation=conversation, to_user=to_user, now=now, deadline=deadline, **fields)
    return change_record(
        conversation=conversation, reason=reason, from_user=from_user, to_user=to_user,
        actor=actor, now=now, note=note, minutes=minutes, announce=announce,
    )  # fmt: skip


def owner_write(
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


def change_record(
    *,
    conversation: Conversation,
    reason: str,
    from_user: User | None,
    to_user: User | None,
    actor: User | None,
    now: datetime.datetime,
    note: str = "",
    minutes: int | None = None,
    announce: bool = True,
) -> AssignmentChange:
    """The history row and its OwnerChanged event; when announced, also its system event in
    the timeline and the live pushes."""
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
    publish(domain_events.OwnerChanged(
        workspace_id=change.workspace_id, conversation_id=change.conversation_id,
        from_user_id=change.from_user_id, to_user_id=change.to_user_id,
        actor_id=change.actor_id, reason=change.reason, changed_at=change.created_at,
    ))  # fmt: skip
    if not announce:
        return change
    meta = {
        "event": "assignment",
        "reason": reason,
        "change_id": change.pk,
        "from_user_id": getattr(from_user, "pk", None),
        "to_user_id": getattr(to_user, "pk", None),
        "actor_id": getattr(actor, "pk", None),
        "from_name": _name(from_user),
        "to_name": _name(to_user),
        "actor_name": _name(actor),
    }
    if minutes is not None:
        meta["minutes"] = minutes
    timeline_line(conversation=conversation, meta=meta, now=now)
    events.conversation_changed(conversation, reason=reason)
    if to_user is not None and to_user != actor:
        events.user_nudge(
            conversation.workspace_id,
            to_user.pk,
            reason="assigned",
            conversation_id=conversation.pk,
        )
    return change


def timeline_line(*, conversation: Conversation, meta: dict, now: datetime.datetime) -> Message:
    """A routing line in the timeline: its facts, rendered in each reader's language."""
    details = {key: value for key, value in meta.items() if key != "event"}
    return system_event_create(
        conversation=conversation, user=None, event=meta["event"], now=now, **details
    )


def _name(user: User | None) -> str:
    return user.display_name if user else ""
