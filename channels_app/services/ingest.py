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
import os
import threading
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
from conversations.services import comments, delivery_status, inbound, inbound_batch

log = logging.getLogger(__name__)

KEPT_HEADERS = ("Content-Type", "User-Agent", "X-Hub-Signature-256")


@dataclass(frozen=True)
class WebhookReply:
    status: int
    body: str = ""


ACCOUNT_SQL = (
    "SELECT id, workspace_id, kind, external_id, provider_app_id, settings FROM {table} "
    "WHERE webhook_key = %s AND kind = %s AND is_active LIMIT 1"
)


def channel_account_for_webhook(*, kind: str, key) -> ChannelAccount | None:
    """The webhook address is the tenant router: its unguessable key names one account.
    Answered from a small per-process cache (WEBHOOK_ACCOUNT_CACHE_SECONDS; a change made in
    this process forgets it at once, see apps.py), else one raw query: an ORM compile costs
    more than the whole INSERT."""
    now = time.monotonic()
    cache_key = (kind, str(key))
    cached = _WEBHOOK_ACCOUNTS.get(cache_key)
    if cached is not None and cached[0] > now:
        return cached[1]
    sql = ACCOUNT_SQL.format(table=ChannelAccount._meta.db_table)
    account = next(iter(ChannelAccount.objects.raw(sql, [key, kind])), None)
    if len(_WEBHOOK_ACCOUNTS) >= WEBHOOK_ACCOUNT_CACHE_SIZE:  # random keys must not grow it
        _WEBHOOK_ACCOUNTS.clear()
    _WEBHOOK_ACCOUNTS[cache_key] = (now + settings.WEBHOOK_ACCOUNT_CACHE_SECONDS, account)
    return account


WEBHOOK_ACCOUNT_CACHE_SIZE = 10_000
_WEBHOOK_ACCOUNTS: dict[tuple[str, str], tuple[float, ChannelAccount | None]] = {}


def channel_accounts_forget(**_signal) -> None:
    """A channel account changed (saved, deactivated, deleted): re-read them all."""
    _WEBHOOK_ACCOUNTS.clear()
    _ACCOUNTS.clear()


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
        transaction.on_commit(lambda: _waker.request(shard))
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


