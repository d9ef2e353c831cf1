"""Outbound delivery through the provider adapters (`outbound` queue).

A reply is saved as pending by conversations.services.outbound.message_send and queued on
commit. Delivery locks the row (SKIP LOCKED, so a duplicate task never double-sends), calls
the adapter and records sent (with the provider's id) or failed (with the provider's reason in
plain words). Transient errors retry with exponential backoff; an expired token flags the
channel account for an admin.

Every delivery ends sent or failed, never pending for ever: a kind without a sending adapter,
an adapter that crashes, a permanent provider error, the last transient attempt, and a reply
still pending DELIVERY_GIVE_UP_SECONDS after it was queued (the sweeper gives up on it) all
record failed with a reason the bubble shows, next to "Send again" (message_retry).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from channels_app.models import ChannelAccount
from channels_app.providers import UnknownProvider, get_adapter
from channels_app.providers.base import Action, OutboundMessage, PayloadError, ProviderError
from channels_app.services import notices
from conversations import policies
from conversations.models import DeliveryStatus, Direction, Message, MessageKind
from conversations.services import comments, delivery_status
from inbox_project.backoff import backoff_seconds
from inbox_project.on_commit import enqueue_on_commit

log = logging.getLogger(__name__)

DELIVER_TASK = "channels_app.tasks.message_deliver_task"
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 60.0


def retry_delay(attempt: int) -> float:
    """2, 4, 8, 16 … seconds, capped: short enough for a Celery countdown (never minutes)."""
    return backoff_seconds(attempt, base=BACKOFF_BASE_SECONDS, cap=BACKOFF_MAX_SECONDS)


def outbound_for(message: Message, *, answers_inbound: bool = False) -> OutboundMessage:
    """The neutral message to send: its purpose is the one the reply policy recorded.
    `answers_inbound`: the adapter's replies name the customer message they answer (the
    latest one before the reply)."""
    meta = message.meta or {}
    purpose, notification = policies.purpose_of(message.policy_tag)
    answers = ""
    if answers_inbound and not message.reply_to_external_id:
        answers = (
            Message.objects.filter(
                workspace_id=message.workspace_id,
                conversation_id=message.conversation_id,
                direction=Direction.IN,
                kind=MessageKind.INBOX,
                sent_at__lte=message.sent_at,
            )  # fmt: skip
            .exclude(external_id=None)
            .order_by("-sent_at", "-id")
            .values_list("external_id", flat=True)
            .first()
        ) or ""
    return OutboundMessage(
        message_id=message.pk, recipient_id=message.conversation.contact.external_id,
        text=message.text, attachments=tuple(message.attachments or ()),
        reply_to_external_id=message.reply_to_external_id,
        comment_id=meta.get("private_reply_to", ""),
        purpose=str(purpose), notification=notification,
        public_comment_reply_to=meta.get("reply_to_comment", "")
        if message.kind == MessageKind.COMMENT else "",
        answers_external_id=answers,
    )  # fmt: skip


def _plain(error: ProviderError, workspace_language: str) -> str:
    with translation.override(workspace_language or settings.LANGUAGE_CODE):
        plain = str(error.message)
    if error.provider_message:
        return f"{plain} ({error.provider_message})"
    return plain


def channel_account_flag_reconnect(*, account: ChannelAccount, reason: str) -> None:
    ChannelAccount.objects.filter(pk=account.pk, workspace_id=account.workspace_id).update(
        needs_reconnect=True, reconnect_reason=reason[:300]
    )
    notices.reconnect_forget(account.workspace_id)


def _lock_pending_reply(workspace_id: int, message_id: int, *related: str) -> Message | None:
    """The pending reply's row, locked; None when it is gone, settled, or a worker that is
    sending it holds the lock (skip_locked: never wait behind a send)."""
    return (
        Message.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("channel_account__workspace", *related)
        .filter(
            workspace_id=workspace_id,
            pk=message_id,
            direction=Direction.OUT,
            delivery_status=DeliveryStatus.PENDING,
        )
        .first()
    )


def message_deliver(*, workspace_id: int, message_id: int, now: datetime | None = None) -> str:
    """Send one pending message. Returns "sent", "retry", "failed" or "skipped"."""
    with transaction.atomic():
        message = _lock_pending_reply(workspace_id, message_id, "conversation__contact")
        if message is None:
            return "skipped"
        account = message.channel_account
        language = account.workspace.language
        if not account.is_active or account.needs_reconnect:
            error = ProviderError(
                _reconnect_text(account), code="channel_unavailable",
                provider_message=account.reconnect_reason,
            )  # fmt: skip
            delivery_status.message_mark_failed(message=message, error=_plain(error, language),
                                                code=error.code)  # fmt: skip
            return "failed"
        try:
            adapter = get_adapter(account.kind)
            if not adapter.supports_sending:
                raise UnknownProvider(account.kind)
            outbound = outbound_for(message, answers_inbound=adapter.replies_reference_inbound)
            result = adapter.send(account=account, outbound=outbound)
        except UnknownProvider:
            _fail(message, NO_SENDING, language, code="no_sending")
            return "failed"
        except ProviderError as error:
            return _handle_error(message=message, account=account, error=error, language=language,
                                 now=now)  # fmt: skip
        except PayloadError as error:
            delivery_status.message_mark_failed(message=message, error=str(error), code="invalid")
            return "failed"
        except Exception:  # a bug in an adapter must not leave the reply pending for ever
            log.exception("the %s adapter crashed sending message %s", account.kind, message.pk)
            _fail(message, CRASHED, language, code="crashed")
            return "failed"
        extra = {"recipient_id": result.recipient_id} if result.recipient_id else {}
        if result.part_ids:
            extra["part_ids"] = list(result.part_ids)
        delivery_status.message_mark_sent(
            message=message, external_id=result.external_id, extra=extra or None
        )
        return "sent"


NO_SENDING = _("This channel only receives messages for now: replies cannot be sent yet.")
CRASHED = _("Sending failed because of an error on our side. Try sending it again.")
GAVE_UP = _("The message could not be sent in time. Try sending it again.")


def _fail(message: Message, text, language: str, *, code: str) -> None:
    with translation.override(language or settings.LANGUAGE_CODE):
        plain = str(text)
    delivery_status.message_mark_failed(message=message, error=plain, code=code)


RECONNECT = _("The channel's access has expired or was revoked: an admin must reconnect it.")


def _reconnect_text(account: ChannelAccount):
    """The adapter's own words for a channel to reconnect, else generic ones."""
    if not account.needs_reconnect:
        return _("This channel is disabled.")
    try:
        return get_adapter(account.kind).explain_error("token_expired") or RECONNECT
    except UnknownProvider:
        return RECONNECT


