"""Messenger inbound: every payload variant from tests/fixtures/facebook/."""

from datetime import UTC, datetime

import pytest

from conversations.models import Contact, Conversation, Customer, Message
from tests.channels_app.meta import deliver, fixture
from tests.factories import make_channel_account

pytestmark = pytest.mark.django_db
T = datetime.fromtimestamp(1795300000, tz=UTC)


@pytest.mark.parametrize(
    "name,text,attachment",
    [
        ("message_text", "Shop ơi, áo này còn size M không ạ?", None),
        ("message_image", "", {"type": "image"}),
        ("message_video", "", {"type": "video"}),
        ("message_audio", "", {"type": "audio"}),
        ("message_file", "", {"type": "file"}),
        ("message_sticker", "", {"type": "sticker", "sticker_id": "369239263222822"}),
        ("message_sticker_as_image", "", {"type": "sticker", "sticker_id": "369239263222822"}),
        ("message_location", "", {"type": "location", "lat": 10.7769, "long": 106.7009}),
        (
            "message_fallback",
            "https://shopee.vn/product/123",
            {
                "type": "fallback",
                "url": "https://shopee.vn/product/123",
                "name": "Áo thun nam cổ tròn",
            },
        ),
    ],
)
def test_message_variants(client, page_a, name, text, attachment):
    assert deliver(client, page_a, fixture("facebook", name)) == ["processed"]
    message = Message.objects.get()
    assert (message.direction, message.kind, message.text) == ("in", "inbox", text)
    assert message.sent_at == T
    assert message.workspace_id == page_a.workspace_id
    if attachment:
        assert attachment.items() <= message.attachments[0].items()
        preview = message.conversation.last_message_preview
        assert preview == (text or preview) and (text or preview.startswith("["))
    else:
        assert message.attachments == []


def test_first_message_creates_customer_contact_and_conversation(client, page_a):
    deliver(client, page_a, fixture("facebook", "message_text"))
    contact = Contact.objects.get()
    assert (contact.channel_account, contact.external_id) == (page_a, "7001001")
    conversation = Conversation.objects.get()
    assert conversation.contact == contact
    assert conversation.customer == contact.customer
    assert conversation.status == "open"
    assert conversation.last_message_at == T
    assert conversation.last_inbound_at == T
    assert conversation.last_message_direction == "in"
    assert conversation.last_message_preview == "Shop ơi, áo này còn size M không ạ?"
    assert conversation.unread_count == 1
    assert not conversation.is_returning


def test_second_message_joins_the_same_conversation(client, page_a):
    deliver(client, page_a, fixture("facebook", "message_text"))
    deliver(client, page_a, fixture("facebook", "message_quick_reply"))
    assert Conversation.objects.count() == 1
    conversation = Conversation.objects.get()
    assert conversation.unread_count == 2
    assert Customer.objects.count() == 1


def test_quick_reply_payload_is_kept(client, page_a):
    deliver(client, page_a, fixture("facebook", "message_quick_reply"))
    assert Message.objects.get().meta == {"quick_reply": "SIZE_M"}


def test_reply_to_is_kept(client, page_a):
    deliver(client, page_a, fixture("facebook", "message_reply_to"))
    assert Message.objects.get().reply_to_external_id == "m_text_1"


def test_referral_is_kept(client, page_a):
    deliver(client, page_a, fixture("facebook", "message_referral"))
    assert Message.objects.get().meta["referral"]["ref"] == "summer-sale"


def test_html_and_broken_unicode_are_stored_safely(client, page_a):
    deliver(client, page_a, fixture("facebook", "message_html_unicode"))
    text = Message.objects.get().text
    assert text.startswith("<script>alert('x')</script> <b>Giá</b>")  # stored as typed
    assert "😀" in text
    assert "\ud800" not in text  # a lone surrogate cannot reach PostgreSQL


def test_postback_becomes_a_message_with_its_payload(client, page_a):
    deliver(client, page_a, fixture("facebook", "postback"))
    message = Message.objects.get()
    assert (message.text, message.external_id) == ("Bắt đầu", "m_postback_1")
    assert message.meta["postback"] == "GET_STARTED"


