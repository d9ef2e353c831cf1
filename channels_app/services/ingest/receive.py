"""Receive a webhook: find the channel by its address, answer the handshake, verify the
signature over the raw body and store the body (one INSERT, committed before the answer).

Durability (docs/providers.md, "Inbound flow"): a delivery is one INSERT of a WebhookEvent,
committed before the adapter's acknowledgement; processing is woken after the commit
(`wake.py`). Everything provider-specific (headers kept for a replay's re-verification, the
acknowledgement, the handshake, the signature) is asked of the kind's adapter.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from channels_app.models import ChannelAccount, WebhookEvent
from channels_app.providers import UnknownProvider, get_adapter
from channels_app.providers.base import ProviderAdapter
from channels_app.services.ingest import wake

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookReply:
    status: int
    body: str = ""


ACCOUNT_SQL = (
    "SELECT id, workspace_id, kind, external_id, provider_app_id, settings FROM {table} "
    "WHERE webhook_key = %s AND kind = %s AND is_active LIMIT 1"
)
ACCOUNT_BY_ID_SQL = (
    "SELECT id, workspace_id, kind, external_id, provider_app_id, settings FROM {table} "
    "WHERE external_id = %s AND kind = %s AND is_active LIMIT 1"
)
WEBHOOK_ACCOUNT_CACHE_SIZE = 10_000
_WEBHOOK_ACCOUNTS: dict[tuple[str, str], tuple[float, ChannelAccount | None]] = {}


def channel_account_for_webhook(*, kind: str, key, by_external_id: bool = False):
    """The webhook address is the tenant router: its unguessable key names one account (on a
    kind's shared address, `by_external_id`: the id the signed body names). Answered from a
    small per-process cache (WEBHOOK_ACCOUNT_CACHE_SECONDS; a change made in this process
    forgets it at once, see apps.py), else one raw query: an ORM compile costs more than the
    whole INSERT."""
    now = time.monotonic()
    cache_key = (f"{kind}#id" if by_external_id else kind, str(key))
    cached = _WEBHOOK_ACCOUNTS.get(cache_key)
    if cached is not None and cached[0] > now:
        return cached[1]
    sql = (ACCOUNT_BY_ID_SQL if by_external_id else ACCOUNT_SQL).format(
        table=ChannelAccount._meta.db_table
    )
    account = next(iter(ChannelAccount.objects.raw(sql, [str(key), kind])), None)
    if len(_WEBHOOK_ACCOUNTS) >= WEBHOOK_ACCOUNT_CACHE_SIZE:  # random keys must not grow it
        _WEBHOOK_ACCOUNTS.clear()
    _WEBHOOK_ACCOUNTS[cache_key] = (now + settings.WEBHOOK_ACCOUNT_CACHE_SECONDS, account)
    return account


def forget_accounts() -> None:
    _WEBHOOK_ACCOUNTS.clear()


def webhook_receive(
    *, kind: str, key, method: str, body: bytes | None, headers: Mapping[str, str],
    params: Mapping[str, str], content_length: int | None = None,
) -> WebhookReply:  # fmt: skip
    """Everything the webhook view does, in order: 404, handshake, 413, 403, store, ack.
    `key` is the address's key: an account's `webhook_key`, a shared address's key, or ""
    for the kind's bare address (`/webhooks/<kind>/`)."""
    try:
        adapter = get_adapter(kind)
    except UnknownProvider:
        return WebhookReply(404)
    shared = adapter.shared_webhook_key()
    if shared is not None:
        return _receive_shared(
            adapter=adapter, kind=kind, key=key, shared=shared, method=method, body=body,
            headers=headers, content_length=content_length,
        )  # fmt: skip
    account = channel_account_for_webhook(kind=kind, key=key) if key else None
    if account is None:
        return WebhookReply(404)
    if method == "GET":
        challenge = adapter.verify_handshake(account=account, params=params)
        return WebhookReply(200, challenge) if challenge is not None else WebhookReply(403)
    if _too_big(body, content_length):
        return WebhookReply(413)
    app_id = adapter.signing_app(body=body, headers=headers)
    if app_id is None:
        return WebhookReply(403)
    if app_id != account.provider_app_id:
        # A body signed by one provider app never reaches another app's channel; answered
        # like an unknown address, so the sender learns nothing about the page.
        log.warning(
            "webhook refused: signed by %s app %s, but channel account %s belongs to app %r",
            kind, app_id, account.pk, account.provider_app_id,
        )  # fmt: skip
        return WebhookReply(404)
    webhook_event_accept(account=account, adapter=adapter, body=body, headers=headers)
    return WebhookReply(adapter.ack_status, adapter.ack_body)


def _too_big(body: bytes | None, content_length: int | None) -> bool:
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    return (content_length or 0) > limit or body is None or len(body) > limit


def account_named_by_body(*, kind: str, adapter: ProviderAdapter, body: bytes, headers=None):
    """The first account of ours among those a body on a shared address names, or None."""
    for external_id in adapter.body_account_ids(body=body, headers=headers or {}):
        found = channel_account_for_webhook(kind=kind, key=external_id, by_external_id=True)
        if found is not None:
            return found
    return None


def _receive_shared(
    *, adapter: ProviderAdapter, kind: str, key, shared: str, method: str, body: bytes | None,
    headers: Mapping[str, str], content_length: int | None,
) -> WebhookReply:  # fmt: skip
    """A kind whose provider pushes every account's events to one address (Zalo: the kind's
    bare address; Shopee: one push URL per partner app): the signature first, then the
    account the body names. There is no handshake (405 to anything but POST).

    A signed body for no account of ours (a shop or OA that left, or was never connected) is
    acknowledged and not stored: refusing it would only make the provider retry it and, in the
    end, disable the address for every other account. One for an account connected under
    another app is a configuration to fix: refused (404) where the provider keeps what was
    not delivered and we read it back later (`supports_lost_events`, Shopee), acknowledged
    and dropped with a warning elsewhere."""
    if str(key) != shared:
        return WebhookReply(404)
    if method != "POST":
        return WebhookReply(405)
    if _too_big(body, content_length):
        return WebhookReply(413)
    app_id = adapter.signing_app(body=body, headers=headers)
    if app_id is None:
        return WebhookReply(403)
    account = account_named_by_body(kind=kind, adapter=adapter, body=body, headers=headers)
    if account is None:
        log.warning(
            "webhook not stored: %s body signed by app %s names no %s of ours (%s)",
            kind, app_id, adapter.account_id_name,
            ", ".join(adapter.body_account_ids(body=body, headers=headers)) or "none",
        )  # fmt: skip
        return WebhookReply(adapter.ack_status, adapter.ack_body)
    if account.provider_app_id != app_id:
        log.warning(
            "webhook refused: signed by %s app %s, but channel account %s belongs to app %r",
            kind, app_id, account.pk, account.provider_app_id,
        )  # fmt: skip
        if adapter.supports_lost_events:
            return WebhookReply(404)
        return WebhookReply(adapter.ack_status, adapter.ack_body)
    webhook_event_accept(account=account, adapter=adapter, body=body, headers=headers)
    return WebhookReply(adapter.ack_status, adapter.ack_body)


def _as_text(body: bytes) -> tuple[str, str]:
    """The body as storable text, and the reason it cannot be processed ("" when fine)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return body.decode("utf-8", "backslashreplace"), f"body is not valid UTF-8: {exc}"
    if "\x00" in text:
        return text.replace("\x00", "\\x00"), "body contains NUL bytes"
    return text, ""


INSERT_SQL = """
INSERT INTO {table} (workspace_id, channel_account_id, dedupe_key, body, headers, status,
                     attempts, error, received_at, queued_at, processed_at)
VALUES (%s, %s, %s, %s, %s, %s, 0, %s, %s, %s, NULL)
ON CONFLICT (channel_account_id, dedupe_key) DO NOTHING
RETURNING id
"""


def webhook_event_accept(
    *, account: ChannelAccount, adapter: ProviderAdapter, body: bytes, headers: Mapping[str, str]
) -> int | None:
    """One INSERT (a redelivered body is a no-op), committed on its own; processing is woken
    after the commit. Returns the new event's id, or None for a redelivery."""
    text, problem = _as_text(body)
    kept = {name: headers[name] for name in adapter.kept_headers if name in headers}
    now = timezone.now()
    status = WebhookEvent.Status.FAILED if problem else WebhookEvent.Status.PENDING
    with connection.cursor() as cursor:
        cursor.execute(
            INSERT_SQL.format(table=WebhookEvent._meta.db_table),
            [account.workspace_id, account.pk, adapter.dedupe_key(body=body), text,
             json.dumps(kept), status, problem, now, now],
        )  # fmt: skip
        row = cursor.fetchone()
    if row is None:
        return None
    if not problem:
        shard = row[0] % settings.INGEST_SHARDS
        # Not a task enqueue (so not inbox_project.on_commit): after the commit this process's
        # waker thread checks the shard's Redis flag and publishes a drain only when none is
        # queued, so a burst costs one publish per shard (wake.py).
        transaction.on_commit(lambda: wake.request(shard))
    return row[0]
