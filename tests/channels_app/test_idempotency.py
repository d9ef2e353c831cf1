"""A redelivered webhook (3 times, one after another or all at once) makes exactly one message
and one live push. Concurrency runs on real PostgreSQL connections, one per thread."""

import threading

import pytest
from django.db import connection
from django.test import Client

from channels_app.models import WebhookEvent
from channels_app.services import ingest
from conversations.models import Contact, Conversation, Customer, Message
from tests.channels_app.meta import encode, fixture, post, process_pending


def _variants(name: str, n: int) -> list[bytes]:
    """The same event in n different bodies (Meta may batch a redelivery differently)."""
    bodies = []
    for i in range(n):
        data = fixture("facebook", name)
        data["entry"][0]["time"] += i
        bodies.append(encode(data))
    return bodies


def run_together(targets):
    barrier = threading.Barrier(len(targets))
    results, errors = [None] * len(targets), []

    def runner(i, target):
        try:
            barrier.wait(5)
            results[i] = target()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    return results


@pytest.mark.django_db
def test_sequential_redelivery_makes_one_message_and_one_push(
    client, page_a, pushes, django_capture_on_commit_callbacks
):
    body = encode(fixture("facebook", "message_text"))
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert post(client, page_a, body).status_code == 200
            process_pending()
        for other in _variants("message_text", 3):
            assert post(client, page_a, other).status_code == 200
            process_pending()
    assert Message.objects.count() == 1
    assert WebhookEvent.objects.filter(status="processed").count() == 3  # 1 + 2 other bodies
    assert len(pushes.events("message.created")) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_redelivery_of_one_body(page_a, pushes):
    body = encode(fixture("facebook", "message_text"))
    statuses = run_together([lambda: post(Client(), page_a, body).status_code] * 3)
    assert statuses == [200, 200, 200]
    event = WebhookEvent.objects.get()
    outcomes = run_together(
        [lambda: ingest.webhook_event_process(workspace_id=event.workspace_id, event_id=event.pk)]
        * 3
    )
    assert sorted(outcomes) == ["processed", "skipped", "skipped"]
    assert Message.objects.count() == 1
    assert len(pushes.events("message.created")) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_redelivery_in_different_bodies(page_a, pushes):
    bodies = _variants("message_text", 3)
    assert (
        run_together([lambda b=b: post(Client(), page_a, b).status_code for b in bodies])
        == [200] * 3
    )
    events = list(WebhookEvent.objects.values_list("workspace_id", "pk"))
    assert len(events) == 3
    outcomes = run_together(
        [
            lambda ws=ws, pk=pk: ingest.webhook_event_process(workspace_id=ws, event_id=pk)
            for ws, pk in events
        ]
    )
    assert outcomes == ["processed"] * 3
    assert Message.objects.count() == 1
    assert Conversation.objects.count() == 1
    assert len(pushes.events("message.created")) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_messages_of_a_new_customer_share_one_conversation(page_a):
    bodies = []
    for i in range(4):
        data = fixture("facebook", "message_text")
        data["entry"][0]["messaging"][0]["message"]["mid"] = f"m_parallel_{i}"
        bodies.append(encode(data))
    for body in bodies:
        post(Client(), page_a, body)
    events = list(WebhookEvent.objects.values_list("workspace_id", "pk"))
    run_together(
        [
            lambda ws=ws, pk=pk: ingest.webhook_event_process(workspace_id=ws, event_id=pk)
            for ws, pk in events
        ]
    )
    assert Message.objects.count() == 4
    assert (Customer.objects.count(), Contact.objects.count(), Conversation.objects.count()) == (
        1,
        1,
        1,
    )
    assert Conversation.objects.get().unread_count == 4
