"""Echoes (replies typed in Meta's inbox vs our own sends) and delivery / read receipts."""

from datetime import UTC, datetime, timedelta

import pytest

from conversations.models import Conversation, Message
from tests.channels_app.meta import APP_ID, deliver, fixture

pytestmark = pytest.mark.django_db
T = datetime.fromtimestamp(1795300000, tz=UTC)


def _our_pending_send(conversation, *, text="Dạ shop chào chị", at=None, status="pending"):
    return Message.objects.create(
        workspace=conversation.workspace,
        conversation=conversation,
        channel_account=conversation.channel_account,
        direction="out",
        text=text,
        delivery_status=status,
        sent_at=at or T + timedelta(seconds=30),
    )


def test_reply_typed_in_page_inbox_appears_as_outbound(client, page_a):
    deliver(client, page_a, fixture("facebook", "message_text"))
    deliver(client, page_a, fixture("facebook", "echo_page_inbox"))
    echo = Message.objects.get(external_id="m_echo_inbox_1")
    assert (echo.direction, echo.author_label, echo.delivery_status) == (
        "out",
        "Page inbox",
        "sent",
    )
    assert echo.conversation == Message.objects.get(external_id="m_text_1").conversation
    conversation = echo.conversation
    assert conversation.last_message_direction == "out"
    assert conversation.last_outbound_at == T + timedelta(seconds=60)
    assert conversation.last_inbound_at == T  # an echo never opens the reply window


def test_echo_of_our_own_send_is_not_duplicated(client, page_a):
    deliver(client, page_a, fixture("facebook", "message_text"))
    ours = _our_pending_send(Conversation.objects.get())
    data = fixture("facebook", "echo_own_send")
    data["entry"][0]["messaging"][0]["message"]["metadata"] = f"inbox:{ours.pk}"
    deliver(client, page_a, data)
    assert Message.objects.filter(direction="out").count() == 1
    ours.refresh_from_db()
    # The echo may beat the Send API's answer: it fills in the provider id and the status.
    assert (ours.external_id, ours.delivery_status) == ("m_echo_own_1", "sent")


def test_echo_with_our_metadata_but_another_app_id_is_external(client, page_a):
    deliver(client, page_a, fixture("facebook", "message_text"))
    ours = _our_pending_send(Conversation.objects.get())
    data = fixture("facebook", "echo_own_send")
    message = data["entry"][0]["messaging"][0]["message"]
    message["metadata"], message["app_id"] = f"inbox:{ours.pk}", 263902037430900
    deliver(client, page_a, data)
    assert Message.objects.filter(direction="out").count() == 2


def test_echo_of_a_send_already_recorded_by_mid_is_skipped(client, page_a):
    deliver(client, page_a, fixture("facebook", "message_text"))
    ours = _our_pending_send(Conversation.objects.get(), status="sent")
    Message.objects.filter(pk=ours.pk).update(external_id="m_echo_own_1")
    data = fixture("facebook", "echo_own_send")
    data["entry"][0]["messaging"][0]["message"].pop("metadata")
    deliver(client, page_a, data)
    assert Message.objects.filter(direction="out").count() == 1


def test_echo_for_another_workspace_message_id_is_not_matched(client, page_a, conversation_b):
    """Metadata names a Message.pk: only one of this page's messages can match it."""
    deliver(client, page_a, fixture("facebook", "message_text"))
    foreign = _our_pending_send(conversation_b)
    data = fixture("facebook", "echo_own_send")
    data["entry"][0]["messaging"][0]["message"]["metadata"] = f"inbox:{foreign.pk}"
    deliver(client, page_a, data)
    foreign.refresh_from_db()
    assert foreign.external_id is None and foreign.delivery_status == "pending"
    assert Message.objects.filter(channel_account=page_a, direction="out").count() == 1


def test_delivery_then_read_receipts_move_status_forward(client, page_a):
    deliver(client, page_a, fixture("facebook", "message_text"))
    conversation = Conversation.objects.get()
    early = _our_pending_send(conversation, status="sent", at=T + timedelta(seconds=100))
    late = _our_pending_send(conversation, status="sent", at=T + timedelta(seconds=150))
    after = _our_pending_send(conversation, status="sent", at=T + timedelta(seconds=500))
    deliver(client, page_a, fixture("facebook", "delivery"))  # watermark T+120 s

    def statuses():
        return [
            m.delivery_status
            for m in Message.objects.filter(pk__in=[early.pk, late.pk, after.pk]).order_by(
                "sent_at"
            )
        ]

    assert statuses() == ["delivered", "sent", "sent"]
    deliver(client, page_a, fixture("facebook", "read"))  # watermark T+180 s
    assert statuses() == ["read", "read", "sent"]
    # A late delivery receipt never moves "read" back.
    data = fixture("facebook", "delivery")
    data["entry"][0]["messaging"][0]["delivery"]["watermark"] += 10_000_000
    deliver(client, page_a, data)
    assert statuses() == ["read", "read", "delivered"]


def test_receipt_names_the_mid(client, page_a):
    deliver(client, page_a, fixture("facebook", "message_text"))
    ours = _our_pending_send(Conversation.objects.get(), status="sent", at=T + timedelta(days=1))
    Message.objects.filter(pk=ours.pk).update(external_id="m_echo_own_1")
    deliver(client, page_a, fixture("facebook", "delivery"))
    ours.refresh_from_db()
    assert ours.delivery_status == "delivered"


def test_receipt_of_an_unknown_contact_is_harmless(client, page_a):
    assert deliver(client, page_a, fixture("facebook", "read")) == ["processed"]


def test_own_app_id_is_configurable(settings):
    from channels_app.providers.meta.messaging import own_message_id

    assert own_message_id({"app_id": int(APP_ID), "metadata": "inbox:42"}) == 42
    assert own_message_id({"app_id": int(APP_ID), "metadata": "other:42"}) is None
    settings.META_APP_ID = "5"
    assert own_message_id({"app_id": int(APP_ID), "metadata": "inbox:42"}) is None
