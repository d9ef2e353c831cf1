"""Webhook ingestion: receive (verify, store, acknowledge), process once, sweep, replay.

Durability (ARCHITECTURE.md invariant 2): a delivery is one INSERT of a WebhookEvent, committed
before the 200; the processing task is queued on commit. Processing locks the row
(SKIP LOCKED), records every event through conversations.services and marks the row processed
in the same transaction, so a crash anywhere leaves the row pending and the sweeper re-queues
it; the message constraints make a second pass a no-op.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models.functions import Mod
from django.utils import timezone

from channels_app.models import ChannelAccount, WebhookEvent
from channels_app.providers import UnknownProvider, get_adapter
from channels_app.providers.base import (
    CommentEvent,
    EchoMessage,
    Event,
    InboundMessage,
    PayloadError,
    ProviderAdapter,
    StatusReceipt,
)
from channels_app.services import media
from conversations import events
from conversations.services import messages

log = logging.getLogger(__name__)

KEPT_HEADERS = ("Content-Type", "User-Agent", "X-Hub-Signature-256")


@dataclass(frozen=True)
class WebhookReply:
    status: int
    body: str = ""


ACCOUNT_SQL = (
    "SELECT id, workspace_id, kind, external_id, settings FROM {table} "
    "WHERE webhook_key = %s AND kind = %s AND is_active LIMIT 1"
)


def channel_account_for_webhook(*, kind: str, key) -> ChannelAccount | None:
    """The webhook address is the tenant router: its unguessable key names one account.
    A raw query on the hot path (an ORM compile costs more than the whole INSERT)."""
    sql = ACCOUNT_SQL.format(table=ChannelAccount._meta.db_table)
    return next(iter(ChannelAccount.objects.raw(sql, [key, kind])), None)


def webhook_receive(
    *, kind: str, key, method: str, body: bytes | None, headers: Mapping[str, str],
    params: Mapping[str, str], content_length: int | None = None,
) -> WebhookReply:  # fmt: skip
    """Everything the webhook view does, in order: 404, handshake, 413, 403, store, 200."""
    try:
        adapter = get_adapter(kind)
    except UnknownProvider:
        return WebhookReply(404)
    account = channel_account_for_webhook(kind=kind, key=key)
    if account is None:
        return WebhookReply(404)
    if method == "GET":
        challenge = adapter.verify_handshake(account=account, params=params)
        return WebhookReply(200, challenge) if challenge is not None else WebhookReply(403)
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    if (content_length or 0) > limit or body is None or len(body) > limit:
        return WebhookReply(413)
    if not adapter.verify_signature(account=account, body=body, headers=headers):
        return WebhookReply(403)
    webhook_event_accept(account=account, adapter=adapter, body=body, headers=headers)
    return WebhookReply(200, "EVENT_RECEIVED")


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
    kept = {name: headers[name] for name in KEPT_HEADERS if name in headers}
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
        transaction.on_commit(lambda: webhook_events_wake(shard=shard))
    return row[0]


# --- waking the workers -------------------------------------------------------------------------
#
# Events are processed by drain tasks, one shard of the pending events each (event id modulo
# INGEST_SHARDS), so a burst costs one Celery publish per shard rather than one per event. A
# Redis flag per shard says "a drain is queued or running". The drain clears the flag *before*
# each look for pending rows, and an accepted event is committed *before* its flag check, so
# either the check finds the flag clear (and queues a drain) or a drain's next look sees the
# row: no wake-up is lost. The flag expires on its own and the sweeper covers any crash.

WAKE_KEY = "ingest:wake:{shard}"
_redis = None


def _flags():
    global _redis
    if _redis is None:
        import redis

        _redis = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=1
        )
    return _redis


def webhook_events_wake(*, shard: int) -> bool:
    """Queue a drain of `shard` unless one is already queued or running."""
    key = WAKE_KEY.format(shard=shard)
    try:
        if not _flags().set(key, "1", nx=True, ex=settings.INGEST_WAKE_TTL_SECONDS):
            return True
    except Exception:
        log.warning("wake flag unavailable; queueing a drain anyway", exc_info=True)
    if webhook_events_drain_enqueue(shard=shard):
        return True
    try:
        _flags().delete(key)  # nothing was queued: let the next event try again
    except Exception:
        pass
    return False


def webhook_events_drain_enqueue(*, shard: int) -> bool:
    from channels_app.tasks import webhook_events_drain_task

    try:
        webhook_events_drain_task.apply_async(args=[shard], retry=False)
        return True
    except Exception:  # broker down: the row is safe, the sweeper queues it later
        log.warning("could not queue a drain of shard %s", shard, exc_info=True)
        return False


def webhook_event_enqueue(workspace_id: int, event_id: int) -> bool:
    """Queue one event on its own (replay); a broker outage only delays it."""
    from channels_app.tasks import webhook_event_process_task

    try:
        webhook_event_process_task.apply_async(args=[workspace_id, event_id], retry=False)
        return True
    except Exception:
        log.warning("could not queue webhook event %s; the sweeper will", event_id, exc_info=True)
        return False


def webhook_events_drain(*, shard: int, batch: int = 100, budget_seconds: float = 20.0) -> int:
    """Process the pending events of one shard, oldest first, until none is left (or the time
    budget is spent: then another drain is queued, so a task never runs for long).

    Live pushes of a batch leave together (`events.coalescing`), flushed every
    PUSH_FLUSH_EVERY events or PUSH_FLUSH_SECONDS, whichever comes first: a burst renders
    each conversation's row once per flush, and a lone event is pushed as soon as it is done."""
    shards = settings.INGEST_SHARDS
    key = WAKE_KEY.format(shard=shard)
    deadline = timezone.now() + timedelta(seconds=budget_seconds)
    done, failed = 0, set()
    with events.coalescing():
        while True:
            try:
                _flags().delete(key)
            except Exception:
                log.warning("wake flag unavailable", exc_info=True)
            pending = list(
                WebhookEvent.objects.filter(status=WebhookEvent.Status.PENDING)
                .exclude(pk__in=failed)  # an event that just failed waits for the sweeper
                .annotate(shard=Mod("id", shards))
                .filter(shard=shard)
                .order_by("received_at", "id")
                .values_list("workspace_id", "pk")[:batch]
            )
            if not pending:
                return done
            held, flushed_at = 0, time.monotonic()
            for workspace_id, event_id in pending:
                try:
                    outcome = webhook_event_process(workspace_id=workspace_id, event_id=event_id)
                    done += outcome != "skipped"
                except Exception:  # recorded on the event by webhook_event_process; carry on
                    log.exception("webhook event %s failed", event_id)
                    failed.add(event_id)
                held += 1
                if held >= PUSH_FLUSH_EVERY or time.monotonic() - flushed_at >= PUSH_FLUSH_SECONDS:
                    events.flush()
                    held, flushed_at = 0, time.monotonic()
            events.flush()
            if timezone.now() > deadline:
                webhook_events_wake(shard=shard)
                return done


