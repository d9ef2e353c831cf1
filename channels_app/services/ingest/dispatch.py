"""One parsed, provider-neutral event -> conversations.services, and which channel account it
belongs to (the adapter says which external id of an event names the account)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import translation

from channels_app.models import ChannelAccount
from channels_app.providers import get_adapter
from channels_app.providers.base import (
    CommentEvent,
    ContactEvent,
    EchoMessage,
    Event,
    InboundMessage,
    Reaction,
    ReconnectNeeded,
    StatusReceipt,
)
from channels_app.services import delivery, media
from conversations.services import comments, customer_actions, delivery_status, inbound

log = logging.getLogger(__name__)


def account_for(item: Event, *, accounts: dict, kind: str, app_id: str) -> ChannelAccount | None:
    """A batched body may carry events of other accounts of the same provider app (Meta: other
    pages): route each by the external id its adapter reads off it, whichever workspace owns
    that account, but only to an account of the app whose secret signed the body (the
    receiving account's app, checked on receipt). Unknown accounts and accounts of another
    app are skipped. `accounts` caches the look-ups of one body."""
    adapter = get_adapter(kind)
    key = adapter.event_account_id(item)
    if key not in accounts:
        target = ChannelAccount.objects.filter(kind=kind, external_id=key, is_active=True).first()
        if target is not None and target.provider_app_id != app_id:
            log.warning(
                "webhook entry skipped: %s %s %s belongs to app %r, the body was signed by %r",
                kind, adapter.account_id_name, key, target.provider_app_id, app_id,
            )  # fmt: skip
            target = None
        accounts[key] = target
    return accounts[key]


def dispatch(item: Event, *, channel_account: ChannelAccount) -> None:
    """Hand one provider-neutral event to conversations.services; attachments of a new message
    are copied off the provider's expiring links afterwards (queued on commit)."""
    message = None
    if isinstance(item, InboundMessage):
        message = inbound.message_record_inbound(
            channel_account=channel_account, contact_external_id=item.contact_id,
            external_id=item.external_id, sent_at=item.timestamp, text=item.text,
            attachments=[a.as_json() for a in item.attachments], contact_name=item.contact_name,
            reply_to_external_id=item.reply_to_external_id, meta=dict(item.meta),
        )  # fmt: skip
    elif isinstance(item, EchoMessage):
        message = inbound.message_record_echo(
            channel_account=channel_account, contact_external_id=item.contact_id,
            external_id=item.external_id, sent_at=item.timestamp, text=item.text,
            attachments=[a.as_json() for a in item.attachments], author_label=item.author_label,
            own_message_id=item.own_message_id, meta=dict(item.meta),
        )  # fmt: skip
    elif isinstance(item, StatusReceipt):
        delivery_status.message_update_delivery(
            channel_account=channel_account, contact_external_id=item.contact_id,
            status=item.status, watermark=item.watermark, external_ids=item.external_ids,
        )  # fmt: skip
    elif isinstance(item, ReconnectNeeded):  # recorded in the workspace's language
        with translation.override(channel_account.workspace.language or settings.LANGUAGE_CODE):
            reason = str(item.reason)
        delivery.channel_account_flag_reconnect(account=channel_account, reason=reason)
    elif isinstance(item, ContactEvent):
        customer_actions.contact_event_record(
            channel_account=channel_account, contact_external_id=item.contact_id,
            what=item.what, at=item.timestamp,
        )  # fmt: skip
    elif isinstance(item, Reaction):
        customer_actions.message_reaction_record(
            channel_account=channel_account, target_external_id=item.target_external_id,
            emoji=item.emoji, by_account=item.by_account,
        )  # fmt: skip
    elif isinstance(item, CommentEvent):
        if item.from_page:
            return  # the page's own comments: our public replies, or typed on Facebook
        message = comments.comment_record(
            channel_account=channel_account, contact_external_id=item.contact_id,
            external_id=item.external_id, verb=item.verb, sent_at=item.timestamp, text=item.text,
            contact_name=item.contact_name, post_id=item.post_id, post_url=item.post_url,
            parent_id=item.parent_id, attachments=[a.as_json() for a in item.attachments],
        )  # fmt: skip
    if message is not None and message.attachments:
        media.message_media_download_enqueue(
            workspace_id=message.workspace_id, message_id=message.pk,
            attachments=message.attachments,
        )  # fmt: skip
