"""Celery tasks of the provider edge: fetch by id, call one service (routes: inbox_project/celery.py).

webhook_* run on the `ingest` queue, message_deliver* on `outbound`; the profile, media and
subscription tasks are unrouted (the default `celery` queue), off both hot paths.
"""

from celery import shared_task

from channels_app.services import credentials, delivery, ingest, media, profiles, subscriptions


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
def webhook_lost_events_backfill_task() -> int:
    return ingest.webhook_lost_events_backfill()


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


@shared_task(ignore_result=True)
def contact_profile_fetch_task(workspace_id: int, contact_id: int) -> str:
    return profiles.contact_profile_fetch(workspace_id=workspace_id, contact_id=contact_id)


@shared_task(ignore_result=True)
def contact_profiles_backfill_task() -> int:
    return profiles.contact_profiles_backfill()


@shared_task(ignore_result=True)
def message_media_download_task(workspace_id: int, message_id: int) -> str:
    return media.message_media_download(workspace_id=workspace_id, message_id=message_id)


@shared_task(ignore_result=True)
def channel_subscriptions_check_task() -> int:
    return subscriptions.channel_subscriptions_check_due()


@shared_task(ignore_result=True)
def channel_subscription_check_task(workspace_id: int, account_id: int) -> str:
    return subscriptions.channel_account_subscription_check(
        workspace_id=workspace_id, account_id=account_id
    )


@shared_task(ignore_result=True)
def channel_credentials_refresh_due_task() -> int:
    return credentials.channel_credentials_refresh_due()


@shared_task(ignore_result=True)
def channel_credentials_refresh_task(workspace_id: int, account_id: int) -> str:
    return credentials.channel_credentials_refresh_account(
        workspace_id=workspace_id, account_id=account_id
    )
