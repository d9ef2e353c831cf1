"""Comments on a connected page's posts: recording them (and their later verbs), the public
and the private reply, and hiding / liking them as the page.

A comment lands in the commenter's conversation as a comment message with the post link;
later verbs update that message, never delete it. Moderation is queued for the provider
(`CommentActionQueued`) and the comment's meta changes once the provider confirms.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import events, policies
from conversations.models import (
    Direction,
    Message,
    MessageKind,
)
from conversations.services import announcements, inbound
from conversations.services.outbound import outbound_create
from conversations.services.sending import conversation_lock, sender_assert_can_act, text_check
from inbox_project.errors import ApplicationError


def comment_record(
    *,
    channel_account,
    contact_external_id: str,
    external_id: str,
    verb: str,
    sent_at: datetime,
    text: str = "",
    contact_name: str = "",
    post_id: str = "",
    post_url: str = "",
    parent_id: str = "",
    attachments: Sequence[dict] = (),
) -> Message | None:
    """A customer's comment lands in their conversation as a comment message with the post
    link; later verbs (edited, remove, hide, unhide) update that message, never delete it."""
    existing = Message.objects.filter(
        workspace_id=channel_account.workspace_id, channel_account=channel_account,
        external_id=external_id,
    ).first()  # fmt: skip
    if existing is None:
        if verb == "remove" or not contact_external_id:
            return None
        meta = {"post_id": post_id, "post_url": post_url, "parent_id": parent_id,
                "is_hidden": verb == "hide", "liked": False}  # fmt: skip
        return inbound.message_record_inbound(
            channel_account=channel_account, contact_external_id=contact_external_id,
            external_id=external_id, sent_at=sent_at, text=text, attachments=attachments,
            contact_name=contact_name, kind=MessageKind.COMMENT, meta=meta,
        )  # fmt: skip
    if existing.kind != MessageKind.COMMENT or verb == "add":
        return None
    changes = {"edited": {"edited_at": sent_at.isoformat()}, "remove": {"removed": True},
               "hide": {"is_hidden": True}, "unhide": {"is_hidden": False}}[verb]  # fmt: skip
    existing.meta = {**existing.meta, **changes}
    fields = ["meta"]
    if verb == "edited" and text:
        existing.text = text
        fields.append("text")
    existing.save(update_fields=fields)
    events.message_updated(existing)
    return existing


def _locked_comment(comment: Message) -> Message:
    found = (
        Message.objects.select_for_update(of=("self",))
        .select_related("conversation__channel_account")
        .filter(
            workspace_id=comment.workspace_id,
            pk=comment.pk,
            kind=MessageKind.COMMENT,
            direction=Direction.IN,
        )  # fmt: skip
        .first()
    )
    if found is None:
        raise ApplicationError(_("This is not a customer's comment."), code="not_comment")
    return found


def comment_reply_public(
    *, comment: Message, author, text: str, now: datetime | None = None
) -> Message:
    """Answer a comment publicly, under it on the post (no reply window applies)."""
    now = now or timezone.now()
    with transaction.atomic():
        comment = _locked_comment(comment)
        conversation = conversation_lock(comment.conversation)
        text = text_check(kind="facebook", text=text, attachments=())
        sender_assert_can_act(conversation=conversation, author=author, automated=False)
        meta = {"reply_to_comment": comment.external_id, "post_url": comment.meta.get("post_url", ""),
                "post_id": comment.meta.get("post_id", "")}  # fmt: skip
        return outbound_create(
            conversation=conversation, author=author, automated=False, text=text, attachments=(),
            now=now, kind=MessageKind.COMMENT, meta=meta,
        )  # fmt: skip


def comment_reply_private(
    *, comment: Message, author, text: str, now: datetime | None = None, automated: bool = False
) -> Message:
    """Private reply in Messenger to a comment: once per comment, within 7 days (B5).
    `automated`: sent by a rule (no author, marked as automation)."""
    now = now or timezone.now()
    with transaction.atomic():
        comment = _locked_comment(comment)
        refusal = policies.private_reply_refusal(
            comment_created_at=comment.sent_at, now=now,
            already_replied=bool(comment.meta.get("private_reply_message_id")),
        )  # fmt: skip
        if refusal:
            raise ApplicationError(str(refusal), code="policy.private_reply")
        conversation = conversation_lock(comment.conversation)
        text = text_check(kind="facebook", text=text, attachments=())
        sender_assert_can_act(conversation=conversation, author=author, automated=automated)
        message = outbound_create(
            conversation=conversation, author=author, automated=automated, text=text, attachments=(),
            now=now, meta={"private_reply_to": comment.external_id},
        )  # fmt: skip
        comment.meta = {**comment.meta, "private_reply_message_id": message.pk}
        comment.save(update_fields=["meta"])
        events.message_updated(comment)
        return message


COMMENT_ACTIONS = {"hide", "unhide", "like", "unlike"}


def comment_moderate(
    *, comment: Message, author, action: str, now: datetime | None = None, automated: bool = False
) -> Message:
    """Hide / unhide / like / unlike a comment as the page; the provider call is queued and
    the comment's meta changes once the provider confirms (comment_action_applied).
    `automated`: a rule does it (`author` None)."""
    now = now or timezone.now()
    if action not in COMMENT_ACTIONS:
        raise ApplicationError(_("Unknown comment action."), code="action")
    with transaction.atomic():
        comment = _locked_comment(comment)
        sender_assert_can_act(conversation=comment.conversation, author=author,
                              automated=automated)  # fmt: skip
        comment.meta = {**comment.meta, "pending_action": action, "action_error": ""}
        comment.save(update_fields=["meta"])
        events.message_updated(comment)
        announcements.comment_action_queued(comment, action=action, actor=author,
                                            at=now)  # fmt: skip
    return comment


def comment_action_applied(*, comment: Message, action: str, error: str = "") -> None:
    """Record the provider's answer to a comment action."""
    meta = {**comment.meta, "pending_action": ""}
    if error:
        meta["action_error"] = error
    elif action in {"hide", "unhide"}:
        meta["is_hidden"] = action == "hide"
    else:
        meta["liked"] = action == "like"
    comment.meta = meta
    comment.save(update_fields=["meta"])
    events.message_updated(comment)
