"""Phone capture on the ingest path: numbers in customers' messages and comments are stored
E.164 on the customer once, announced with PhoneCaptured, and the customer's message is
kept whatever capture does."""

import datetime

import pytest
from django.utils import timezone

from automation.services import capture
from conversations import domain_events as de
from conversations.models import Customer, Message
from conversations.services import comments, inbound
from conversations.services.phones import customer_phone_add
from inbox_project.errors import ApplicationError

pytestmark = pytest.mark.django_db


def _receive(page, text, *, psid="psid-phone-1", n=1, at=None):
    return inbound.message_record_inbound(
        channel_account=page, contact_external_id=psid, external_id=f"m-phone-{psid}-{n}",
        sent_at=at or timezone.now(), text=text, contact_name="Chị Lan",
    )  # fmt: skip


def test_a_number_in_a_message_is_stored_e164_and_announced_once(page_a, capture_events):
    message = _receive(page_a, "sdt em 0912.345.678 nha shop")
    capture_events.commit()
    customer = Customer.objects.get(pk=message.conversation.customer_id)
    assert customer.phones == ["+84912345678"]
    [event] = capture_events.domain_events(de.PhoneCaptured)
    assert (event.customer_id, event.conversation_id, event.message_id, event.phone) == (
        customer.pk,
        message.conversation_id,
        message.pk,
        "+84912345678",
    )
    assert event.actor_id is None and event.captured_at == message.sent_at
    # the same number again, spelled otherwise: nothing new, nothing announced
    _receive(page_a, "gọi 0912 345 678 giúp em", n=2)
    capture_events.commit()
    customer.refresh_from_db()
    assert customer.phones == ["+84912345678"]
    assert len(capture_events.domain_events(de.PhoneCaptured)) == 1


def test_an_old_eleven_digit_mobile_is_stored_in_its_new_form(page_a, capture_events):
    message = _receive(page_a, "số cũ của em 0168 234 5678")
    capture_events.commit()
    assert Customer.objects.get(pk=message.conversation.customer_id).phones == ["+84382345678"]


def test_a_comment_is_read_too(page_a, capture_events):
    comment = comments.comment_record(
        channel_account=page_a, contact_external_id="psid-cmt", external_id="c-1", verb="add",
        sent_at=timezone.now(), text="ib em 0987654321", post_id="p1",
    )  # fmt: skip
    capture_events.commit()
    assert Customer.objects.get(pk=comment.conversation.customer_id).phones == ["+84987654321"]


def test_the_customer_is_found_by_the_digits_as_typed(page_a, capture_events):
    message = _receive(page_a, "0912345678")
    capture_events.commit()
    ids = Customer.objects.filter(search_document__contains="0912345678").values_list(
        "pk", flat=True
    )
    assert message.conversation.customer_id in list(ids)


def test_a_failing_capture_keeps_the_message_and_the_others(
    page_a, capture_events, monkeypatch, caplog
):
    real = capture.capture_message

    def broken(message):
        if "0912" in message.text:
            raise RuntimeError("boom")
        return real(message)

    monkeypatch.setattr(capture, "capture_message", broken)
    first = _receive(page_a, "0912345678", psid="psid-x")
    second = _receive(page_a, "0987654321", psid="psid-y")
    capture.messages_capture_phones(message_ids=[first.pk, second.pk])
    assert Message.objects.filter(pk__in=[first.pk, second.pk]).count() == 2
    assert Customer.objects.get(pk=second.conversation.customer_id).phones == ["+84987654321"]
    assert "phone capture failed" in caplog.text


def test_queue_mode_queues_the_work_by_name(page_a, capture_events, settings):
    settings.AUTOMATION_RUN = "queue"
    message = _receive(page_a, "0912345678")
    assert [(e.task, e.args) for e in capture_events.enqueued
            if e.task.startswith("automation.")] == [
        ("automation.tasks.messages_process_task", ([message.pk],))]  # fmt: skip
    assert Customer.objects.get(pk=message.conversation.customer_id).phones == []


def test_an_agent_types_a_number(page_a, alice, capture_events):
    customer = Customer.objects.create(workspace=page_a.workspace, name="Lan",
                                       first_seen_at=timezone.now(), last_seen_at=timezone.now())  # fmt: skip
    at = timezone.now() - datetime.timedelta(minutes=1)
    assert customer_phone_add(customer=customer, phone="028 3823 4567", user=alice, now=at)
    assert customer.phones == ["+842838234567"]
    [event] = capture_events.domain_events(de.PhoneCaptured)
    assert (event.actor_id, event.message_id, event.conversation_id, event.captured_at) == (
        alice.pk,
        None,
        None,
        at,
    )
    with pytest.raises(ApplicationError) as refused:
        customer_phone_add(customer=customer, phone="12345", user=alice)
    assert refused.value.code == "phone.invalid"
    assert not customer_phone_add(customer=customer, phone="+842838234567", user=alice)
