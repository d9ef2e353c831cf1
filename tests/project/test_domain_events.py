"""The domain-event bus: in-transaction subscribers commit or roll back with the fact,
after-commit ones run only after a commit and a failing one costs the others nothing."""

from dataclasses import dataclass

import pytest
from django.db import transaction

from conversations import domain_events as de
from inbox_project import domain_events as bus

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass(frozen=True)
class Happened:
    n: int


@pytest.fixture
def calls(monkeypatch):
    """A private subscriber table for this test, so the apps' subscribers stay out of it."""
    monkeypatch.setattr(bus, "_subscribers", bus.defaultdict(list))
    return []


def test_in_transaction_subscribers_run_at_publish_and_roll_back_with_it(calls):
    from accounts.models import Workspace

    def write(event):
        Workspace.objects.create(name=f"w{event.n}", slug=f"w-{event.n}")
        calls.append(("in", event.n))

    bus.subscribe(Happened, write, phase=bus.IN_TRANSACTION)
    with pytest.raises(RuntimeError), transaction.atomic():
        bus.publish(Happened(1))
        assert calls == [("in", 1)]
        raise RuntimeError("the fact is refused")
    assert not Workspace.objects.filter(slug="w-1").exists()


def test_after_commit_subscribers_wait_for_the_commit_and_never_run_on_rollback(calls):
    bus.subscribe(Happened, lambda e: calls.append(("after", e.n)), phase=bus.AFTER_COMMIT)
    with transaction.atomic():
        bus.publish(Happened(1))
        assert calls == []
    assert calls == [("after", 1)]
    with pytest.raises(RuntimeError), transaction.atomic():
        bus.publish(Happened(2))
        raise RuntimeError
    assert calls == [("after", 1)]


def test_a_failing_after_commit_subscriber_does_not_stop_the_next(calls, caplog):
    def broken(event):
        raise ValueError("boom")

    bus.subscribe(Happened, broken, phase=bus.AFTER_COMMIT)
    bus.subscribe(Happened, lambda e: calls.append(e.n), phase=bus.AFTER_COMMIT)
    with transaction.atomic():
        bus.publish(Happened(3))
    assert calls == [3]
    assert "subscriber" in caplog.text and "failed on Happened" in caplog.text


def test_subscribing_twice_registers_once_and_phases_are_checked(calls):
    def handler(event):
        calls.append(event.n)

    bus.subscribe(Happened, handler, phase=bus.IN_TRANSACTION)
    bus.subscribe(Happened, handler, phase=bus.IN_TRANSACTION)
    bus.publish(Happened(4))
    assert calls == [4]
    with pytest.raises(ValueError):
        bus.subscribe(Happened, handler, phase="later")


def test_capturing_records_what_was_published_in_order(calls):
    with bus.capturing() as outer, bus.capturing() as inner:
        bus.publish(Happened(5))
    bus.publish(Happened(6))
    assert outer == inner == [Happened(5)]


def test_the_apps_subscribe_in_their_ready():
    """What reacts to what (docs/architecture.md lists the same table)."""
    names = {
        event.__name__: sorted(f"{h.__module__}.{h.__name__}:{phase}"
                               for phase, h in bus.subscribers(event))
        for event in de.ALL_EVENTS
    }  # fmt: skip
    assert names["MessagesReceived"] == [
        "automation.subscribers.on_messages_received:after_commit",
        "reports.subscribers.on_messages_received:after_commit",
        "routing.subscribers.on_messages_received:in_transaction",
    ]
    assert names["CommentReceived"] == [
        "automation.subscribers.on_comment_received:after_commit",
        "reports.subscribers.on_conversation_event:after_commit",
    ]
    assert names["MessageQueued"] == [
        "audit.subscribers.on_message_queued:in_transaction",
        "automation.subscribers.on_message_queued:after_commit",
        "channels_app.subscribers.audit_tagged_reply:in_transaction",
        "channels_app.subscribers.on_message_queued:after_commit",
        "reports.subscribers.on_conversation_event:after_commit",
        "routing.subscribers.on_reply:in_transaction",
    ]
    assert names["ContactCreated"] == ["channels_app.subscribers.on_contact_created:after_commit"]
    assert names["ConversationClosed"] == [
        "automation.subscribers.on_closed:after_commit",
        "reports.subscribers.on_conversation_event:after_commit",
        "routing.subscribers.on_closed:in_transaction",
    ]
    assert names["LabelAdded"] == [
        "automation.subscribers.on_label_added:after_commit",
        "reports.subscribers.on_conversation_event:after_commit",
    ]
    assert names["PhoneCaptured"] == ["reports.subscribers.on_phone_captured:after_commit"]
    for event in ("OwnerChanged", "OrderRecorded", "ConversationReopened"):
        assert "reports.subscribers.on_conversation_event:after_commit" in names[event], event