class _Waker:
    """Wakes drains off the request path: the webhook answers as soon as its row is committed
    and one thread per process checks the flags (after that commit, which is all the rule
    above needs). A burst of requests then costs one flag check per shard, not one Redis
    round trip per request. If the process dies first, the row is pending and the sweeper
    queues it, as when Redis is down."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._shards: set[int] = set()
        self._requested = 0  # wake-ups asked for, ever
        self._done = 0  # of those, carried out
        self._pid: int | None = None
        self._thread: threading.Thread | None = None

    def request(self, shard: int) -> None:
        with self._changed:
            if self._pid != os.getpid() or not (self._thread and self._thread.is_alive()):
                self._thread = threading.Thread(target=self._run, name="ingest-waker", daemon=True)
                self._thread.start()
                self._pid = os.getpid()  # a forked child starts its own thread
            self._shards.add(shard)
            self._requested += 1
            self._changed.notify_all()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._shards:
                    self._changed.wait()
                shards, self._shards = self._shards, set()
                covered = self._requested
            for shard in sorted(shards):
                try:
                    webhook_events_wake(shard=shard)
                except Exception:  # the sweeper covers it
                    log.warning("waking shard %s failed", shard, exc_info=True)
            with self._changed:
                self._done = covered
                self._changed.notify_all()

    def wait(self, timeout: float) -> bool:
        """Until every wake-up requested so far was carried out."""
        with self._changed:
            goal = self._requested
            return self._changed.wait_for(lambda: self._done >= goal, timeout)


_waker = _Waker()


def webhook_wakes_wait(timeout: float = 5.0) -> bool:
    """Wait until this process's requested drain wake-ups were carried out (tests)."""
    return _waker.wait(timeout)


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

    Events go in chunks of CHUNK through `webhook_events_process_chunk` (customer messages in
    open conversations recorded together, the rest one by one), and the live pushes of a
    chunk leave together (`events.coalescing`): a burst renders each conversation's row once
    per chunk, and a lone event is pushed as soon as it is done."""
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
            for start in range(0, len(pending), CHUNK):
                chunk_done, chunk_failed = webhook_events_process_chunk(
                    pending[start : start + CHUNK]
                )
                done += chunk_done
                failed |= chunk_failed
                events.flush()
            if timezone.now() > deadline:
                webhook_events_wake(shard=shard)
                return done


CHUNK = 25


def webhook_events_process_chunk(pairs: list[tuple[int, int]]) -> tuple[int, set[int]]:
    """Process some pending events (workspace id, event id): the customer messages that land
    in open conversations together in one transaction (`inbound_batch`), every other event
    (and all of them if that transaction fails) one by one through webhook_event_process.
    Returns how many were processed and the ids that failed."""
    done, failed = 0, set()
    try:
        together, alone = _process_together(pairs)
        done += together
    except Exception:  # deadlock, a bug: nothing of it was kept, so each goes on its own
        log.warning("a chunk of %d webhook events failed together", len(pairs), exc_info=True)
        alone = pairs
    for workspace_id, event_id in alone:
        try:
            outcome = webhook_event_process(workspace_id=workspace_id, event_id=event_id)
            done += outcome != "skipped"
        except Exception:  # recorded on the event by webhook_event_process; carry on
            log.exception("webhook event %s failed", event_id)
            failed.add(event_id)
    return done, failed


LOCK_MANY_SQL = (
    "WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true)) "
    "SELECT id, workspace_id, channel_account_id, body, attempts FROM {table}, relaxed "
    "WHERE id = ANY(%s) AND status = 'pending' ORDER BY id FOR UPDATE OF {table} SKIP LOCKED"
)
DONE_SQL = (
    "UPDATE {table} SET status = 'processed', attempts = attempts + 1, processed_at = %s, "
    "error = '' WHERE id = ANY(%s)"
)


def _mark_processed(ids: list[int], *, now) -> None:
    """The events (locked by this transaction, so ours) are done."""
    with connection.cursor() as cursor:
        cursor.execute(DONE_SQL.format(table=WebhookEvent._meta.db_table), [now, ids])


def _process_together(pairs: list[tuple[int, int]]) -> tuple[int, list[tuple[int, int]]]:
    """One transaction: lock the chunk's events, parse them, record the plain customer
    messages together and mark those events processed. Returns that count and the events
    left for the one-by-one path (untouched, still pending)."""
    table = WebhookEvent._meta.db_table
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(LOCK_MANY_SQL.format(table=table), [[pk for _, pk in pairs]])
            rows = cursor.fetchall()
        batchable, items, alone = [], [], []
        for pk, workspace_id, account_id, body, _attempts in rows:
            item = _plain_inbound(_account(account_id, workspace_id), body)
            if item is None:
                alone.append((workspace_id, pk))
            else:
                batchable.append((workspace_id, pk))
                items.append(item)
        outcomes = inbound_batch.messages_record_inbound_batch(items)
        processed = []
        for pair, outcome in zip(batchable, outcomes, strict=True):
            if outcome is inbound_batch.ONE_BY_ONE:
                alone.append(pair)
                continue
            processed.append(pair[1])
            if outcome is not None and outcome.attachments:
                media.message_media_download_enqueue(
                    workspace_id=outcome.workspace_id, message_id=outcome.pk,
                    attachments=outcome.attachments,
                )  # fmt: skip
        if processed:
            _mark_processed(processed, now=timezone.now())
    locked = {pk for pk, *_ in rows}
    alone += [pair for pair in pairs if pair[1] not in locked]  # another worker holds them
    alone.sort(key=lambda pair: pairs.index(pair))  # the oldest first, as they came
    return len(processed), alone


def _plain_inbound(account: ChannelAccount, body: str) -> inbound_batch.Inbound | None:
    """The event as a plain customer message of this account, or None for anything else
    (several events, echoes, receipts, comments, another page's entry, a body that does not
    parse: the one-by-one path records failures and the rest)."""
    try:
        parsed = get_adapter(account.kind).parse(account=account, body=body.encode("utf-8"))
    except (PayloadError, RecursionError):
        return None
    if len(parsed) != 1 or type(parsed[0]) is not InboundMessage:
        return None
    item = parsed[0]
    if item.account_external_id != account.external_id or not item.external_id:
        return None
    return inbound_batch.Inbound(
        channel_account=account, contact_external_id=item.contact_id,
        external_id=item.external_id, sent_at=item.timestamp, text=item.text,
        attachments=[a.as_json() for a in item.attachments], contact_name=item.contact_name,
        reply_to_external_id=item.reply_to_external_id, meta=dict(item.meta),
    )  # fmt: skip


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
# again and the sweeper processes it again; the constraints make that a no-op. The setting
# (local to this transaction) rides in the same statement as the lock.
LOCK_SQL = (
    "WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true)) "
    "SELECT id, workspace_id, channel_account_id, body, attempts FROM {table}, relaxed "
    "WHERE id = %s AND workspace_id = %s AND status = 'pending' FOR UPDATE OF {table} SKIP LOCKED"
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
    except (PayloadError, RecursionError) as exc:  # can never parse: fail now, no retry
        reason = str(exc) if isinstance(exc, PayloadError) else "body is nested too deeply"
        WebhookEvent.objects.filter(pk=event.pk, workspace_id=event.workspace_id).update(
            status=WebhookEvent.Status.FAILED, error=reason[:2000], attempts=event.attempts + 1,
            processed_at=now,
        )  # fmt: skip
        return "failed"
    accounts = {account.external_id: account}
    for item in sorted(parsed, key=lambda e: e.sort_key):
        target = _account_for(
            item, accounts=accounts, kind=account.kind, app_id=account.provider_app_id
        )
        if target is not None:
            dispatch(item, channel_account=target)
    _mark_processed([event.pk], now=now)
    return "processed"


def _account_for(item: Event, *, accounts: dict, kind: str, app_id: str) -> ChannelAccount | None:
    """A batched Meta body may carry entries of other pages of the same app: route each entry
    by its page id, whichever workspace owns the page, but only to a page of the app whose
    secret signed the body (the receiving account's app, checked on receipt). Unknown pages
    and pages of another app are skipped."""
    key = item.account_external_id
    if key not in accounts:
        target = ChannelAccount.objects.filter(kind=kind, external_id=key, is_active=True).first()
        if target is not None and target.provider_app_id != app_id:
            log.warning(
                "webhook entry skipped: %s page %s belongs to app %r, the body was signed by %r",
                kind, key, target.provider_app_id, app_id,
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