PUSH_FLUSH_EVERY = 25
PUSH_FLUSH_SECONDS = 0.1


# --- processing -----------------------------------------------------------------------------


def webhook_event_process(*, workspace_id: int, event_id: int) -> str:
    """Process one stored delivery exactly once. Returns what happened (for logs and tests)."""
    try:
        with transaction.atomic():
            event = _lock_pending(workspace_id=workspace_id, event_id=event_id)
            if event is None:
                return "skipped"  # done already, or another worker holds it
            return _process_locked(event)
    except Exception as exc:
        _record_error(workspace_id=workspace_id, event_id=event_id, error=exc)
        raise


# Processing commits need not wait for the disk: the input row was committed durably before
# the 200, and processing is idempotent. If a crash loses this commit, the event is pending
# again and the sweeper processes it again; the constraints make that a no-op. The SET rides
# in the same round trip as the lock.
LOCK_SQL = (
    "SET LOCAL synchronous_commit TO OFF; "
    "SELECT id, workspace_id, channel_account_id, body, attempts FROM {table} "
    "WHERE id = %s AND workspace_id = %s AND status = 'pending' FOR UPDATE SKIP LOCKED"
)


def _lock_pending(*, workspace_id: int, event_id: int) -> WebhookEvent | None:
    """Lock one pending event, or None if it is done or another worker holds it. Static SQL
    on the hot path; the channel account comes from a small per-process cache."""
    with connection.cursor() as cursor:
        cursor.execute(LOCK_SQL.format(table=WebhookEvent._meta.db_table), [event_id, workspace_id])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, workspace_id, account_id, body, attempts = row
    event = WebhookEvent(pk=pk, workspace_id=workspace_id, channel_account_id=account_id,
                         body=body, attempts=attempts, status=WebhookEvent.Status.PENDING)  # fmt: skip
    event.channel_account = _account(account_id, workspace_id)
    return event


