"""The drain's fast path: customer messages landing in open conversations are recorded
together (conversations/services/inbound_batch.py), everything else one by one, with the same
results as processing each event alone."""

from datetime import UTC, datetime, timedelta

import pytest

from channels_app.models import WebhookEvent
from channels_app.services import ingest
from conversations import events
from conversations.models import Conversation, Message
from conversations.services import inbound_batch
from tests.channels_app.meta import deliver, encode, fixture, post

pytestmark = pytest.mark.django_db
T = datetime.fromtimestamp(1795300000, tz=UTC)


def text_from(psid: str, mid: str, text: str, at: datetime) -> dict:
    data = fixture("facebook", "message_text")
    event = data["entry"][0]["messaging"][0]
    event["sender"]["id"] = psid
    event["timestamp"] = int(at.timestamp() * 1000)
    event["message"] = {"mid": mid, "text": text}
    return data


def store(client, page, data: dict) -> None:
    assert post(client, page, encode(data)).status_code == 200


def pending() -> list[tuple[int, int]]:
    return list(
        WebhookEvent.objects.filter(status="pending")
        .order_by("received_at", "id")
        .values_list("workspace_id", "pk")
    )


@pytest.fixture
def known(client, page_a):
    """Three customers with an open conversation each (their first message went one by one)."""
    for n in range(3):
        deliver(client, page_a, text_from(f"psid-{n}", f"m-first-{n}", "Chào shop", T))
    return {c.contact.external_id: c for c in Conversation.objects.select_related("contact")}


@pytest.fixture
def pushed(monkeypatch):
    sent = []
    monkeypatch.setattr(events, "_send_many", lambda messages: sent.extend(messages))
    return sent


def test_messages_into_open_conversations_are_recorded_together(
    client, page_a, known, pushed, django_capture_on_commit_callbacks
):
    # Arrival order is not timestamp order: the newest message's text must win the preview.
    for n, offset in [(0, 3), (0, 1), (1, 2), (2, 5), (0, 2)]:
        store(client, page_a, text_from(f"psid-{n}", f"m-{n}-{offset}", f"tin {offset}",
                                        T + timedelta(minutes=offset)))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True), events.coalescing():
        done, failed = ingest.webhook_events_process_chunk(pending())
    assert (done, failed) == (5, set())
    assert not WebhookEvent.objects.filter(status="pending").exists()
    first = Conversation.objects.get(pk=known["psid-0"].pk)
    assert first.unread_count == 1 + 3
    assert first.last_message_preview == "tin 3"
    assert first.last_inbound_at == first.last_message_at == T + timedelta(minutes=3)
    assert Message.objects.filter(conversation=first).count() == 4
    created = [p for _g, p in pushed if p.get("event") == "message.created"]
    assert len(created) == 5 and all("row" in p and "html" in p for p in created)


def test_a_chunk_costs_the_same_statements_whatever_its_size(
    client, page_a, known, django_assert_num_queries
):
    def chunk_of(size: int, tag: str):
        for i in range(size):
            n = i % 3
            store(client, page_a, text_from(f"psid-{n}", f"m-{tag}-{i}", "còn hàng không",
                                            T + timedelta(seconds=i)))  # fmt: skip
        return pending()

    # lock, lookup, lock conversations, insert, touch, routing settings, mark processed and
    # the savepoint pair of the transaction (the test runs inside one).
    small = chunk_of(3, "small")
    with django_assert_num_queries(9):
        assert ingest.webhook_events_process_chunk(small) == (3, set())
    large = chunk_of(20, "large")
    with django_assert_num_queries(9):
        assert ingest.webhook_events_process_chunk(large) == (20, set())


def test_everything_else_goes_one_by_one_in_order(client, page_a, known):
    closed = known["psid-2"]
    Conversation.objects.filter(pk=closed.pk).update(status="closed", closed_at=T)
    store(client, page_a, text_from("psid-new", "m-new-1", "Lần đầu nhắn", T))  # new contact
    store(client, page_a, text_from("psid-new", "m-new-2", "Shop ơi", T + timedelta(seconds=5)))
    store(client, page_a, fixture("facebook", "echo_page_inbox"))  # typed in Meta's inbox
    store(client, page_a, text_from("psid-2", "m-reopen", "Cho hỏi thêm", T))  # closed: reopens
    store(client, page_a, text_from("psid-0", "m-same", "một", T))
    again = text_from("psid-0", "m-same", "một", T)  # the same message in another body
    again["entry"][0]["time"] += 1
    store(client, page_a, again)
    done, failed = ingest.webhook_events_process_chunk(pending())
    assert failed == set() and done == 6
    assert Message.objects.filter(external_id="m-same").count() == 1
    new = Conversation.objects.get(contact__external_id="psid-new")
    assert list(new.messages.order_by("sent_at").values_list("text", flat=True)) == [
        "Lần đầu nhắn", "Shop ơi",
    ]  # fmt: skip
    reopened = Conversation.objects.get(pk=closed.pk)
    assert reopened.status == "open"
    assert reopened.messages.filter(kind="system", meta__event="reopened").exists()
    assert Message.objects.filter(external_id="m_echo_inbox_1", direction="out").exists()


def test_a_chunk_that_fails_together_is_processed_one_by_one(client, page_a, known, monkeypatch):
    def broken(items):
        raise RuntimeError("a bug in the fast path")

    monkeypatch.setattr(inbound_batch, "messages_record_inbound_batch", broken)
    for i in range(4):
        store(client, page_a, text_from("psid-1", f"m-fallback-{i}", "alo", T))
    assert ingest.webhook_events_process_chunk(pending()) == (4, set())
    assert Message.objects.filter(external_id__startswith="m-fallback-").count() == 4
    assert Conversation.objects.get(pk=known["psid-1"].pk).unread_count == 5


def test_redelivery_after_the_chunk_records_nothing_new(client, page_a, known):
    store(client, page_a, text_from("psid-0", "m-once", "một lần", T))
    ingest.webhook_events_process_chunk(pending())
    later = text_from("psid-0", "m-once", "một lần", T)
    later["entry"][0]["time"] += 7  # another delivery body, the same message
    store(client, page_a, later)
    assert ingest.webhook_events_process_chunk(pending()) == (1, set())
    assert Message.objects.filter(external_id="m-once").count() == 1
    assert Conversation.objects.get(pk=known["psid-0"].pk).unread_count == 2
