"""Celery tasks of the provider edge: fetch by id, call one service (routes: inbox_project/celery.py).

webhook_* run on the `ingest` queue, message_deliver* on `outbound`.
"""

from celery import shared_task

from channels_app.services import delivery, ingest


@shared_task(ignore_result=True)
def webhook_event_process_task(workspace_id: int, event_id: int) -> str:
    return ingest.webhook_event_process(workspace_id=workspace_id, event_id=event_id)


@shared_task(ignore_result=True)
def webhook_events_drain_task(shard: int) -> int:
    return ingest.webhook_events_drain(shard=shard)


@shared_task(ignore_result=True)
def webhook_event_sweep_task() -> int:
    return ingest.webhook_event_sweep()


@shared_task(ignore_result=True)
def message_deliver_task(workspace_id: int, message_id: int) -> str:
    return delivery.message_deliver(workspace_id=workspace_id, message_id=message_id)


@shared_task(ignore_result=True)
def message_deliver_action_task(workspace_id: int, message_id: int, action: str) -> str:
    return delivery.message_deliver_action(
        workspace_id=workspace_id, message_id=message_id, action=action
    )


@shared_task(ignore_result=True)
def message_deliver_sweep_task() -> int:
    return delivery.message_deliver_sweep()