def _account(pk: int, workspace_id: int) -> ChannelAccount:
    """Channel accounts change rarely; processing re-reads one at most every few seconds."""
    now = time.monotonic()
    cached = _ACCOUNTS.get(pk)
    if cached is None or cached[0] < now:
        account = ChannelAccount.objects.get(pk=pk, workspace_id=workspace_id)
        cached = _ACCOUNTS[pk] = (now + ACCOUNT_CACHE_SECONDS, account)
    return cached[1]


ACCOUNT_CACHE_SECONDS = 5.0
_ACCOUNTS: dict[int, tuple[float, ChannelAccount]] = {}


def _process_locked(event: WebhookEvent) -> str:
    account = event.channel_account
    now = timezone.now()
    try:
        parsed = get_adapter(account.kind).parse(account=account, body=event.body.encode("utf-8"))
    except PayloadError as exc:
        WebhookEvent.objects.filter(pk=event.pk, workspace_id=event.workspace_id).update(
            status=WebhookEvent.Status.FAILED, error=str(exc)[:2000], attempts=event.attempts + 1,
            processed_at=now,
        )  # fmt: skip
        return "failed"
    accounts = {account.external_id: account}
    for item in sorted(parsed, key=lambda e: e.sort_key):
        target = _account_for(item, accounts=accounts, kind=account.kind)
        if target is not None:
            dispatch(item, channel_account=target)
    with connection.cursor() as cursor:
        cursor.execute(
            DONE_SQL.format(table=WebhookEvent._meta.db_table), [now, event.pk, event.workspace_id]
        )
    return "processed"


DONE_SQL = (
    "UPDATE {table} SET status = 'processed', attempts = attempts + 1, processed_at = %s, "
    "error = '' WHERE id = %s AND workspace_id = %s"
)


def _account_for(item: Event, *, accounts: dict, kind: str) -> ChannelAccount | None:
    """A batched Meta body may carry entries of other pages of the same app: route each entry
    by its page id (PLATFORMS.md A1/A3); unknown pages are skipped."""
    key = item.account_external_id
    if key not in accounts:
        accounts[key] = ChannelAccount.objects.filter(
            kind=kind, external_id=key, is_active=True
        ).first()
    return accounts[key]


