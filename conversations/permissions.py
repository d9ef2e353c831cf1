"""Who may do what on a conversation: one pure rule, read by the services that refuse and
by the templates that decide which controls to offer (so nothing is offered that the server
would refuse)."""

from __future__ import annotations

from dataclasses import dataclass

# Why a member may not act on a conversation (None: they may).
REFUSE_CLAIM_FIRST = "claim_required"
REFUSE_TAKEN = "already_taken"


def act_refusal(*, assignee_id: int | None, user_id: int | None, is_admin: bool) -> str | None:
    """Only the claimant acts on a claimed conversation; nobody but an admin acts on an
    unclaimed one (claim first). Admins always may."""
    if is_admin or (assignee_id is not None and assignee_id == user_id):
        return None
    return REFUSE_CLAIM_FIRST if assignee_id is None else REFUSE_TAKEN


@dataclass(frozen=True)
class ViewerControls:
    """The controls one member is offered on one conversation.

    `can_act` covers what the claim rule guards: replies, orders, labels, rating, blocking and
    unblocking (from the customer panel; the blocked customers page is for admins),
    archiving an open conversation. Internal notes (timeline and customer) stay open to every
    member: they never reach the customer and the server accepts them from anyone."""

    can_act: bool
    read_only: bool
    can_note: bool = True


def viewer_controls(*, assignee_id: int | None, membership) -> ViewerControls:
    if membership is None:
        return ViewerControls(can_act=False, read_only=True, can_note=False)
    refusal = act_refusal(
        assignee_id=assignee_id, user_id=membership.user_id, is_admin=membership.is_admin
    )
    return ViewerControls(can_act=refusal is None, read_only=refusal is not None)
