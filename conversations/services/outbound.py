"""The agent's (or automation's) reply: saved pending with the reply-window policy enforced
on the server, then queued for delivery by the `MessageQueued` event; "Send again" of a
failed reply.

Every send first passes the claim check (`conversations.services.acting`) with the
conversation row locked. The composer's window state is
`conversations.policies.reply_window_state(conversation, now)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import events, policies
from conversations.models import (
    Conversation,
    Customer,
    DeliveryStatus,
    Direction,
    Message,
    MessageKind,
)
from conversations.selectors.timeline import customer_commented, replies_since_inbound
from conversations.services import announcements
from conversations.services.sending import conversation_lock, sender_assert_can_act, text_check
from conversations.services.touch import (
    conversation_touch,
    last_outbound_failed_set,
    message_preview,
)
from inbox_project.errors import ApplicationError

AUTOMATION_LABEL = "Automation"


def _customer_blocked(conversation: Conversation) -> bool:
    return Customer.objects.filter(
        workspace_id=conversation.workspace_id, pk=conversation.customer_id, is_blocked=True
    ).exists()


def message_send(
    *,
    conversation: Conversation,
    author,
    text: str,
    attachments: Sequence[dict] = (),
    confirmation: bool = False,
    purpose: str | None = None,
    automated: bool = False,
    reply_to_external_id: str = "",
    now: datetime | None = None,
) -> Message:
    """Save a reply as pending and queue its delivery, if the reply-window policy allows it.

    `confirmation`: the agent confirmed "I only reply to this customer" (24 h – 7 days).
    `purpose`: an essential-notification purpose (policies.PURPOSES) for sends past 7 days.
    Raises ApplicationError with a translated reason when the policy refuses.
    """
    now = now or timezone.now()
    with transaction.atomic():
        conversation = conversation_lock(conversation)
        account = conversation.channel_account
        text = text_check(kind=account.kind, text=text, attachments=attachments)
        if not account.is_active:
            raise ApplicationError(_("This channel is disabled."), code="channel_disabled")
        if automated and _customer_blocked(conversation):
            raise ApplicationError(
                _("This customer is blocked: nothing is sent to them automatically."),
                code="blocked",
            )
        sender_assert_can_act(conversation=conversation, author=author, automated=automated)
        decision = policies.send_decision(
            kind=account.kind, last_inbound_at=conversation.last_inbound_at, now=now,
            automated=automated, confirmed=confirmation, purpose=purpose,
            channel_settings=account.settings, can_send=account.can_send,
            commented=_commented(conversation), replies_used=_replies_used(conversation),
            parts=(1 if text else 0) + len(attachments),
        )  # fmt: skip
        if not decision.allowed:
            raise ApplicationError(str(decision.reason), code=f"policy.{decision.code}")
        return outbound_create(
            conversation=conversation, author=author, automated=automated, text=text,
            attachments=attachments, decision=decision, now=now,
            reply_to_external_id=reply_to_external_id,
        )  # fmt: skip


def _replies_used(conversation: Conversation) -> int:
    """Messages sent since the customer's last one, counted only where the channel limits
    them (Zalo's free replies); the conversation row is locked, so two sends count in turn."""
    account = conversation.channel_account
    if not policies.counts_free_replies(account.kind, account.settings):
        return 0
    return replies_since_inbound(conversation=conversation)


def _commented(conversation: Conversation) -> bool:
    """The comment-only case's fact, looked up only when it can apply."""
    if not policies.needs_comment_lookup(kind=conversation.channel_account.kind,
                                         last_inbound_at=conversation.last_inbound_at):  # fmt: skip
        return False
    return customer_commented(conversation=conversation)


def outbound_create(
    *, conversation, author, automated: bool, text: str, attachments, now: datetime,
    decision=None, kind: str = MessageKind.INBOX, meta: dict | None = None,
    reply_to_external_id: str = "",
) -> Message:  # fmt: skip
    meta = dict(meta or {})
    if decision is not None and decision.notification:
        meta.update(purpose=decision.notification)  # the notification's topic
    message = Message.objects.create(
        workspace_id=conversation.workspace_id, conversation=conversation,
        channel_account_id=conversation.channel_account_id, direction=Direction.OUT, kind=kind,
        text=text, attachments=list(attachments), author=author if not automated else None,
        author_label=AUTOMATION_LABEL if automated else "", is_automated=automated,
        sent_at=now, created_at=now, delivery_status=DeliveryStatus.PENDING,
        policy_tag=decision.policy_tag if decision is not None else "", meta=meta,
        reply_to_external_id=reply_to_external_id,
    )  # fmt: skip
    conversation_touch(conversation, direction=Direction.OUT, at=now,
                       preview=message_preview(text, attachments))  # fmt: skip
    events.message_created(message)
    announcements.reply_queued(message, tagged=decision is not None and decision.is_tagged)
    return message


def message_retry(*, message: Message, user, now: datetime | None = None) -> Message:
    """Send a failed reply again ("Send again"): it goes back to pending and is queued.

    Refused when the message is not a failed reply, when the person may not reply on this
    conversation (the claim check), when the channel cannot send, or when the reply window
    no longer allows it (a human_agent reply keeps its confirmation; anything else has to
    be written again through the composer)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Message.objects.select_for_update(of=("self",))
            .filter(workspace_id=message.workspace_id, pk=message.pk, direction=Direction.OUT)
            .exclude(kind__in=[MessageKind.NOTE, MessageKind.SYSTEM])
            .first()
        )
        if locked is None or locked.delivery_status != DeliveryStatus.FAILED:
            raise ApplicationError(_("Only a reply that failed can be sent again."),
                                   code="not_failed")  # fmt: skip
        conversation = conversation_lock(locked.conversation)
        account = conversation.channel_account
        if not account.is_active:
            raise ApplicationError(_("This channel is disabled."), code="channel_disabled")
        if not account.can_send:
            raise ApplicationError(str(policies.NO_SENDING), code="policy.no_sending")
        sender_assert_can_act(conversation=conversation, author=user, automated=False)
        meta = {**locked.meta, "delivery_error_code": "", "retry_at": None,
                "queued_at": now.isoformat()}  # fmt: skip
        fields = ["delivery_status", "delivery_error", "delivery_attempts", "meta"]
        if locked.kind == MessageKind.INBOX and not meta.get("private_reply_to"):
            decision = policies.send_decision(
                kind=account.kind, last_inbound_at=conversation.last_inbound_at, now=now,
                automated=locked.is_automated, confirmed=locked.policy_tag == policies.Purpose.HUMAN_AGENT,
                purpose=meta.get("purpose") or None, channel_settings=account.settings,
                commented=_commented(conversation), replies_used=_replies_used(conversation),
                parts=(1 if locked.text else 0) + len(locked.attachments or ()),
            )  # fmt: skip
            if not decision.allowed:
                raise ApplicationError(str(decision.reason), code=f"policy.{decision.code}")
            if decision.notification:
                meta.update(purpose=decision.notification)  # the notification's topic
            locked.policy_tag = decision.policy_tag
            fields.append("policy_tag")
        locked.meta = meta
        locked.delivery_status = DeliveryStatus.PENDING
        locked.delivery_error = ""
        locked.delivery_attempts = 0  # a fresh series of attempts, with their backoff
        locked.save(update_fields=fields)
        last_outbound_failed_set(locked, failed=False)
        events.message_updated(locked)
        announcements.reply_queued(locked, tagged=False, retry=True)
    return locked
