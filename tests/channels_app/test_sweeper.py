"""Nothing accepted is lost: events stored while Redis (or every worker) was down are
re-queued by the sweeper and processed once it is back."""

import contextlib
from datetime import timedelta

import pytest
from django.utils import timezone

from channels_app.models import WebhookEvent
from channels_app.services import ingest
from conversations.models import Message
from inbox_project.celery import app
from tests.channels_app.meta import encode, fixture, post, process_pending

pytestmark = pytest.mark.django_db


def _queue_length(name: str) -> int:
    with app.connection_for_write() as conn:
        return conn.default_channel.client.llen(name)


def _reset_pools():
    app._pool = None  # as Celery does after a fork: the next publish builds new pools
    app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_down():
    """A real outage: the broker address points at a port nobody listens on."""
    saved = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    _reset_pools()
    try:
        yield
    finally:
        app.conf.broker_url = saved
        _reset_pools()


def test_webhook_is_acknowledged_while_redis_is_down_then_swept(
    client, page_a, django_capture_on_commit_callbacks
):
    with broker_down():
        with django_capture_on_commit_callbacks(execute=True):
            response = post(client, page_a, encode(fixture("facebook", "message_text")))
        assert ingest.webhook_wakes_wait()  # the drain's publish was tried while it was down
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.status == "pending"

    before = _queue_length("ingest")
    with django_capture_on_commit_callbacks(execute=True):
        assert ingest.webhook_event_sweep(older_than=0) == 1
    assert _queue_length("ingest") == before + 1
    assert process_pending() == ["processed"]
    assert Message.objects.count() == 1


def test_sweeper_skips_fresh_and_recently_queued_events(
    client, page_a, django_capture_on_commit_callbacks
):
    post(client, page_a, encode(fixture("facebook", "message_text")))
    assert ingest.webhook_event_sweep() == 0  # younger than WEBHOOK_SWEEP_AFTER_SECONDS
    old = timezone.now() - timedelta(minutes=5)
    WebhookEvent.objects.update(received_at=old, queued_at=old)
    with django_capture_on_commit_callbacks(execute=True):
        assert ingest.webhook_event_sweep() == 1
    assert ingest.webhook_event_sweep() == 0  # just re-queued: not again right away
    process_pending()
    WebhookEvent.objects.update(received_at=old, queued_at=old)
    assert ingest.webhook_event_sweep() == 0  # processed events are never re-queued


def test_unexpected_errors_retry_then_fail_visibly(client, page_a, settings, monkeypatch):
    """A bug while processing leaves the event pending (retried by the sweeper) and, after
    WEBHOOK_MAX_ATTEMPTS, failed with the reason for an admin."""
    from conversations.services import inbound

    settings.WEBHOOK_MAX_ATTEMPTS = 2
    post(client, page_a, encode(fixture("facebook", "message_text")))
    event = WebhookEvent.objects.get()

    def broken(**kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(inbound, "message_record_inbound", broken)
    for expected in ("pending", "failed"):
        with pytest.raises(RuntimeError):
            ingest.webhook_event_process(workspace_id=event.workspace_id, event_id=event.pk)
        event.refresh_from_db()
        assert event.status == expected
        assert "simulated bug" in event.error
    assert not Message.objects.exists()


def test_tasks_are_routed_to_their_queues():
    route = app.amqp.router.route
    for task, queue in [
        ("channels_app.tasks.webhook_event_process_task", "ingest"),
        ("channels_app.tasks.webhook_event_sweep_task", "ingest"),
        ("channels_app.tasks.message_deliver_task", "outbound"),
        ("channels_app.tasks.message_deliver_action_task", "outbound"),
        ("channels_app.tasks.message_deliver_sweep_task", "outbound"),
    ]:
        assert route({}, task)["queue"].name == queue


def test_sweepers_are_on_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "channels_app.tasks.webhook_event_sweep_task",
        "channels_app.tasks.message_deliver_sweep_task",
    } <= tasks
