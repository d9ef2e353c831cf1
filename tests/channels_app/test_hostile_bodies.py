"""Signed bodies that can never be processed fail on their first attempt, with their reason,
and stay replayable; implausible provider times are refused, never dated 1969."""

import copy

import pytest
from django.conf import settings
from django.urls import reverse

from channels_app.models import WebhookEvent
from channels_app.services import ingest
from conversations.models import Message
from tests.channels_app.meta import encode, fixture, post, process_pending

pytestmark = pytest.mark.django_db


def nested(depth: int) -> bytes:
    inner = b"[" * depth + b"]" * depth
    return b'{"object": "page", "entry": [{"id": "1001", "messaging": ' + inner + b"}]}"


@pytest.mark.parametrize("depth", [5_000, 100])
def test_deeply_nested_body_fails_at_once_without_retry(client, page_a, depth):
    assert post(client, page_a, nested(depth)).status_code == 200
    assert process_pending() == ["failed"]  # no exception, so no retry
    event = WebhookEvent.objects.get()
    assert event.status == "failed"
    assert event.attempts == 1
    assert "nested" in event.error
    assert "Traceback" not in event.error and "RecursionError" not in event.error
    assert event.body.encode() == nested(depth)
    assert process_pending() == []  # nothing left pending for the sweeper to retry


def test_deeply_nested_body_fails_the_same_way_through_the_drain(client, page_a, wake_flags):
    post(client, page_a, nested(5_000))
    event = WebhookEvent.objects.get()
    shard = event.pk % settings.INGEST_SHARDS
    ingest.webhook_events_drain(shard=shard)
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("failed", 1)
    assert "nested" in event.error


def test_nested_body_stays_replayable(client_for, client, page_a, alice):
    post(client, page_a, nested(5_000))
    process_pending()
    event = WebhookEvent.objects.get()
    page = client_for(alice).get(reverse("webhook_failures", kwargs={"ws": "shop-a"}))
    assert "nested" in page.content.decode()
    replay = reverse("webhook_replay", kwargs={"ws": "shop-a", "pk": event.pk})
    assert client_for(alice).post(replay).status_code == 302
    event.refresh_from_db()
    assert event.status == "pending"
    assert process_pending() == ["failed"]
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("failed", 1)


def with_timestamp(value) -> dict:
    data = copy.deepcopy(fixture("facebook", "message_text"))
    data["entry"][0]["messaging"][0]["timestamp"] = value
    return data


@pytest.mark.parametrize(
    "value",
    [-1_000, 0, 1_000, 946_684_800_000, 4_102_444_800_000],  # 1969, 1970, 1970, 2000, 2100
)
def test_implausible_message_time_is_refused_with_its_reason(client, page_a, value):
    assert post(client, page_a, encode(with_timestamp(value))).status_code == 200
    assert process_pending() == ["failed"]
    event = WebhookEvent.objects.get()
    assert event.status == "failed" and event.attempts == 1
    assert "implausible timestamp" in event.error
    assert str(value) in event.error
    assert not Message.objects.exists()


def test_implausible_comment_time_is_refused(client, page_a):
    data = copy.deepcopy(fixture("facebook", "comment_add"))
    data["entry"][0]["changes"][0]["value"]["created_time"] = -5
    data["entry"][0]["time"] = -5
    post(client, page_a, encode(data))
    assert process_pending() == ["failed"]
    assert "implausible timestamp" in WebhookEvent.objects.get().error
    assert not Message.objects.exists()


def test_plausible_time_is_kept_as_sent(client, page_a):
    post(client, page_a, encode(with_timestamp(1_795_300_000_000)))
    assert process_pending() == ["processed"]
    assert Message.objects.get().sent_at.timestamp() == 1_795_300_000
