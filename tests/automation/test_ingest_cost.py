"""What automation costs a drained batch of customer messages, pinned: with 200 keyword
rules that do not match, the batch's rules cost no query at all (the rules are compiled per
process, the business hours are read only when a rule's condition or an action needs them)
and each message only dictionary lookups; a phone number new to its customer costs its
row lock and update."""

import time

import pytest
from django.core.cache import cache
from django.utils import timezone

from automation.models import (
    FLAGS_MEMO_SECONDS,
    Rule,
    followups_key,
    rules_changed,
    timers_key,
)
from automation.services import rules as rules_service
from automation.services.inbound import messages_process
from conversations.models import Customer
from conversations.services import inbound

pytestmark = pytest.mark.django_db

TEXTS = ("Shop ơi còn hàng không ạ?", "Áo này size M còn không shop",
         "Giá bao nhiêu vậy ạ, 250k được không", "Ship về Đà Nẵng mấy ngày ạ?")  # fmt: skip


@pytest.fixture
def rules_200(page_a, settings):
    settings.AUTOMATION_RUN = "off"  # the test calls messages_process itself
    workspace = page_a.workspace
    Rule.objects.bulk_create(
        Rule(workspace=workspace, name=f"r{i}", position=i, reply_text="ok",
             keywords=[f"mẫu {i} còn không", f"mã sp{i}"])
        for i in range(200)
    )  # fmt: skip
    cache.delete_many([followups_key(workspace.pk), timers_key(workspace.pk)])
    rules_changed(workspace.pk)
    return workspace


def record(page, texts, prefix):
    return [
        inbound.message_record_inbound(
            channel_account=page, contact_external_id=f"{prefix}{i}", external_id=f"{prefix}-{i}",
            sent_at=timezone.now(), text=text, contact_name="Lan",
        ).pk
        for i, text in enumerate(texts)
    ]  # fmt: skip


def test_a_batch_without_phones_costs_one_query(page_a, rules_200,
                                                django_assert_max_num_queries):  # fmt: skip
    warm = record(page_a, TEXTS, "w")
    messages_process(message_ids=warm)  # this process compiles the rules once
    time.sleep(FLAGS_MEMO_SECONDS)  # and reads the flags again: still no query
    ids = record(page_a, [TEXTS[i % 4] for i in range(40)], "q")
    with django_assert_max_num_queries(1):  # the batch's messages
        messages_process(message_ids=ids)


def test_each_new_phone_costs_its_customers_lock_and_update(page_a, rules_200,
                                                            django_assert_max_num_queries):  # fmt: skip
    messages_process(message_ids=record(page_a, TEXTS, "w"))
    texts = [TEXTS[i % 4] for i in range(36)] + [f"sdt em 0912 345 6{i:02d}" for i in range(4)]
    ids = record(page_a, texts, "p")
    # the messages, their conversations and customers, then per number: savepoint, lock,
    # update, release
    with django_assert_max_num_queries(2 + 4 * 4):
        messages_process(message_ids=ids)
    assert Customer.objects.exclude(phones=[]).count() == 4


def test_two_hundred_rules_cost_little_per_message(page_a, rules_200):
    """The index finds no candidate rule in these texts: evaluation stays far under 1 ms."""
    specs = rules_service.active_specs(workspace_id=rules_200.pk,
                                       triggers=rules_service.MESSAGE_TRIGGERS)  # fmt: skip
    assert len(specs) == 200
    ids = record(page_a, [TEXTS[i % 4] for i in range(20)], "t")
    from automation.services.inbound import _messages

    messages = _messages(ids)
    start = time.perf_counter()
    for _ in range(25):
        for message in messages:
            rules_service.message_rules_run(message=message, specs=specs, inside_hours=True)
    per_message_ms = (time.perf_counter() - start) * 1000 / (25 * len(messages))
    print(f"rules per message: {per_message_ms:.4f} ms")
    assert per_message_ms < 0.2, per_message_ms


def test_after_the_commit_the_event_spares_even_that_query(page_a, rules_200, capture_events,
                                                           django_assert_max_num_queries):  # fmt: skip
    """In the process that recorded them (`AUTOMATION_RUN=commit`), `MessagesReceived`
    carries the texts: a batch without phones costs automation no query."""
    from automation.services.inbound import messages_of_event
    from conversations import domain_events as de

    messages_process(message_ids=record(page_a, TEXTS, "w"))
    record(page_a, [TEXTS[i % 4] for i in range(10)], "e")
    received = [m for e in capture_events.domain_events(de.MessagesReceived) for m in e.messages]
    received = [m for m in received if m.text in TEXTS][-10:]
    assert len(received) == 10 and all(m.text for m in received)
    with django_assert_max_num_queries(0):
        messages_process(messages=messages_of_event(workspace_id=rules_200.pk, received=received))
