"""Every Zalo event type from a real-shaped payload (tests/fixtures/zalo/): customer messages
with each attachment kind, follows as timeline lines, receipts, the OA's echoes and reactions."""

import pytest

from channels_app.models import WebhookEvent
from conversations.models import DeliveryStatus, Direction, Message, MessageKind
from conversations.services import outbound
from tests.channels_app.zalo import OA_ID, USER_ID, deliver, fixture, fresh, raw_fixture

pytestmark = pytest.mark.django_db

ATTACHMENTS = {
    "user_send_image": ("image", "https://photo-stal-1.zadn.vn/zalo/ao-thun-1.jpg"),
    "user_send_file": ("file", "https://f21-zpc.zdn.vn/files/don-hang.pdf"),
    "user_send_sticker": ("sticker", "https://zalo-api.zadn.vn/api/emoticon/sticker/webpc?eid=46991&size=130"),
    "user_send_gif": ("image", "https://photo-stal-1.zadn.vn/gif/cam-on.gif"),
    "user_send_audio": ("audio", "https://voice-aac-dl.zdn.vn/voice/ghi-am.aac"),
    "user_send_video": ("video", "https://video-dl.zadn.vn/v/review.mp4"),
    "user_send_link": ("share", "https://shopee.vn/ao-thun-nam-i.123.456"),
    "user_send_location": ("location", ""),
    "user_send_business_card": ("share", "https://zalo.me/0912345678"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(ATTACHMENTS))
def test_each_customer_message_kind_is_recorded_with_its_attachment(client, oa_a, name):
    assert deliver(client, raw_fixture(name)) == ["processed"]
    message = Message.objects.get()
    assert (message.direction, message.channel_account_id) == (Direction.IN, oa_a.pk)
    assert message.conversation.contact.external_id == USER_ID
    kind, url = ATTACHMENTS[name]
    [attachment] = message.attachments
    assert attachment["type"] == kind
    assert attachment.get("url", "") == url
    if name == "user_send_location":
        assert attachment["coordinates"] == {"lat": "10.7769", "long": "106.7009"}
    if name == "user_send_file":
        assert (attachment["name"], attachment["size"]) == ("don-hang.pdf", "48213")
    if name == "user_send_gif":
        assert attachment["provider_type"] == "gif"


def test_a_text_message_opens_the_reply_window(client, oa_a):
    deliver(client, raw_fixture("user_send_text"))
    conversation = Message.objects.get().conversation
    assert conversation.last_inbound_at is not None
    assert conversation.unread_count == 1


def test_follow_and_unfollow_are_lines_in_the_customers_timeline(client, oa_a):
    deliver(client, raw_fixture("follow"))  # no conversation yet: only the contact is known
    assert not Message.objects.exists()
    deliver(client, raw_fixture("user_send_text"))
    deliver(client, raw_fixture("unfollow"))
    line = Message.objects.get(kind=MessageKind.SYSTEM)
    assert line.meta["event"] == "unfollowed"
    assert line.text == "Khách hàng đã bỏ quan tâm Zalo OA"


def test_receipts_mark_our_message_delivered_then_read(client, oa_a, alice):
    deliver(client, fresh("user_send_text", seconds_ago=60))
    conversation = Message.objects.get().conversation
    reply = outbound.message_send(conversation=conversation, author=None, text="Dạ còn ạ",
                                  automated=True)  # fmt: skip
    Message.objects.filter(pk=reply.pk).update(
        delivery_status=DeliveryStatus.SENT, external_id="c0ffee00c0ffee00c0ffee00c0ffee00"
    )
    deliver(client, raw_fixture("user_received_message"))
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.DELIVERED
    deliver(client, raw_fixture("user_seen_message"))
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.READ


def test_a_message_typed_in_zalo_oa_manager_is_recorded_as_the_oas(client, oa_a):
    deliver(client, raw_fixture("user_send_text"))
    deliver(client, raw_fixture("oa_send_text"))
    deliver(client, raw_fixture("oa_send_image"))
    echoes = Message.objects.filter(direction=Direction.OUT).order_by("sent_at")
    assert [(m.text, m.author_label) for m in echoes] == [
        ("Dạ còn size M ạ", "Page inbox"), ("", "Page inbox"),
    ]  # fmt: skip
    assert echoes[1].attachments[0]["type"] == "image"
    assert {m.conversation_id for m in Message.objects.all()} == {echoes[0].conversation_id}


def test_the_echo_of_our_own_send_is_not_a_second_message(client, oa_a):
    deliver(client, fresh("user_send_text", seconds_ago=60))
    conversation = Message.objects.get().conversation
    reply = outbound.message_send(conversation=conversation, author=None, text="Dạ còn size M ạ",
                                  automated=True)  # fmt: skip
    Message.objects.filter(pk=reply.pk).update(
        delivery_status=DeliveryStatus.SENT, external_id="d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1"
    )
    deliver(client, raw_fixture("oa_send_text"))
    assert Message.objects.filter(direction=Direction.OUT).count() == 1


def test_reactions_are_kept_on_the_message_they_answer(client, oa_a):
    deliver(client, raw_fixture("user_send_text"))
    deliver(client, raw_fixture("oa_send_text"))
    deliver(client, raw_fixture("user_reacted_message"))
    deliver(client, raw_fixture("oa_reacted_message"))
    echo = Message.objects.get(external_id="d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1")
    customer_message = Message.objects.get(external_id="a6f0b0c1d2e3f4a5b6c7d8e9f0a1b2c3")
    assert echo.meta["reactions"] == {"customer": "/-heart"}
    assert customer_message.meta["reactions"] == {"account": "/-strong"}


def test_an_event_we_do_not_act_on_is_processed_and_kept(client, oa_a):
    assert deliver(client, raw_fixture("user_submit_info")) == ["processed"]
    assert not Message.objects.exists()
    assert WebhookEvent.objects.get().status == "processed"


def test_a_body_naming_another_oa_is_routed_to_that_oa(client, oa_a, workspace_b):
    from tests.factories import make_channel_account

    other = make_channel_account(workspace_b, "zalo", "1111111111111111111", "Shop B Zalo OA",
                                 access_token="t")  # fmt: skip
    body = fixture("user_send_text")
    body["recipient"]["id"] = other.external_id
    deliver(client, body)
    assert Message.objects.get().channel_account_id == other.pk
    assert oa_a.external_id == OA_ID
