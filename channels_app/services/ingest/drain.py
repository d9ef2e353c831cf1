"""Draining: the pending events of a shard, oldest first, in chunks; each event processed
exactly once.

Processing locks the row (SKIP LOCKED), records every event through conversations.services
(`dispatch.py`) and marks the row processed in the same transaction, so a crash anywhere
leaves the row pending and the sweeper re-queues it; the message constraints make a second
pass a no-op. A chunk's plain customer messages in open conversations are recorded together
(`conversations.services.inbound_batch`), every other event one by one.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models.functions import Mod
from django.utils import timezone

from channels_app.models import ChannelAccount, WebhookEvent
from channels_app.providers import get_adapter
from channels_app.providers.base import InboundMessage, PayloadError
from channels_app.services import media
from channels_app.services.ingest import wake
from channels_app.services.ingest.dispatch import account_for, dispatch
from conversations import events
from conversations.services import inbound_batch

log = logging.getLogger(__name__)


def webhook_events_drain(*, shard: int, batch: int = 100, budget_seconds: float = 20.0) -> int:
    """Process the pending events of one shard, oldest first, until none is left (or the time
    budget is spent: then another drain is queued, so a task never runs for long).

    Events go in chunks of CHUNK through `webhook_events_process_chunk` (customer messages in
    open conversations recorded together, the rest one by one), and the live pushes of a
    chunk leave together (`events.coalescing`): a burst renders each conversation's row once
    per chunk, and a lone event is pushed as soon as it is done."""
    shards = settings.INGEST_SHARDS
    key = wake.WAKE_KEY.format(shard=shard)
    deadline = timezone.now() + timedelta(seconds=budget_seconds)
    done, failed = 0, set()
    with events.coalescing():
        while True:
            try:
                wake.flags().delete(key)
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
                wake.webhook_events_wake(shard=shard)
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
    adapter = get_adapter(account.kind)
    if adapter.event_account_id(item) != account.external_id or not item.external_id:
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
        target = account_for(
            item, accounts=accounts, kind=account.kind, app_id=account.provider_app_id
        )
        if target is not None:
            dispatch(item, channel_account=target)
    _mark_processed([event.pk], now=now)
    return "processed"


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


def forget_accounts() -> None:
    _ACCOUNTS.clear()