def test_standby_postback_without_mid_gets_a_stable_key(client, page_a):
    deliver(client, page_a, fixture("facebook", "postback_standby_no_mid"))
    data = fixture("facebook", "postback_standby_no_mid")
    data["extra"] = "a different body for the same event"
    deliver(client, page_a, data)
    message = Message.objects.get()
    assert message.external_id.startswith("postback:")
    assert message.text == "Xem đơn hàng"


def test_reaction_is_ignored_but_processed(client, page_a):
    assert deliver(client, page_a, fixture("facebook", "message_reaction")) == ["processed"]
    assert not Message.objects.exists()


def test_batched_entries_are_processed_in_timestamp_order(client, page_a):
    deliver(client, page_a, fixture("facebook", "batched_entries"))
    first, other, second = Message.objects.order_by("id")
    assert [first.external_id, other.external_id, second.external_id] == [
        "m_batch_1",
        "m_batch_other",
        "m_batch_2",
    ]
    assert Conversation.objects.count() == 2
    mine = first.conversation
    assert mine.last_message_preview == "tin thứ hai"


def test_out_of_order_delivery_keeps_the_newest_preview(client, page_a):
    newer = fixture("facebook", "message_text")
    older = fixture("facebook", "message_quick_reply")
    older["entry"][0]["messaging"][0]["timestamp"] -= 60_000
    deliver(client, page_a, newer)
    deliver(client, page_a, older)
    conversation = Conversation.objects.get()
    assert conversation.last_message_preview == "Shop ơi, áo này còn size M không ạ?"
    assert conversation.last_inbound_at == T


def test_closed_conversation_reopens_on_a_new_message(client, page_a):
    deliver(client, page_a, fixture("facebook", "message_text"))
    Conversation.objects.update(status="closed", closed_at=T)
    deliver(client, page_a, fixture("facebook", "message_quick_reply"))
    conversation = Conversation.objects.get()
    assert (conversation.status, conversation.closed_at) == ("open", None)
    # Routing reopens it, so the timeline says why (it was once reopened silently).
    system = Message.objects.filter(conversation=conversation, kind="system")
    assert [m.meta.get("event") for m in system] == ["reopened"]


def test_archived_conversation_leaves_room_for_a_new_one(client, page_a):
    deliver(client, page_a, fixture("facebook", "message_text"))
    Conversation.objects.update(status="archived")
    deliver(client, page_a, fixture("facebook", "message_quick_reply"))
    assert Conversation.objects.count() == 2
    fresh = Conversation.objects.get(status="open")
    assert fresh.is_returning
    assert Customer.objects.count() == 1


def test_entry_for_a_page_of_another_workspace_lands_there(client, page_a, workspace_b):
    other = make_channel_account(workspace_b, "facebook", "2002", "B's second page")
    data = fixture("facebook", "message_text")
    data["entry"][0]["id"] = "2002"
    deliver(client, page_a, data)
    message = Message.objects.get()
    assert (message.channel_account, message.workspace_id) == (other, workspace_b.pk)
    assert Contact.objects.get().workspace_id == workspace_b.pk


def test_entry_for_an_unknown_page_is_skipped(client, page_a):
    data = fixture("facebook", "message_text")
    data["entry"][0]["id"] = "999999"
    assert deliver(client, page_a, data) == ["processed"]
    assert not Message.objects.exists()


def test_customer_last_seen_moves_to_the_minute(page_a):
    """Activity status counts days: a chatty customer costs one customer write a minute."""
    from datetime import timedelta

    from conversations.services import inbound

    def writes(mid: str, at):
        inbound.message_record_inbound(
            channel_account=page_a, contact_external_id="psid-chatty", external_id=mid, sent_at=at
        )
        return Customer.objects.get().last_seen_at

    assert writes("m1", T) == T
    assert writes("m2", T + timedelta(seconds=30)) == T
    assert writes("m3", T + timedelta(seconds=90)) == T + timedelta(seconds=90)
