"""Pushes Shopee could not deliver come back through get_lost_push_message: stored like a
push that arrived (one it did deliver after all is not stored twice), confirmed only once
stored, then processed once."""

import json

import pytest

from channels_app.models import WebhookEvent
from channels_app.services import ingest
from conversations.models import Message
from tests.channels_app.meta import process_pending
from tests.channels_app.shopee import api, deliver_push, fail_next, fixture, make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(workspace_a, shopee_api):
    return make_shop(workspace_a)


def lost(shopee_api, push: dict) -> None:
    api(shopee_api, "/api/v2/_lost", {"push": push})


def pending_lost(shopee_api) -> list[dict]:
    """What get_lost_push_message would still answer (read through the adapter's client)."""
    from channels_app.providers import get_adapter

    return list(get_adapter("shopee").lost_events().bodies)


def test_the_fixture_is_what_the_adapter_reads(shop, shopee_api):
    answer = fixture("lost_push_message")["response"]
    assert json.loads(answer["push_message_list"][0]["data"]) == fixture("webchat_text")


def test_lost_pushes_are_stored_confirmed_and_processed_once(client, shop, shopee_api):
    arrived = fixture("webchat_text")  # delivered after all, and also listed as lost
    assert deliver_push(client, arrived) == ["processed"]
    lost(shopee_api, arrived)
    lost(shopee_api, fixture("webchat_order"))
    lost(shopee_api, {**fixture("webchat_item"), "shop_id": 999999})  # not one of ours

    assert ingest.webhook_lost_events_backfill() == 1  # only the order was missing
    assert pending_lost(shopee_api) == []  # confirmed up to the last one
    assert WebhookEvent.objects.filter(status="pending").count() == 1
    assert process_pending() == ["processed"]
    assert sorted(m.meta["message_type"] for m in Message.objects.all()) == ["order", "text"]
    assert ingest.webhook_lost_events_backfill() == 0


def test_nothing_is_confirmed_when_reading_fails(shop, shopee_api):
    lost(shopee_api, fixture("webchat_order"))
    fail_next(shopee_api, "server_error")
    assert ingest.webhook_lost_events_backfill() == 0  # logged; the next run tries again
    assert len(pending_lost(shopee_api)) == 1
    assert ingest.webhook_lost_events_backfill() == 1
    assert pending_lost(shopee_api) == []


def test_the_beat_task_is_scheduled(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["webhook-lost-events-backfill"]
    assert entry["task"] == "channels_app.tasks.webhook_lost_events_backfill_task"