def dispatch(item: Event, *, channel_account: ChannelAccount) -> None:
    """Hand one provider-neutral event to conversations.services; attachments of a new message
    are copied off the provider's expiring links afterwards (queued on commit)."""
    message = None
    if isinstance(item, InboundMessage):
        message = messages.message_record_inbound(
            channel_account=channel_account, contact_external_id=item.contact_id,
            external_id=item.external_id, sent_at=item.timestamp, text=item.text,
            attachments=[a.as_json() for a in item.attachments], contact_name=item.contact_name,
            reply_to_external_id=item.reply_to_external_id, meta=dict(item.meta),
        )  # fmt: skip
    elif isinstance(item, EchoMessage):
        message = messages.message_record_echo(
            channel_account=channel_account, contact_external_id=item.contact_id,
            external_id=item.external_id, sent_at=item.timestamp, text=item.text,
            attachments=[a.as_json() for a in item.attachments], author_label=item.author_label,
            own_message_id=item.own_message_id, meta=dict(item.meta),
        )  # fmt: skip
    elif isinstance(item, StatusReceipt):
        messages.message_update_delivery(
            channel_account=channel_account, contact_external_id=item.contact_id,
            status=item.status, watermark=item.watermark, external_ids=item.external_ids,
        )  # fmt: skip
    elif isinstance(item, CommentEvent):
        if item.from_page:
            return  # the page's own comments: our public replies, or typed on Facebook
        message = messages.comment_record(
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


def _record_error(*, workspace_id: int, event_id: int, error: Exception) -> None:
    """An unexpected error leaves the event pending for the sweeper, until it has failed
    WEBHOOK_MAX_ATTEMPTS times; then it is marked failed for an admin to look at."""
    try:
        with transaction.atomic():
            event = (
                WebhookEvent.objects.select_for_update()
                .filter(workspace_id=workspace_id, pk=event_id, status=WebhookEvent.Status.PENDING)
                .first()
            )
            if event is None:
                return
            event.attempts += 1
            event.error = f"{type(error).__name__}: {error}"[:2000]
            if event.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
                event.status = WebhookEvent.Status.FAILED
            event.save(update_fields=["attempts", "error", "status"])
    except Exception:  # the database itself is down: the sweeper retries later
        log.warning("could not record the error of webhook event %s", event_id, exc_info=True)


# --- sweeping and replay ----------------------------------------------------------------------


def webhook_event_sweep(*, older_than: float | None = None, limit: int = 1000) -> int:
    """Re-queue pending events nobody processed in time (Redis or every worker was down, or a
    worker was killed). Duplicates are harmless: processing skips what is done or locked."""
    age = settings.WEBHOOK_SWEEP_AFTER_SECONDS if older_than is None else older_than
    cutoff = timezone.now() - timedelta(seconds=age)
    with transaction.atomic():
        stale = list(
            WebhookEvent.objects.select_for_update(skip_locked=True)
            .filter(
                status=WebhookEvent.Status.PENDING, received_at__lte=cutoff, queued_at__lte=cutoff
            )  # fmt: skip
            .order_by("received_at")
            .values_list("pk", "workspace_id")[:limit]
        )
        if not stale:
            return 0
        WebhookEvent.objects.filter(pk__in=[pk for pk, _ in stale]).update(queued_at=timezone.now())

        shards = sorted({pk % settings.INGEST_SHARDS for pk, _ in stale})

        def enqueue_all():
            for shard in shards:  # a drain per shard, whatever its flag says
                if not webhook_events_drain_enqueue(shard=shard):
                    break

        transaction.on_commit(enqueue_all)
    log.info("re-queued %d stale webhook events", len(stale))
    return len(stale)


def webhook_event_replay(*, workspace, event_id: int) -> WebhookEvent:
    """An admin retries a failed event: back to pending and queued again."""
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().get(
            workspace=workspace, pk=event_id, status=WebhookEvent.Status.FAILED
        )
        event.status = WebhookEvent.Status.PENDING
        event.attempts = 0
        event.queued_at = timezone.now()
        event.save(update_fields=["status", "attempts", "queued_at"])
        transaction.on_commit(lambda: webhook_event_enqueue(event.workspace_id, event.pk))
    return event


def webhook_events_failed(*, workspace, limit: int = 200):
    return (
        WebhookEvent.objects.filter(workspace=workspace, status=WebhookEvent.Status.FAILED)
        .select_related("channel_account")
        .order_by("-received_at")[:limit]
    )