def _handle_error(*, message: Message, account, error: ProviderError, language: str,
                  now: datetime | None) -> str:  # fmt: skip
    text = _plain(error, language)
    if error.reconnect:
        channel_account_flag_reconnect(account=account, reason=text)
    attempt = message.delivery_attempts + 1
    if error.transient and attempt < settings.DELIVERY_MAX_ATTEMPTS:
        delay = retry_delay(attempt)
        delivery_status.message_mark_retrying(message=message, error=text, code=error.code,
                                              retry_in=delay, now=now)  # fmt: skip
        _schedule_retry(message, delay)
        return "retry"
    delivery_status.message_mark_failed(message=message, error=text, code=error.code)
    return "failed"


def _schedule_retry(message: Message, delay: float) -> None:
    """After the commit; a broker outage is logged and the delivery sweeper picks it up."""
    enqueue_on_commit(DELIVER_TASK, message.workspace_id, message.pk, countdown=delay)


def message_deliver_action(*, workspace_id: int, message_id: int, action: str) -> str:
    """Hide / unhide / like / unlike a comment at the provider, then record the answer."""
    with transaction.atomic():
        comment = (
            Message.objects.select_for_update(of=("self",))
            .select_related("channel_account__workspace")
            .filter(workspace_id=workspace_id, pk=message_id, kind=MessageKind.COMMENT)
            .first()
        )
        if comment is None or comment.meta.get("pending_action") != action:
            return "skipped"
        account = comment.channel_account
        try:
            get_adapter(account.kind).perform(
                account=account, action=Action(name=action, target_external_id=comment.external_id)
            )
        except ProviderError as error:
            if error.reconnect:
                channel_account_flag_reconnect(
                    account=account, reason=_plain(error, account.workspace.language)
                )
            text = _plain(error, account.workspace.language)
            comments.comment_action_applied(comment=comment, action=action, error=text)
            return "failed"
        comments.comment_action_applied(comment=comment, action=action)
        return "done"


def message_deliver_sweep(
    *, older_than: float | None = None, give_up_after: float | None = None, limit: int = 500,
    now: datetime | None = None,
) -> int:  # fmt: skip
    """Re-queue outbound messages left pending (broker down at send time, worker killed);
    fail those still pending `give_up_after` seconds (DELIVERY_GIVE_UP_SECONDS) after they
    were queued, so nobody waits on "Sending" for ever. Returns how many were re-queued."""
    age = settings.DELIVERY_SWEEP_AFTER_SECONDS if older_than is None else older_than
    give_up = settings.DELIVERY_GIVE_UP_SECONDS if give_up_after is None else give_up_after
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=age)
    give_up_cutoff = now - timedelta(seconds=give_up)
    stale = Message.objects.filter(
        delivery_status=DeliveryStatus.PENDING, direction=Direction.OUT, created_at__lte=cutoff
    ).values_list("pk", "workspace_id", "meta", "created_at")[:limit]
    queued = 0
    for pk, workspace_id, meta, created_at in stale:
        meta = meta or {}
        queued_at = datetime.fromisoformat(meta["queued_at"]) if meta.get("queued_at") else None
        if (queued_at or created_at) <= give_up_cutoff:
            message_deliver_give_up(workspace_id=workspace_id, message_id=pk)
            continue
        if queued_at and queued_at > cutoff:
            continue  # sent again moments ago: its task is on its way
        retry_at = meta.get("retry_at")
        if retry_at and datetime.fromisoformat(retry_at) > cutoff:
            continue  # a scheduled retry is still due
        enqueue_on_commit(DELIVER_TASK, workspace_id, pk)  # broker down: the next sweep
        queued += 1
    return queued


def message_deliver_give_up(*, workspace_id: int, message_id: int) -> str:
    """Fail a reply still pending after DELIVERY_GIVE_UP_SECONDS (a worker that is sending
    it holds its row: then it is left to that worker)."""
    with transaction.atomic():
        message = _lock_pending_reply(workspace_id, message_id)
        if message is None:
            return "skipped"
        text = GAVE_UP
        if message.delivery_error:  # the last attempt's reason says more than "in time"
            with translation.override(message.channel_account.workspace.language or "vi"):
                text = f"{GAVE_UP} ({message.delivery_error})"
        _fail(message, text, message.channel_account.workspace.language, code="gave_up")
        return "failed"
