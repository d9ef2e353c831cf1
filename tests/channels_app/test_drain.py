"""Stored events are processed by per-shard drain tasks, woken after commit through a Redis
flag: a burst costs one Celery publish per shard, and no wake-up is lost."""

import pytest

from channels_app.models import WebhookEvent
from channels_app.services import ingest
from conversations.models import Message
from inbox_project.celery import app
from tests.channels_app.meta import encode, fixture, post

pytestmark = pytest.mark.django_db


def _queued(name: str = "ingest") -> int:
    with app.connection_for_write() as conn:
        return conn.default_channel.client.llen(name)


def _burst(client, account, n: int):
    for i in range(n):
        data = fixture("facebook", "message_text")
        data["entry"][0]["messaging"][0]["message"]["mid"] = f"m_burst_{i}"
        assert post(client, account, encode(data)).status_code == 200


def test_a_burst_queues_one_drain_per_shard(
    client, page_a, settings, wake_flags, django_capture_on_commit_callbacks
):
    settings.INGEST_SHARDS = 2
    before = _queued()
    with django_capture_on_commit_callbacks(execute=True):
        _burst(client, page_a, 10)
    assert ingest.webhook_wakes_wait()  # the process's waker thread checks the flags
    assert _queued() == before + 2
    assert wake_flags.get("ingest:wake:0") and wake_flags.get("ingest:wake:1")


def test_drain_processes_its_shard_and_clears_the_flag(client, page_a, settings, wake_flags):
    settings.INGEST_SHARDS = 2
    _burst(client, page_a, 10)
    wake_flags.set("ingest:wake:0", "1")
    done = ingest.webhook_events_drain(shard=0)
    assert not wake_flags.get("ingest:wake:0")
    processed = WebhookEvent.objects.filter(status="processed").values_list("pk", flat=True)
    assert done == len(processed) > 0
    assert all(pk % 2 == 0 for pk in processed)
    assert ingest.webhook_events_drain(shard=1) == 10 - done
    assert Message.objects.count() == 10


def test_event_committed_while_a_drain_runs_is_not_lost(client, page_a, settings, wake_flags):
    """The drain clears the flag before each look: an event arriving after a look finds the
    flag clear and wakes a new drain; one arriving before is seen by the next look."""
    settings.INGEST_SHARDS = 1
    _burst(client, page_a, 1)
    wake_flags.set("ingest:wake:0", "1")  # a drain is queued
    assert ingest.webhook_events_drain(shard=0) == 1
    assert not wake_flags.get("ingest:wake:0")  # so the next accepted event will wake one


def test_failing_event_does_not_stall_the_drain(client, page_a, settings, monkeypatch, wake_flags):
    from conversations.services import inbound

    settings.INGEST_SHARDS = 1
    post(client, page_a, b"not json")  # fails cleanly (marked failed)
    _burst(client, page_a, 2)
    original = inbound.message_record_inbound

    def flaky(**kwargs):
        if kwargs["external_id"] == "m_burst_0":
            raise RuntimeError("transient bug")
        return original(**kwargs)

    monkeypatch.setattr(inbound, "message_record_inbound", flaky)
    ingest.webhook_events_drain(shard=0)
    statuses = dict(
        WebhookEvent.objects.values_list("status").annotate().values_list("pk", "status")
    )
    assert sorted(statuses.values()) == ["failed", "pending", "processed"]
    assert Message.objects.get().external_id == "m_burst_1"
