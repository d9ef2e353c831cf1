"""What admins and the app's signals do with webhook events: list the failed ones, replay one,
and forget the cached channel accounts when one changes."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from channels_app.models import WebhookEvent
from channels_app.services.ingest import drain, receive
from inbox_project.on_commit import enqueue_on_commit

PROCESS_TASK = "channels_app.tasks.webhook_event_process_task"


def channel_accounts_forget(**_signal) -> None:
    """A channel account changed (saved, deactivated, deleted): re-read them all."""
    receive.forget_accounts()
    drain.forget_accounts()


def webhook_event_enqueue(workspace_id: int, event_id: int) -> None:
    """Queue one event on its own after the commit; a broker outage only delays it (the
    sweeper queues its shard)."""
    enqueue_on_commit(PROCESS_TASK, workspace_id, event_id)


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
        webhook_event_enqueue(event.workspace_id, event.pk)
    return event


def webhook_events_failed(*, workspace, limit: int = 200):
    return (
        WebhookEvent.objects.filter(workspace=workspace, status=WebhookEvent.Status.FAILED)
        .select_related("channel_account")
        .order_by("-received_at")[:limit]
    )
