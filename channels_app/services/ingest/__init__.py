"""Webhook ingestion, by responsibility: `receive` (verify and store a delivery), `wake` (the
per-shard flag that queues drains, and the sweeper), `drain` (take pending events in chunks
and process each once), `dispatch` (one event -> conversations.services) and `admin` (failed
events, replay, the account caches). The names views, tasks and tests use are here."""

from channels_app.services.ingest.admin import (
    channel_accounts_forget,
    webhook_event_enqueue,
    webhook_event_replay,
    webhook_events_failed,
)
from channels_app.services.ingest.backfill import webhook_lost_events_backfill
from channels_app.services.ingest.dispatch import account_for, dispatch
from channels_app.services.ingest.drain import (
    webhook_event_process,
    webhook_events_drain,
    webhook_events_process_chunk,
)
from channels_app.services.ingest.receive import (
    WebhookReply,
    channel_account_for_webhook,
    webhook_event_accept,
    webhook_receive,
)
from channels_app.services.ingest.wake import (
    WAKE_KEY,
    webhook_event_sweep,
    webhook_events_drain_enqueue,
    webhook_events_wake,
    webhook_wakes_wait,
)
from channels_app.services.ingest.wake import flags as wake_flags

__all__ = [
    "WAKE_KEY",
    "WebhookReply",
    "account_for",
    "channel_account_for_webhook",
    "channel_accounts_forget",
    "dispatch",
    "wake_flags",
    "webhook_event_accept",
    "webhook_event_enqueue",
    "webhook_event_process",
    "webhook_event_replay",
    "webhook_event_sweep",
    "webhook_events_drain",
    "webhook_events_drain_enqueue",
    "webhook_events_failed",
    "webhook_events_process_chunk",
    "webhook_events_wake",
    "webhook_lost_events_backfill",
    "webhook_receive",
    "webhook_wakes_wait",
]
