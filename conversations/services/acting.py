"""Who may act on a conversation: once claimed, only its claimant (or an admin) replies,
labels, records orders or closes it; a closed one must be reopened first (admins excepted).

The rule itself is pure (`conversations.permissions.act_refusal`, which the inbox also uses to
offer only the controls it allows); these functions read the current owner from the database
and raise the ApplicationError the person sees. Routing's claim, transfer and close services
use the same errors.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Membership
from conversations.models import Conversation, ConversationStatus
from conversations.permissions import REFUSE_CLAIM_FIRST, REFUSE_TAKEN, act_refusal
from inbox_project.errors import ApplicationError


def active_membership(*, workspace_id: int, user) -> Membership:
    """The person's active membership of the workspace, or "You are not a member"."""
    membership = (
        Membership.objects.filter(workspace_id=workspace_id, user=user, is_active=True)
        .only("pk", "role", "user_id", "workspace_id")
        .first()
    )
    if membership is None:
        raise ApplicationError(_("You are not a member of this workspace."), code="not_member")
    return membership


def taken_error(assignee) -> ApplicationError:
    name = assignee.display_name if assignee else "?"
    return ApplicationError(
        _("Already taken by %(name)s.") % {"name": name},
        code=REFUSE_TAKEN,
        extra={"assignee_id": getattr(assignee, "pk", None), "assignee_name": name},
    )


def closed_error() -> ApplicationError:
    return ApplicationError(
        _("This consultation has ended. Reopen the conversation first."), code="closed"
    )


def _refusal_error(*, conversation: Conversation, refusal: str) -> ApplicationError:
    if conversation.status != ConversationStatus.OPEN:
        return closed_error()
    if refusal == REFUSE_TAKEN:
        return taken_error(conversation.assignee)
    return ApplicationError(
        _("Claim this customer before replying or acting on the conversation."),
        code=REFUSE_CLAIM_FIRST,
    )


def check_can_act(*, conversation: Conversation, user, membership: Membership) -> None:
    """Raise unless `user` may act on `conversation` as its fields say now."""
    if conversation.status == ConversationStatus.CLOSED and not membership.is_admin:
        raise closed_error()  # the last handler too: reopen first
    refusal = act_refusal(
        assignee_id=conversation.assignee_id, user_id=user.pk, is_admin=membership.is_admin
    )
    if refusal:
        raise _refusal_error(conversation=conversation, refusal=refusal)


def conversation_assert_can_act(
    *, conversation: Conversation, user, membership: Membership | None = None
) -> None:
    """Refuse a reply, label, order … by anyone but the claimant or an admin.

    Reads the current owner from the database (locking the row when called inside a
    transaction, so a concurrent transfer cannot slip between this check and the write).
    Raises ApplicationError with code "already_taken" ("Already taken by X."),
    "claim_required" or "closed".
    """
    queryset = Conversation.objects.filter(
        workspace_id=conversation.workspace_id, pk=conversation.pk
    )
    if transaction.get_connection().in_atomic_block:
        queryset = queryset.select_for_update(no_key=True)
    row = queryset.values("assignee_id", "status").first()
    if row is None:
        raise ApplicationError(_("This conversation does not exist."), code="not_found")
    conversation.assignee_id = row["assignee_id"]
    conversation.status = row["status"]
    if (
        row["status"] == ConversationStatus.OPEN
        and row["assignee_id"] is not None
        and row["assignee_id"] == user.pk
    ):
        return
    if membership is None or membership.workspace_id != conversation.workspace_id:
        membership = active_membership(workspace_id=conversation.workspace_id, user=user)
    check_can_act(conversation=conversation, user=user, membership=membership)
